"""Proposals waiting for the hub, kept on flash until the hub's ack names them.

The file is an append-only log of records:
    magic (1) | kind (1) | length (2, big-endian) | crc32 (4) | proposal id (16) | payload
kind P holds a proposal's message, kind A marks a proposal as acknowledged (no payload).
The crc covers id, payload, then kind and length, so a torn or corrupted record is detected
and skipped; the records after it still count. A record is written as zeros for its header, the
payload piece by piece, then the real header; the close makes littlefs commit it, before the
citizen sees a receipt. A power cut before the header leaves zeros, which the loader skips. When nothing is pending the log
is deleted; when acked records take up space it is compacted one record at a time into a
new file that replaces the old one by rename (atomic on littlefs).
"""
import os
import struct
from array import array
from binascii import crc32

from benchcore.compat import as_buffer, const, file_size

_MAGIC = const(0xB7)
_HEADER = const(8)
ID_LEN = const(16)
_KIND_PROPOSAL = const(0x50)  # "P"
_KIND_ACK = const(0x41)  # "A"


class OutboxFull(Exception):
    pass


class _Index:
    """The pending proposals, oldest first: ids packed in one bytearray and record offsets in one
    array, 20 bytes per proposal however many wait (a list of [str, int] took ~120 here)."""

    def __init__(self, capacity):
        self.ids = bytearray(ID_LEN * capacity)
        self.offsets = array("I", bytes(4 * capacity))
        self.count = 0

    def _grow(self):
        self.ids.extend(bytes(ID_LEN * 16))
        self.offsets.extend(array("I", bytes(4 * 16)))

    def append(self, pid, offset):
        if self.count * ID_LEN >= len(self.ids):
            self._grow()
        at = self.count * ID_LEN
        self.ids[at:at + ID_LEN] = pid if isinstance(pid, bytes) else pid.encode()
        self.offsets[self.count] = offset
        self.count += 1

    def find(self, pid):
        key = pid.encode() if isinstance(pid, str) else pid
        ids = self.ids
        for i in range(self.count):
            at = i * ID_LEN
            if ids[at:at + ID_LEN] == key:
                return i
        return -1

    def remove(self, i):
        mv = memoryview(self.ids)
        for j in range(i, self.count - 1):  # 16 bytes at a time: no temporary copy of the index
            mv[j * ID_LEN:(j + 1) * ID_LEN] = mv[(j + 1) * ID_LEN:(j + 2) * ID_LEN]
            self.offsets[j] = self.offsets[j + 1]
        self.count -= 1

    def id_at(self, i):
        at = i * ID_LEN
        return bytes(self.ids[at:at + ID_LEN]).decode()


class Outbox:
    def __init__(self, path="outbox.log", capacity=200, max_bytes=128 * 1024, log=print):
        self.path = path
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._log = log
        self._header = bytearray(_HEADER)
        self._index = _Index(capacity)
        self.corrupt_records = 0
        self._size = 0
        self._load()

    # -- reading -------------------------------------------------------------
    def _records(self, f):
        """Yield (kind, id, offset, length) of every valid record, skipping damage."""
        header = self._header
        offset = 0
        while True:
            f.seek(offset)
            if f.readinto(header) != _HEADER:
                return
            kind = header[1]
            length = (header[2] << 8) | header[3]
            if header[0] != _MAGIC or kind not in (_KIND_PROPOSAL, _KIND_ACK) or length < ID_LEN:
                offset = self._resync(f, offset + 1)
                if offset < 0:
                    return
                continue
            body = f.read(length)
            if len(body) != length or crc32(header[1:4], crc32(body)) != struct.unpack(">I", header[4:8])[0]:
                self.corrupt_records += 1
                offset = self._resync(f, offset + 1)
                if offset < 0:
                    return
                continue
            yield kind, body[:ID_LEN].decode(), offset, length
            offset += _HEADER + length

    def _resync(self, f, offset):
        # A damaged record: look for the next magic byte and try again from there.
        f.seek(offset)
        while True:
            chunk = f.read(64)
            if not chunk:
                return -1
            i = chunk.find(bytes((_MAGIC,)))
            if i >= 0:
                return offset + i
            offset += len(chunk)

    def _load(self):
        self._index.count = 0
        size = file_size(self.path)
        if size < 0:
            self._size = 0
            return
        end = 0
        with open(self.path, "rb") as f:
            for kind, pid, offset, length in self._records(f):
                if kind == _KIND_PROPOSAL:
                    self._index.append(pid, offset)
                else:
                    self._forget(pid)
                end = offset + _HEADER + length
        self._size = size
        if end != size or self.corrupt_records:
            self._log("outbox: %d damaged record(s), %d stray byte(s) at the end; compacting"
                      % (self.corrupt_records, size - end))
            self._compact()

    def _forget(self, pid):
        i = self._index.find(pid)
        if i < 0:
            return False
        self._index.remove(i)
        return True

    def pending_ids(self):
        return [self._index.id_at(i) for i in range(self._index.count)]

    def oldest(self):
        """The id of the proposal waiting longest, or None: what the uplink sends next."""
        return self._index.id_at(0) if self._index.count else None

    def __len__(self):
        return self._index.count

    def read(self, pid):
        """The stored message of a pending proposal, as bytes (None if not pending)."""
        i = self._index.find(pid)
        if i < 0:
            return None
        with open(self.path, "rb") as f:
            f.seek(self._index.offsets[i])
            f.readinto(self._header)
            length = (self._header[2] << 8) | self._header[3]
            f.seek(self._index.offsets[i] + _HEADER + ID_LEN)
            return f.read(length - ID_LEN)

    # -- writing -------------------------------------------------------------
    def _append(self, kind, pid, pieces=()):
        """Write one record at the end of the log; returns its offset."""
        offset = self._size
        head = bytearray(_HEADER)
        with open(self.path, "r+b" if offset else "wb") as f:
            f.seek(offset)
            f.write(head)  # zeros until the payload is all there
            crc = crc32(pid)
            f.write(pid)
            for piece in pieces:
                piece = as_buffer(piece)
                f.write(piece)
                crc = crc32(piece, crc)
            length = f.tell() - offset - _HEADER  # len() of a str counts characters, not bytes
            if length > 0xFFFF:
                raise ValueError("proposal too large")  # the zero header keeps it out of the log
            head[0] = _MAGIC
            head[1] = kind
            head[2] = length >> 8
            head[3] = length & 0xFF
            struct.pack_into(">I", head, 4, crc32(head[1:4], crc))
            f.seek(offset)
            f.write(head)
        # close() above is what makes littlefs commit the record
        self._size = offset + _HEADER + length
        return offset

    def add(self, pid, payload):
        """Store a proposal durably; raises OutboxFull when the bench cannot take more.
        payload: bytes, or a list of str/bytes pieces (protocol.proposal_pieces)."""
        if len(pid) != ID_LEN:
            raise ValueError("proposal id must be %d characters" % ID_LEN)
        pieces = (payload,) if isinstance(payload, (bytes, bytearray)) else payload
        bound = _HEADER + ID_LEN  # UTF-8 takes at most 4 bytes a character
        for piece in pieces:
            bound += len(piece) * (4 if isinstance(piece, str) else 1)
        if self._index.count >= self.capacity:
            raise OutboxFull()
        if self._size + bound > self.max_bytes:
            self._compact()
            if self._size + bound > self.max_bytes:
                raise OutboxFull()
        self._index.append(pid, self._append(_KIND_PROPOSAL, pid.encode(), pieces))

    def acknowledge(self, pid):
        """The hub has committed pid: drop it. Returns False for ids not pending."""
        if not self._forget(pid):
            return False
        if not self._index.count:
            self._remove_log()
        else:
            self._append(_KIND_ACK, pid.encode())
        return True

    def _remove_log(self):
        try:
            os.remove(self.path)
        except OSError:
            pass
        self._size = 0

    def _compact(self):
        # Copy the pending records one by one into a new file: never two copies in RAM.
        if not self._index.count:
            self._remove_log()
            self.corrupt_records = 0
            return
        tmp = self.path + ".tmp"
        index = self._index
        moved = array("I", bytes(4 * index.count))  # the new offsets count only after the rename
        with open(self.path, "rb") as src, open(tmp, "wb") as dst:
            out = 0
            for i in range(index.count):
                src.seek(index.offsets[i])
                src.readinto(self._header)
                length = (self._header[2] << 8) | self._header[3]
                dst.write(self._header)
                dst.write(src.read(length))
                moved[i] = out
                out += _HEADER + length
        os.rename(tmp, self.path)
        for i in range(index.count):
            index.offsets[i] = moved[i]
        self._size = out
        self.corrupt_records = 0
