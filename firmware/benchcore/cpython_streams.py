"""The MicroPython stream calls the portal server makes (readinto, a wait for readable bytes,
sleep_ms, wait_for_ms), on CPython's asyncio: lets the edge agent run benchcore.server as it is.
Imported only by benchcore.compat under CPython; never on a bench."""
import asyncio


async def sleep_ms(ms):
    await asyncio.sleep(ms / 1000)


def wait_for_ms(awaitable, ms):
    return asyncio.wait_for(awaitable, ms / 1000)


class StreamReader:
    """asyncio.StreamReader with MicroPython's readinto(): bytes read ahead by readable() come first."""

    def __init__(self, reader):
        self._reader = reader
        self._ahead = b""

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

    async def read(self, n=-1):
        if self._ahead:
            data, self._ahead = self._ahead[:n] if n >= 0 else self._ahead, self._ahead[n:] if n >= 0 else b""
            return data
        return await self._reader.read(n)

    async def readline(self):
        if self._ahead:
            i = self._ahead.find(b"\n")
            if i >= 0:
                line, self._ahead = self._ahead[:i + 1], self._ahead[i + 1:]
                return line
            line, self._ahead = self._ahead, b""
            return line + await self._reader.readline()
        return await self._reader.readline()

    async def readexactly(self, n):
        data = await self.read(n)
        return data + (await self._reader.readexactly(n - len(data)) if len(data) < n else b"")


def stream_reader(reader):
    return reader if isinstance(reader, StreamReader) else StreamReader(reader)


async def readable(stream):
    await stream.fill()
