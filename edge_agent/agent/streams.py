"""The MicroPython calls the firmware's portal server makes (readinto on its stream, a wait for
readable bytes, asyncio's sleep_ms), on CPython's asyncio, put in from here: the
firmware carries no CPython code and no new names for it (each name in an .mpy is interned on the
ESP32 for good; a few more pushed a 1,000-letter submission out of the simulated heap). install()
runs before the portal is built (use_firmware) and touches this process's asyncio only."""
import asyncio
import types


async def sleep_ms(ms):
    await asyncio.sleep(ms / 1000)


class StreamReader:
    """asyncio.StreamReader with MicroPython's readinto(): bytes read ahead by readable() come first."""

    def __init__(self, reader):
        self._reader = reader
        self._ahead = b""
        self.s = self  # what benchcore.server hands its _readable()

    async def fill(self):
        if not self._ahead:
            self._ahead = await self._reader.read(4096)
        return self._ahead

    async def readinto(self, view):
        data = self._ahead or await self._reader.read(len(view))
        n = min(len(view), len(data))
        view[:n] = data[:n]
        self._ahead = data[n:]
        return n


class StreamWriter:
    """asyncio.StreamWriter with MicroPython's awrite() and aclose() (microdot used to add them)."""

    def __init__(self, writer):
        self._writer = writer

    def get_extra_info(self, name, default=None):
        return self._writer.get_extra_info(name, default)

    async def awrite(self, data):
        self._writer.write(bytes(data))
        await self._writer.drain()

    async def aclose(self):
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except OSError:
            pass


async def readable(sock):
    await sock.fill()


def install():
    if not hasattr(asyncio, "core"):  # benchcore.server imports it; its one use is replaced below
        asyncio.core = types.ModuleType("asyncio.core")
    asyncio.sleep_ms = sleep_ms
    from benchcore import server

    server._readable = readable
    serve = server.PortalServer.handle_request
    if getattr(serve, "wraps_streams", False):
        return

    async def handle_request(self, reader, writer):
        if not hasattr(writer, "awrite"):
            writer = StreamWriter(writer)
        return await serve(self, StreamReader(reader), writer)

    handle_request.wraps_streams = True
    server.PortalServer.handle_request = handle_request
