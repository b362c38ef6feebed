"""Build progress for people and programs: plain lines (BuildKit's `--progress=plain`
shape), BuildKit's live view on a terminal (progress_tty), one JSON event per line, or
BuildKit's solve-status stream (progress_rawjson); always on stderr."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

import msgspec

from dfc.runtime import events


class PlainReporter:
    """`#N [stage i/n] STEP`, its output lines with elapsed seconds, then CACHED or DONE."""

    def __init__(self, stream: TextIO = sys.stderr, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.lock = threading.Lock()
        self.partial: dict[int, str] = {}

    def __call__(self, event: events.AnyEvent) -> None:
        if self.quiet and not isinstance(event, events.Failed):
            return
        with self.lock:
            for line in self.lines(event):
                self.stream.write(line + "\n")
            self.stream.flush()

    def lines(self, event: events.AnyEvent) -> list[str]:
        n = event.step
        if isinstance(event, events.Started):
            return [f"#{n} {event.name}"]
        if isinstance(event, events.Cached):
            return [f"#{n} CACHED", ""]
        if isinstance(event, events.Output):
            text = self.partial.pop(n, "") + event.data.decode("utf-8", "replace")
            *complete, rest = text.split("\n")
            if rest:
                self.partial[n] = rest
            return [f"#{n} {event.elapsed:.3f} {line}" for line in complete]
        if isinstance(event, events.Done):
            tail = self.partial.pop(n, "")
            return ([f"#{n} {event.elapsed:.3f} {tail}"] if tail else []) + [
                f"#{n} DONE {event.elapsed:.1f}s", ""]
        if isinstance(event, events.Failed):
            return [f"#{n} ERROR: {event.message}", ""]
        return [f"#{n} {event.message}" if n else event.message]


class JsonReporter:
    """One JSON object per event (bytes of output as text), for tools; on stderr, so that
    `-o -` keeps stdout to itself."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.lock = threading.Lock()
        self.encoder = msgspec.json.Encoder()

    def __call__(self, event: events.AnyEvent) -> None:
        data = msgspec.to_builtins(event)
        if isinstance(event, events.Output):
            data["data"] = event.data.decode("utf-8", "replace")
        with self.lock:
            self.stream.write(self.encoder.encode(data).decode() + "\n")
            self.stream.flush()


def reporter(mode: str, quiet: bool) -> events.Reporter:
    """The reporter for `--progress` (auto: tty when stderr is a terminal, else plain);
    `quiet` (or -q) shows only a failure."""
    if mode == "json":
        return JsonReporter()
    if mode == "rawjson":
        from dfc.progress_rawjson import RawJsonReporter

        return RawJsonReporter()
    if mode == "tty" or (mode == "auto" and sys.stderr.isatty() and not quiet):
        from dfc.progress_tty import TtyReporter

        return TtyReporter()
    return PlainReporter(quiet=quiet or mode == "quiet")
