"""A fault-injecting TCP proxy between one bench and the broker (CPython, loopback only).

    proxy = FaultProxy(target_port=1883).start()      # listens on 127.0.0.1:proxy.port
    proxy.delay(500)      # every chunk, either way, waits 500 ms before it is forwarded
    proxy.blackhole()     # a dead uplink TCP cannot see: accept, read, forward nothing, answer nothing
    proxy.cut()           # close (reset) every current connection; the mode stays as it was
    proxy.refuse()        # stop listening: new connections are refused; current ones carry on
    proxy.passthrough()   # back to normal for new connections
    proxy.stop()

Connections that were open during a blackhole stay dead afterwards (as when a 4G router or a NAT
loses its mapping): nothing they carry is forwarded again, and the broker's side is closed. Only
the bench's own keepalive can find that out, which is the point. New connections after
passthrough() work normally.

The proxy runs its own asyncio loop in a daemon thread. It is bounded (at most max_connections at
once, further ones are closed on accept) and self-stopping (after lifetime_s, default one hour,
the loop ends and every socket is closed). It only ever binds 127.0.0.1.
"""
import asyncio
import concurrent.futures
import threading
import time

PASS, DELAY, BLACKHOLE, REFUSE = "pass", "delay", "blackhole", "refuse"
_CHUNK = 16384


class _Conn:
    def __init__(self, proxy, reader, writer):
        self.proxy = proxy
        self.client = (reader, writer)
        self.upstream = None
        self.dead = False
        self.tasks = []

    def abort(self):
        for _, writer in filter(None, (self.client, self.upstream)):
            transport = writer.transport
            if not transport.is_closing():
                transport.abort()  # RST, as a link that breaks does

    def close_upstream(self):
        if self.upstream and not self.upstream[1].transport.is_closing():
            self.upstream[1].transport.abort()


class FaultProxy:
    def __init__(self, target_port, target_host="127.0.0.1", port=0, max_connections=32, lifetime_s=3600.0,
                 name="proxy"):
        self.target = (target_host, target_port)
        self.port = port
        self.name = name
        self.max_connections = max_connections
        self.lifetime_s = lifetime_s
        self.mode = PASS
        self.delay_ms = 0
        self.counts = {"accepted": 0, "cuts": 0, "delays": 0, "blackholes": 0, "refusals": 0,
                       "upstream_failed": 0, "bytes_up": 0, "bytes_down": 0}
        self._conns = set()
        self._server = None
        self._loop = None
        self._thread = None
        self._stopped = None

    # -- control (any thread) ----------------------------------------------
    def start(self, timeout=5.0):
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True, name="faultproxy-" + self.name)
        self._thread.start()
        if not ready.wait(timeout) or not self.port:
            raise RuntimeError("fault proxy did not start")
        return self

    def passthrough(self):
        self._call(self._set_mode, PASS, 0)

    def delay(self, ms):
        self.counts["delays"] += 1
        self._call(self._set_mode, DELAY, ms)

    def blackhole(self):
        self.counts["blackholes"] += 1
        self._call(self._set_mode, BLACKHOLE, 0)

    def refuse(self):
        self.counts["refusals"] += 1
        self._call(self._set_mode, REFUSE, 0)

    def cut(self):
        self.counts["cuts"] += 1
        self._call(self._cut)

    def stop(self):
        if self._loop and not self._loop.is_closed() and self._stopped is not None:
            try:
                self._loop.call_soon_threadsafe(self._stopped.set)
            except RuntimeError:
                pass
        if self._thread:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _call(self, fn, *args):
        async def run():
            result = fn(*args)
            if asyncio.iscoroutine(result):
                await result

        if self._thread is None or not self._thread.is_alive():
            return  # stopped: nothing to control any more
        coro = run()
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        except RuntimeError:  # the loop closed meanwhile
            coro.close()
            return
        try:
            future.result(5)
        except concurrent.futures.CancelledError:
            pass

    # -- the loop ------------------------------------------------------------
    def _run(self, ready):
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._main(ready))
            loop.run_until_complete(_cancel_the_rest())
        finally:
            loop.close()

    async def _main(self, ready):
        self._stopped = asyncio.Event()
        await self._listen()
        ready.set()
        try:
            await asyncio.wait_for(self._stopped.wait(), self.lifetime_s)
        except asyncio.TimeoutError:
            pass
        await self._unlisten()
        self._cut()
        await asyncio.sleep(0)

    async def _listen(self):
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
            self.port = self._server.sockets[0].getsockname()[1]

    async def _unlisten(self):
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _set_mode(self, mode, delay_ms):
        self.mode, self.delay_ms = mode, delay_ms
        if mode == REFUSE:
            await self._unlisten()
        else:
            await self._listen()
        if mode == BLACKHOLE:
            for conn in self._conns:
                conn.dead = True

    def _cut(self):
        for conn in list(self._conns):
            conn.abort()
        self._conns.clear()

    async def _accept(self, reader, writer):
        if len(self._conns) >= self.max_connections:
            writer.transport.abort()
            return
        self.counts["accepted"] += 1
        conn = _Conn(self, reader, writer)
        self._conns.add(conn)
        try:
            if self.mode == BLACKHOLE:
                conn.dead = True
            else:
                try:
                    conn.upstream = await asyncio.wait_for(asyncio.open_connection(*self.target), 5)
                except (OSError, asyncio.TimeoutError):
                    self.counts["upstream_failed"] += 1
                    return
            pumps = [self._pump(conn, reader, conn.upstream and conn.upstream[1], "bytes_up")]
            if conn.upstream:
                pumps.append(self._pump(conn, conn.upstream[0], writer, "bytes_down"))
            await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            conn.abort()
            self._conns.discard(conn)

    async def _pump(self, conn, reader, writer, counter):
        while True:
            try:
                data = await reader.read(_CHUNK)
            except OSError:
                data = b""
            if not data:
                if conn.dead and counter == "bytes_down":
                    conn.close_upstream()
                    await self._linger(conn)  # the bench must not see the broker's side close
                conn.abort()
                return
            if self.mode == DELAY and not conn.dead:
                await asyncio.sleep(self.delay_ms / 1000)
            if conn.dead:
                conn.close_upstream()
                continue  # read and forget
            self.counts[counter] += len(data)
            try:
                writer.write(data)
                await writer.drain()
            except OSError:
                conn.abort()
                return

    async def _linger(self, conn):
        # A dead connection stays open on the bench's side until the bench closes it or a cut.
        while not conn.client[1].transport.is_closing():
            await asyncio.sleep(0.2)


async def _cancel_the_rest():
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def wait_listening(port, timeout=5.0):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
