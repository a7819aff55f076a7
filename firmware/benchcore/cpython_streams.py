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


def stream_reader(reader):
    return reader if isinstance(reader, StreamReader) else StreamReader(reader)


async def readable(stream):
    await stream.fill()
