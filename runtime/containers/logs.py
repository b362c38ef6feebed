"""Container output in Docker's json-file format: one JSON object per line,
`{"log":"text\\n","stream":"stdout","time":"...Z"}`, as `docker logs` reads it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import msgspec

from dfc.runtime.containers.state import now_rfc3339

_MAX_PARTIAL = 16 * 1024
"""A line longer than this is written in pieces (Docker cuts at 16 KiB too)."""


def _go_json(entry: dict[str, str]) -> bytes:
    """Go's encoding/json form: compact, `<`, `>` and `&` escaped, bad UTF-8 replaced."""
    text = json.dumps(entry, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode() + b"\n"


class LogWriter:
    """Appends a container's output line by line; a partial line waits for its end (or
    for `flush`, when the stream closes)."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        self._partial: dict[str, bytes] = {}

    def write(self, stream: str, data: bytes) -> None:
        pending = self._partial.pop(stream, b"") + data
        lines = pending.split(b"\n")
        rest = lines.pop()
        out = [self._entry(stream, line + b"\n") for line in lines]
        while len(rest) > _MAX_PARTIAL:
            out.append(self._entry(stream, rest[:_MAX_PARTIAL]))
            rest = rest[_MAX_PARTIAL:]
        if rest:
            self._partial[stream] = rest
        if out:
            os.write(self._fd, b"".join(out))

    def flush(self) -> None:
        out = [self._entry(stream, rest) for stream, rest in self._partial.items()]
        self._partial.clear()
        if out:
            os.write(self._fd, b"".join(out))

    def close(self) -> None:
        self.flush()
        os.close(self._fd)

    @staticmethod
    def _entry(stream: str, data: bytes) -> bytes:
        return _go_json({"log": data.decode(errors="replace"), "stream": stream,
                         "time": now_rfc3339()})


class LogEntry(msgspec.Struct):
    log: str
    stream: str
    time: str


_decoder = msgspec.json.Decoder(LogEntry)


def read_entries(path: Path, offset: int = 0) -> tuple[list[LogEntry], int]:
    """The complete entries from byte `offset` on, and the offset after the last one."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return [], offset
    end = data.rfind(b"\n") + 1
    entries = [_decoder.decode(line) for line in data[:end].splitlines() if line]
    return entries, offset + end


def entries(path: Path) -> Iterator[LogEntry]:
    yield from read_entries(path)[0]
