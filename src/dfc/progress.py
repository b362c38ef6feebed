"""Build progress for people and programs: plain lines (BuildKit's `--progress=plain`
shape), a live rich view on a terminal, or one JSON event per line."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, TextIO

import msgspec

from dfc.runtime import events

if TYPE_CHECKING:  # rich loads only for the tty display
    from rich.text import Text


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
    """One JSON object per event (bytes of output as text), for tools."""

    def __init__(self, stream: TextIO = sys.stdout):
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


class TtyReporter:
    """A live view: one line per step with its state and time, output of running steps
    shown beneath it (rich)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(stderr=True)
        self.steps: dict[int, list[str]] = {}
        self.lock = threading.Lock()
        self.live = Live(console=self.console, refresh_per_second=8, transient=False)
        self.live.start()

    def __call__(self, event: events.AnyEvent) -> None:
        from rich.markup import escape

        with self.lock:
            n = event.step
            if isinstance(event, events.Started):
                self.steps[n] = [event.name, "…", ""]
            elif isinstance(event, events.Cached):
                self.steps[n][1] = "[cyan]CACHED[/]"
            elif isinstance(event, events.Done):
                self.steps[n][1] = f"[green]DONE {event.elapsed:.1f}s[/]"
                self.steps[n][2] = ""
            elif isinstance(event, events.Failed):
                self.steps[n][1] = f"[red]ERROR[/] {escape(event.message)}"
            elif isinstance(event, events.Output) and n in self.steps:
                last = event.data.decode("utf-8", "replace").rstrip("\n").split("\n")[-1]
                self.steps[n][2] = last[:120]
            else:
                self.console.print(getattr(event, "message", ""))
            self.live.update(self.render())

    def render(self) -> Text:
        from rich.markup import escape
        from rich.text import Text

        lines = []
        for n, (name, state, tail) in sorted(self.steps.items()):
            lines.append(f"#{n} {escape(name)}  {state}")
            if tail and state == "…":
                lines.append(f"   [dim]{escape(tail)}[/]")
        return Text.from_markup("\n".join(lines))

    def close(self) -> None:
        self.live.stop()


def reporter(mode: str, quiet: bool) -> events.Reporter:
    """The reporter for `--progress` (auto: tty when stderr is a terminal, else plain)."""
    if mode == "json":
        return JsonReporter()
    if mode == "tty" or (mode == "auto" and sys.stderr.isatty() and not quiet):
        return TtyReporter()
    return PlainReporter(quiet=quiet)
