"""Fetch a signed release beside the running tree, in bounded memory, while the portal serves.

A release's files come over plain HTTP from the hub (docs/updates.md says why not MQTT): the
manifest and its signature first (checked by benchcore.release before anything else is fetched),
then each file into app/<seq>/, read into one preallocated buffer and written as it comes. A file
cut short by a power cut is resumed with a Range request at the next boot (the wanted update is
kept in the boot journal); every file is read back and its SHA-256 checked before the journal
names the tree as the next boot's trial. Nothing in the running tree is touched.
"""
import asyncio
import hashlib
import os
from binascii import hexlify

import bootslot
from benchcore import protocol_updates as protocol
from benchcore.compat import const, file_size

APP_DIR = "app"
_CHUNK = const(1024)
_MAX_HEAD_LINE = const(256)
_MAX_HEADERS = const(24)
_READ_TIMEOUT_S = const(15)


class DownloadError(OSError):
    pass


from benchcore.release import ReleaseRefused  # noqa: E402  (re-exported: refused, do not retry)


def _mkdirs(path):
    at = 0
    while True:
        at = path.find("/", at + 1)
        if at < 0:
            return
        try:
            os.mkdir(path[:at])
        except OSError:
            pass  # exists


def rmtree(path):
    try:
        entries = list(os.ilistdir(path))
    except OSError:  # a file (or nothing)
        try:
            os.remove(path)
        except OSError:
            pass
        return
    for entry in entries:
        child = path + "/" + entry[0]
        if entry[1] == 0x4000:
            rmtree(child)
        else:
            os.remove(child)
    os.rmdir(path)


def _split_url(url):
    """'http://host:port/base/' -> (host, port, '/base/')."""
    if not url.startswith("http://"):
        raise DownloadError("only http:// release URLs")
    rest = url[7:]
    slash = rest.find("/")
    hostport, path = (rest, "/") if slash < 0 else (rest[:slash], rest[slash:])
    host, _, port = hostport.partition(":")
    return host, int(port) if port else 80, path


def unload(name):
    """Forget the module benchcore.<name> so the collector can take it (until imported again)."""
    import sys

    import benchcore

    sys.modules.pop("benchcore." + name, None)
    if name in benchcore.__dict__:
        delattr(benchcore, name)



async def _close(writer):
    """MicroPython's Stream.close() does nothing; wait_closed() closes the socket (CPython: both)."""
    writer.close()
    await writer.wait_closed()


class Updater:
    """Loaded (by keepalive.py) only while a release is fetched."""

    def __init__(self, public_key, report, log=print):
        self.public_key = public_key
        self._report = report  # (state, seq, detail)
        self._log = log
        self._buf = bytearray(_CHUNK)  # the one download buffer
        self._mv = memoryview(self._buf)
        self.bytes_fetched = 0

    def prune(self):
        """Remove release trees that no journal entry names (an abandoned or replaced one)."""
        j = bootslot.journal
        keep = [j[k]["dir"] for k in ("good", "trial") if j.get(k)]
        if j.get("pending"):
            keep.append("%s/%d" % (APP_DIR, j["pending"]["seq"]))
        keep += [d + ".manifest" for d in keep]
        try:
            names = [e[0] for e in os.ilistdir(APP_DIR)]
        except OSError:
            return
        for name in names:
            if APP_DIR + "/" + name not in keep:
                rmtree(APP_DIR + "/" + name)

    async def fetch(self, seq, version, url):
        """Fetch and verify release seq; on success the journal names it as the next boot's trial.
        Raises ReleaseRefused (do not retry) or OSError/ValueError (retry later)."""
        from benchcore import release

        self._report("downloading", seq, "")
        tree = "%s/%d" % (APP_DIR, seq)
        listing = tree + ".manifest"  # beside the tree: the tree holds only the release's files
        _mkdirs(listing)
        await self._download(url + protocol.RELEASE_MANIFEST, listing, 0, None)
        signature = await self._get_small(url + protocol.RELEASE_SIGNATURE, 256)
        newer_than = bootslot.newest_seen()
        # The pending release itself may already be the newest seen (a fetch resumed after a power cut).
        newer_than = newer_than if newer_than < seq else seq - 1
        try:
            release.verify_signature(self._sha256(listing), signature, self.public_key)
        finally:
            unload("ed25519")
            unload("sha512")
        del signature
        with open(listing) as f:
            header = release.parse_header(f.readline(), newer_than)
            if header["seq"] != seq:
                raise release.ReleaseRefused("manifest is release %d, not %d" % (header["seq"], seq))
            bootslot.update(seen=seq)  # a replay of this or an older manifest is refused from now on
            count = total = 0
            while True:
                line = f.readline()
                if not line:
                    break
                path, size, digest = release.parse_entry(line)
                count, total = count + 1, total + size
                target = tree + "/" + path
                have = file_size(target)
                if have == size and self.sha256_hex(target) == digest:
                    continue
                if have < 0 or have > size:
                    have = 0
                _mkdirs(target)
                await self._download(url + path, target, have, size)
                if self.sha256_hex(target) != digest:
                    os.remove(target)
                    raise ValueError("%s does not match its sha256" % path)
            if count != header["files"] or total != header["bytes"]:
                raise release.ReleaseRefused("manifest header does not match its files")
            f.seek(0)
            f.readline()
            while True:  # all again: nothing changed on flash meanwhile
                line = f.readline()
                if not line:
                    break
                path, size, digest = release.parse_entry(line)
                if self.sha256_hex(tree + "/" + path) != digest:
                    raise ValueError("%s changed on flash" % path)
        bootslot.update(pending=None, trial={"dir": tree, "seq": seq, "version": header["version"], "tries": 0})
        self._report("staged", seq, "")

    def _sha256(self, path):
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while True:
                n = f.readinto(self._buf)
                if not n:
                    return h.digest()
                h.update(self._mv[:n])

    def sha256_hex(self, path):
        try:
            return hexlify(self._sha256(path)).decode()
        except OSError:
            return ""

    # -- HTTP ---------------------------------------------------------------------------------
    async def _open(self, url, offset):
        host, port, path = _split_url(url)
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), _READ_TIMEOUT_S)
        head = "GET %s HTTP/1.0\r\nHost: %s\r\n" % (path, host)
        if offset:
            head += "Range: bytes=%d-\r\n" % offset
        writer.write(head + "\r\n")
        await writer.drain()
        status = await self._head_line(reader)
        code = int(status.split()[1]) if len(status.split()) > 1 else 0
        length = -1
        for _ in range(_MAX_HEADERS):
            line = await self._head_line(reader)
            if not line:
                break
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        else:
            raise DownloadError("too many headers")
        if code not in (200, 206) or (offset and code != 206):
            await _close(writer)
            raise DownloadError("HTTP %d for %s" % (code, path))
        return reader, writer, length

    async def _head_line(self, reader):
        """One header line, read into the buffer: a hostile answer cannot make it grow."""
        n = 0
        while True:
            got = await asyncio.wait_for(reader.readinto(self._mv[n:n + 1]), _READ_TIMEOUT_S)
            if not got:
                raise DownloadError("connection closed in the head")
            if self._buf[n] == 10:
                return bytes(self._mv[:n]).decode().rstrip("\r")
            n += 1
            if n >= _MAX_HEAD_LINE:
                raise DownloadError("header line too long")

    async def _get_small(self, url, limit):
        reader, writer, length = await self._open(url, 0)
        try:
            if not 0 <= length <= limit:
                raise DownloadError("%s: length %d not within %d" % (url, length, limit))
            data = bytearray(length)
            got = 0
            while got < length:
                n = await asyncio.wait_for(reader.readinto(memoryview(data)[got:]), _READ_TIMEOUT_S)
                if not n:
                    raise DownloadError("%s cut short" % url)
                got += n
            return data
        finally:
            await _close(writer)

    async def _download(self, url, target, offset, size):
        """url into target from offset; size None: any length up to the manifest's limit."""
        reader, writer, length = await self._open(url, offset)
        try:
            if size is None:
                if not 0 < length <= protocol.RELEASE_MAX_MANIFEST_BYTES:
                    raise DownloadError("%s: length %d" % (url, length))
                size = length
            if length != size - offset:
                raise DownloadError("%s: %d bytes offered, %d wanted" % (url, length, size - offset))
            with open(target, "r+b" if offset else "wb") as f:
                f.seek(offset)
                left = length
                while left:
                    n = await asyncio.wait_for(reader.readinto(self._mv[:min(left, _CHUNK)]), _READ_TIMEOUT_S)
                    if not n:
                        raise DownloadError("%s cut short" % url)
                    f.write(self._mv[:n])
                    left -= n
                    self.bytes_fetched += n
        finally:
            await _close(writer)
