"""A layer read as one stream: decompression and the diff_id hash in a background thread,
tar headers parsed here with only what extraction needs.

Why not tarfile: its stream mode costs ~80 us of CPU per member (a full header decode, a
file object per member, several buffer copies), against ~25 us here. Why a thread:
zlib/isal and sha256 release the GIL on big buffers, so they run while the main thread
waits on file creation in the kernel.

Understood: ustar, GNU (long names and link names, old-style sparse files) and PAX (per-file
and global records: path, linkpath, size, uid, gid, mtime, SCHILY.xattr.*, GNU sparse 0.0,
0.1 and 1.0). Members come out as tarfile.TarInfo, the extractor's currency. A header with
a bad checksum, a layer that ends inside a member, and a decompressor's complaint are one
DfcError each: a layer is never read past damage.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import tarfile
import threading
from collections.abc import Iterator
from typing import BinaryIO

from dfc.errors import DfcError
from dfc.runtime.fs.layer import decompressed

_CHUNK = 1 << 20
_QUEUED = 8  # chunks in flight between the threads: bounds memory at ~8 MB
_BLOCK = 512
_EMPTY = bytes(_BLOCK)
_NO_DATA = frozenset((tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE,
                      tarfile.BLKTYPE, tarfile.FIFOTYPE))
_SPARSE_00 = re.compile(rb"\d+ GNU\.sparse\.(offset|numbytes)=(\d+)\n")


class _Chunks:
    """Decompressed bytes of a layer, read and hashed by a background thread."""

    def __init__(self, stream: BinaryIO) -> None:
        self.hash = hashlib.sha256()
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=_QUEUED)
        self._stop = threading.Event()
        self._last: bytes | BaseException | None = None
        self._thread = threading.Thread(target=self._pump, args=(stream,),
                                        name="dfc-unpack", daemon=True)
        self._thread.start()

    def _pump(self, stream: BinaryIO) -> None:
        try:
            plain = decompressed(stream)
            while not self._stop.is_set():
                chunk = plain.read(_CHUNK)
                if not chunk:
                    break
                self.hash.update(chunk)
                self._put(chunk)
            self._put(b"")
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def next(self) -> bytes:
        """The next chunk; b"" at the end of the stream (and on every call after it)."""
        if self._last is None:
            self._last = self._queue.get()
        item = self._last
        if isinstance(item, BaseException):
            if isinstance(item, DfcError):
                raise item
            detail = str(item) or type(item).__name__
            raise DfcError(f"layer is corrupt or truncated: {detail}") from None
        if item:
            self._last = None  # the end and an error are kept: the thread has stopped
        return item

    def drain(self) -> None:
        """Read to the end: the diff_id covers the padding after the end-of-archive."""
        while self.next():
            pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class TarStream:
    """The members of a tar read from `_Chunks`, each one's data read before the next."""

    def __init__(self, stream: BinaryIO) -> None:
        self._chunks = _Chunks(stream)
        self._buf = b""
        self._pos = 0
        self._left = 0  # stored data bytes of the current member not read yet
        self._skip = 0  # padding after them
        self._sparse: list[tuple[int, int]] | None = None  # its (offset, length) regions
        self._globals: dict[str, str] = {}

    def digest(self) -> str:
        """sha256 of everything the stream held, once it has been read to its end."""
        self._chunks.drain()
        self._chunks.close()
        return "sha256:" + self._chunks.hash.hexdigest()

    def close(self) -> None:
        self._chunks.close()

    # -- bytes -------------------------------------------------------------------------

    def _take(self, n: int) -> memoryview:
        """Up to `n` buffered bytes (fewer only at the end of the stream)."""
        if self._pos >= len(self._buf):
            self._buf = self._chunks.next()
            self._pos = 0
        view = memoryview(self._buf)[self._pos:self._pos + n]
        self._pos += len(view)
        return view

    def _read(self, n: int) -> bytes:
        """Exactly `n` bytes, or fewer only at the end of the stream."""
        first = self._take(n)
        if len(first) == n:
            return first.tobytes()
        parts = [first.tobytes()]
        got = len(first)
        while got < n:
            view = self._take(n - got)
            if not view:
                break
            parts.append(view.tobytes())
            got += len(view)
        return b"".join(parts)

    def _discard(self, n: int) -> None:
        while n > 0:
            view = self._take(n)
            if not view:
                raise DfcError("layer is truncated: it ends inside a member")
            n -= len(view)

    def _data(self, size: int) -> bytes:
        """A metadata member's whole data (long names, PAX records)."""
        data = self._read(size)
        if len(data) < size:
            raise DfcError("layer is truncated: it ends inside a header")
        self._discard(-size % _BLOCK)
        return data

    # -- members -----------------------------------------------------------------------

    def __iter__(self) -> Iterator[tarfile.TarInfo]:
        pax: dict[str, str] = {}
        long_name = long_link = None
        sparse_00: list[tuple[int, int]] = []
        while True:
            self._discard(self._left + self._skip)
            self._left = self._skip = 0
            block = self._read(_BLOCK)
            if not block or block == _EMPTY:
                return  # end of archive (or a stream cut at a member boundary, as tar reads it)
            if len(block) < _BLOCK:
                raise DfcError("layer is truncated: it ends inside a header")
            _check(block)
            kind = block[156:157]
            size = _number(block[124:136])
            if kind in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
                text = _text(self._data(size).split(b"\0", 1)[0])
                if kind == tarfile.GNUTYPE_LONGNAME:
                    long_name = text
                else:
                    long_link = text
                continue
            if kind in (tarfile.XHDTYPE, tarfile.XGLTYPE, b"X"):
                raw = self._data(size)
                records = _pax_records(raw)
                if kind == tarfile.XGLTYPE:
                    self._globals.update(records)
                else:
                    pax.update(records)
                    if "GNU.sparse.offset" in records:
                        sparse_00 = _sparse_00(raw)
                continue
            m = _member(block, size)
            if long_name is not None:
                m.name = long_name
            if long_link is not None:
                m.linkname = long_link
            headers = {**self._globals, **pax} if self._globals else pax
            if headers:
                _apply_pax(m, headers)
            stored = m.size
            self._sparse = None
            if m.type == tarfile.GNUTYPE_SPARSE:
                self._sparse, m.size = self._gnu_sparse(block)
                m.type = tarfile.REGTYPE
            elif any(k.startswith("GNU.sparse.") for k in headers):
                try:
                    self._sparse, m.size, stored = self._pax_sparse(m, headers, sparse_00)
                except ValueError:
                    raise DfcError(f"layer is not a valid tar: the sparse map of {m.name!r}"
                                   " is malformed") from None
            if m.type in _NO_DATA:
                stored = 0
            self._left, self._skip = stored, -stored % _BLOCK
            pax, long_name, long_link, sparse_00 = {}, None, None, []
            yield m

    def _gnu_sparse(self, block: bytes) -> tuple[list[tuple[int, int]], int]:
        """Old GNU sparse: four map entries in the header, more in extension blocks."""
        regions = _sparse_entries(block[386:482], 4)
        extended = block[482]
        while extended:
            ext = self._read(_BLOCK)
            if len(ext) < _BLOCK:
                raise DfcError("layer is truncated: it ends inside a sparse map")
            regions += _sparse_entries(ext[:504], 21)
            extended = ext[504]
        return regions, _number(block[483:495])

    def _pax_sparse(self, m: tarfile.TarInfo, headers: dict[str, str],
                    sparse_00: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int, int]:
        """PAX sparse files, GNU 0.0 (repeated records), 0.1 (a map record) and 1.0 (the
        map at the start of the data). Returns the map, the real size, the stored size."""
        stored = m.size
        if "GNU.sparse.name" in headers:
            m.name = headers["GNU.sparse.name"]
        real = int(headers.get("GNU.sparse.realsize", headers.get("GNU.sparse.size", "0")))
        if headers.get("GNU.sparse.major") == "1":
            numbers, used = self._sparse_10_map()
            stored -= used
            pairs = numbers[1:1 + 2 * numbers[0]]
        elif "GNU.sparse.map" in headers:
            pairs = [int(x) for x in headers["GNU.sparse.map"].split(",") if x]
        else:
            return sparse_00, real, stored
        return list(zip(pairs[::2], pairs[1::2], strict=True)), real, stored

    def _sparse_10_map(self) -> tuple[list[int], int]:
        """The decimal map of sparse 1.0 (count, then offset/size pairs, one a line),
        padded to a block; returns the numbers and the bytes it took."""
        text = b""
        while True:
            block = self._read(_BLOCK)
            if len(block) < _BLOCK:
                raise DfcError("layer is truncated: it ends inside a sparse map")
            text += block
            lines = text.split(b"\n")
            if lines[0] and len(lines) - 1 >= 1 + 2 * int(lines[0]):
                count = int(lines[0])
                return [int(x) for x in lines[:1 + 2 * count]], len(text)

    # -- data --------------------------------------------------------------------------

    def write_to(self, m: tarfile.TarInfo, fd: int) -> None:
        """Write the current member's data to `fd` (holes left as holes for sparse)."""
        if self._sparse is None:
            self._copy(fd, self._left)
            return
        for offset, length in self._sparse:
            os.lseek(fd, offset, os.SEEK_SET)
            self._copy(fd, length)
        os.ftruncate(fd, m.size)

    def _copy(self, fd: int, n: int) -> None:
        if n > self._left:
            raise DfcError("layer is corrupt: a sparse map is larger than its data")
        self._left -= n
        while n > 0:
            view = self._take(n)
            if not view:
                raise DfcError("layer is truncated: it ends inside a member")
            n -= len(view)
            while view:
                view = view[os.write(fd, view):]


def _check(block: bytes) -> None:
    """The header checksum: its bytes summed with the field itself as spaces, unsigned (or
    signed, as some old tars wrote it)."""
    stored = _number(block[148:156])
    if stored == sum(block[:148]) + 256 + sum(block[156:]):
        return
    signed = memoryview(block).cast("b")
    if stored != sum(signed[:148]) + 256 + sum(signed[156:]):
        raise DfcError("layer is not a valid tar: a header's checksum does not match")


def _number(field: bytes) -> int:
    """A numeric header field: octal text, or base-256 when the top bit is set."""
    if field[:1] in (b"\x80", b"\xff"):
        n = int.from_bytes(field[1:], "big")
        return n - (256 ** (len(field) - 1)) if field[0] == 0xFF else n
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise DfcError("layer is not a valid tar: a header field is not a number") from None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _member(block: bytes, size: int) -> tarfile.TarInfo:
    name = block[:100].split(b"\0", 1)[0]
    kind = block[156:157]
    if block[257:263] == b"ustar\0" and kind not in (b"L", b"K"):
        prefix = block[345:500].split(b"\0", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    m = tarfile.TarInfo(_text(name))
    m.mode = _number(block[100:108])
    m.uid = _number(block[108:116])
    m.gid = _number(block[116:124])
    m.size = size
    m.mtime = _number(block[136:148])
    if kind in (tarfile.AREGTYPE, tarfile.CONTTYPE):
        kind = tarfile.DIRTYPE if name.endswith(b"/") and kind == b"\0" else tarfile.REGTYPE
    m.type = kind
    m.linkname = _text(block[157:257].split(b"\0", 1)[0])
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        m.devmajor = _number(block[329:337])
        m.devminor = _number(block[337:345])
    return m


def _pax_records(raw: bytes) -> dict[str, str]:
    """`LEN key=value\\n` records; values kept as text with undecodable bytes escaped,
    so xattr values turn back into their exact bytes."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(raw) and raw[pos] != 0:
        space = raw.find(b" ", pos)
        try:
            length = int(raw[pos:space])
        except ValueError:
            raise DfcError("layer is not a valid tar: a PAX record is malformed") from None
        if space < 0 or length <= 0 or pos + length > len(raw):
            raise DfcError("layer is not a valid tar: a PAX record is malformed")
        key, eq, value = raw[space + 1:pos + length - 1].partition(b"=")
        if not eq:
            raise DfcError("layer is not a valid tar: a PAX record is malformed")
        records[_text(key)] = _text(value)
        pos += length
    return records


def _apply_pax(m: tarfile.TarInfo, headers: dict[str, str]) -> None:
    m.pax_headers = headers
    try:
        if "path" in headers:
            m.name = headers["path"]
        if "linkpath" in headers:
            m.linkname = headers["linkpath"]
        if "size" in headers:
            m.size = int(headers["size"])
        if "uid" in headers:
            m.uid = int(headers["uid"])
        if "gid" in headers:
            m.gid = int(headers["gid"])
        if "mtime" in headers:
            m.mtime = float(headers["mtime"])
    except ValueError:
        raise DfcError(f"layer is not a valid tar: a PAX number at {m.name!r}") from None


def _sparse_entries(raw: bytes, count: int) -> list[tuple[int, int]]:
    regions = []
    for i in range(count):
        offset = raw[i * 24:i * 24 + 12]
        if not offset.strip(b"\0"):
            break
        regions.append((_number(offset), _number(raw[i * 24 + 12:i * 24 + 24])))
    return regions


def _sparse_00(raw: bytes) -> list[tuple[int, int]]:
    """GNU sparse 0.0: offset/numbytes records repeated in order in one PAX header."""
    offsets: list[int] = []
    sizes: list[int] = []
    for key, value in _SPARSE_00.findall(raw):
        (offsets if key == b"offset" else sizes).append(int(value))
    return list(zip(offsets, sizes, strict=False))
