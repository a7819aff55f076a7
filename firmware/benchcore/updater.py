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
from benchcore import protocol, release
from benchcore.compat import const, file_size

APP_DIR = "app"
_CHUNK = const(1024)
_MAX_HEAD_LINE = const(256)
_MAX_HEADERS = const(24)
_READ_TIMEOUT_S = const(15)


class DownloadError(OSError):
    pass


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
    except OSError:
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


class Updater:
    def __init__(self, public_key, log=print, reboot=None):
        self.public_key = public_key
        self._log = log
        self._reboot = reboot  # called once a release is staged
        self._buf = bytearray(_CHUNK)  # the one download buffer, for the bench's lifetime
        self._mv = memoryview(self._buf)
        self.state, self.seq, self.detail = "idle", 0, ""
        self.bytes_fetched = 0
        self._wake = asyncio.Event()

    # -- the journal's view -------------------------------------------------------------------
    def _newest_seen(self):
        j = bootslot.journal
        seqs = [j.get("seen", 0)]
        for key in ("good", "trial", "failed"):
            if j.get(key):
                seqs.append(j[key]["seq"])
        return max(seqs)

    def request(self, seq, version, url):
        """The hub asked for release seq: remembered in the journal (a power cut resumes it)."""
        if not isinstance(seq, int) or not isinstance(url, str) or not isinstance(version, str):
            raise ValueError("update needs seq, version and url")
        if seq <= self._newest_seen():
            self._report("refused", seq, "release %d is not newer than %d (replay?)" % (seq, self._newest_seen()))
            return
        bootslot.update(pending={"seq": seq, "version": version, "url": url})
        self._wake.set()

    def _report(self, state, seq, detail=""):
        self.state, self.seq, self.detail = state, seq, detail
        self._log("update: %s %d %s" % (state, seq, detail))

    def telemetry(self):
        """(key, value) pairs: the running release and the update state, for the hub's rollout."""
        seq, _, running_state = bootslot.running()
        state, about, detail = self.state, self.seq, self.detail
        failed = bootslot.journal.get("failed")
        if state == "idle":
            if running_state == "trial":
                state, about = "trial", seq
            elif failed and failed["seq"] > seq:
                state, about, detail = "rolled_back", failed["seq"], failed["reason"]
            elif running_state == "good":
                state, about = "good", seq
        pairs = [(protocol.T_APP_SEQ, seq), (protocol.T_UPDATE, state), (protocol.T_UPDATE_SEQ, about)]
        if detail:
            pairs.append((protocol.T_UPDATE_DETAIL, detail[:80]))
        return pairs

    # -- the task -------------------------------------------------------------------------------
    async def run(self):
        self.prune()
        while True:
            pending = bootslot.journal.get("pending")
            if not pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self._fetch_release(pending["seq"], pending["version"], pending["url"])
            except release.ReleaseRefused as exc:
                bootslot.update(pending=None, seen=max(pending["seq"], bootslot.journal.get("seen", 0)))
                self._report("refused", pending["seq"], str(exc))
            except (OSError, ValueError, MemoryError) as exc:  # network, flash, a mismatching file
                self._report("failed", pending["seq"], "%r" % (exc,))
                await asyncio.sleep(60)  # then again, from where it stopped
                continue
            if self.state == "staged" and self._reboot:
                self._reboot()

    def prune(self):
        """Remove release trees that no journal entry names (an abandoned or replaced one)."""
        j = bootslot.journal
        keep = [j[k]["dir"] for k in ("good", "trial") if j.get(k)]
        if j.get("pending"):
            keep.append("%s/%d" % (APP_DIR, j["pending"]["seq"]))
        try:
            names = [e[0] for e in os.ilistdir(APP_DIR)]
        except OSError:
            return
        for name in names:
            if APP_DIR + "/" + name not in keep:
                rmtree(APP_DIR + "/" + name)

    async def _fetch_release(self, seq, version, url):
        self._report("downloading", seq)
        manifest = await self._get_small(url + protocol.RELEASE_MANIFEST, protocol.RELEASE_MAX_MANIFEST_BYTES)
        signature = await self._get_small(url + protocol.RELEASE_SIGNATURE, 256)
        newer_than = self._newest_seen()
        m = release.check(manifest, signature, self.public_key, newer_than if newer_than < seq else seq - 1)
        if m["seq"] != seq:
            raise release.ReleaseRefused("manifest is release %d, not %d" % (m["seq"], seq))
        del manifest, signature
        bootslot.update(seen=seq)  # a replay of this or an older manifest is refused from now on
        tree = "%s/%d" % (APP_DIR, seq)
        for path, size, digest in m["files"]:
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
        for path, size, digest in m["files"]:  # all again: nothing changed on flash meanwhile
            if self.sha256_hex(tree + "/" + path) != digest:
                raise ValueError("%s changed on flash" % path)
        bootslot.update(pending=None, trial={"dir": tree, "seq": seq, "version": m["version"], "tries": 0})
        self._report("staged", seq)

    def sha256_hex(self, path):
        h = hashlib.sha256()
        try:
            with open(path, "rb") as f:
                while True:
                    n = f.readinto(self._buf)
                    if not n:
                        break
                    h.update(self._mv[:n])
        except OSError:
            return ""
        return hexlify(h.digest()).decode()

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
            writer.close()
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
            writer.close()

    async def _download(self, url, target, offset, size):
        reader, writer, length = await self._open(url, offset)
        try:
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
            writer.close()
