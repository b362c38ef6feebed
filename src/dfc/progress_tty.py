"""BuildKit's terminal display for `dfc build` on a tty: a `[+] Building 1.2s (3/5)` header,
one line per step with its time at the right edge, the last lines of output under each
running step, and, when the build ends, the failing steps' last output lines boxed between
`------` rules (the compiler error a user needs is there, not only "exit code 3")."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

import msgspec

from dfc.runtime import events

RUNNING_LINES = 6
"""Output lines shown under a running step, as BuildKit's display does."""
ERROR_LINES = 10
"""Output lines of a failed step kept for the box printed after the display."""
REFRESH = 0.15  # seconds between redraws while nothing happens (the clock still moves)

_BLUE, _RED, _FAINT, _RESET = "\x1b[34m", "\x1b[31m", "\x1b[2m", "\x1b[0m"
_UP, _CLEAR = "\x1b[{}A", "\x1b[2K"


class _Step(msgspec.Struct):
    name: str
    started: float
    ended: float | None = None
    state: str = "running"  # running, done, cached, error
    partial: str = ""
    notes: list[str] = msgspec.field(default_factory=list)  # `cache miss: ...`
    lines: deque[str] = msgspec.field(default_factory=lambda: deque(maxlen=ERROR_LINES))


def _terminal_size(stream: TextIO) -> os.terminal_size:
    try:
        return os.get_terminal_size(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size()


def align(left: str, right: str, width: int) -> str:
    """`left` cut to fit, then `right` at the line's right edge (BuildKit's layout)."""
    room = max(width - len(right) - 1, 0)
    if len(left) > room:
        left = left[:room]
    return left.ljust(room) + " " + right


class TtyReporter:
    """The live display. Draws on stderr from a ticker thread and on every event; `close`
    draws the last frame (`FINISHED`) and the error boxes."""

    def __init__(self, stream: TextIO = sys.stderr, size: tuple[int, int] | None = None,
                 clock: Callable[[], float] = time.monotonic, live: bool = True,
                 color: bool | None = None) -> None:
        self.stream = stream
        self.fixed_size = size  # (columns, lines); the terminal's when None
        self.clock = clock
        self.color = (not os.environ.get("NO_COLOR")) if color is None else color
        self.start = clock()
        self.rows: list[int | str] = []  # step numbers, and notes (lines of no step)
        self.steps: dict[int, _Step] = {}
        self.drawn = 0
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.ticker: threading.Thread | None = None
        if live:
            self.ticker = threading.Thread(target=self._tick, daemon=True, name="tty-progress")
            self.ticker.start()

    def _tick(self) -> None:
        while not self.closed.wait(REFRESH):
            with self.lock:
                self._draw(final=False)

    def __call__(self, event: events.AnyEvent) -> None:
        with self.lock:
            self._record(event)
            self._draw(final=False)

    def _record(self, event: events.AnyEvent) -> None:
        now = self.clock()
        n = event.step
        if isinstance(event, events.Note):
            if n in self.steps:  # a status of a step: shown under it, as BuildKit's
                self.steps[n].notes.append(event.message)
            else:
                self.rows.append(event.message)
            return
        step = self.steps.get(n)
        if isinstance(event, events.Started) or step is None:
            name = event.name if isinstance(event, events.Started) else f"step {n}"
            step = self.steps[n] = _Step(name, now)
            self.rows.append(n)
        if isinstance(event, events.Output):
            text = step.partial + event.data.decode("utf-8", "replace")
            *complete, step.partial = text.split("\n")
            step.lines.extend(f"{event.elapsed:.3f} {line.rstrip(chr(13))}"
                              for line in complete)
        elif isinstance(event, events.Cached):
            step.state, step.ended = "cached", now
        elif isinstance(event, events.Done):
            step.state, step.ended = "done", now
        elif isinstance(event, events.Failed):
            if step.partial:
                step.lines.append(f"{event.elapsed:.3f} {step.partial}")
                step.partial = ""
            step.state, step.ended = "error", now

    def frame(self, final: bool) -> list[str]:
        """The display's lines now: header, steps (with output tails), notes."""
        width, height = self.fixed_size or _terminal_size(self.stream)
        now = self.clock()
        finished = sum(1 for s in self.steps.values() if s.state != "running")
        header = f"[+] Building {now - self.start:.1f}s ({finished}/{len(self.steps)})"
        lines = [header + (" FINISHED" if final else "")]
        for row in self.rows:
            if isinstance(row, str):
                lines.append(self._paint(align(f" => {row}", "0.0s", width), _BLUE))
                continue
            step = self.steps[row]
            elapsed = (step.ended if step.ended is not None else now) - step.started
            prefix = {"cached": "CACHED ", "error": "ERROR "}.get(step.state, "")
            text = align(f" => {prefix}{step.name}", f"{elapsed:.1f}s", width)
            color = {"done": _BLUE, "cached": _BLUE, "error": _RED}.get(step.state, "")
            lines.append(self._paint(text, color))
            lines += [self._paint(f" => => {note}"[:width], color) for note in step.notes]
            if step.state == "running" and not final:
                tail = list(step.lines)[-RUNNING_LINES:]
                lines += [self._paint(f" => => # {line.split(' ', 1)[-1]}"[:width], _FAINT)
                          for line in tail]
        if not final and len(lines) > height - 1:
            # the cursor cannot go back above the screen: show the newest lines only
            lines = [lines[0], *lines[len(lines) - (height - 2):]] if height > 2 else lines[:1]
        return lines

    def _paint(self, text: str, color: str) -> str:
        return f"{color}{text}{_RESET}" if color and self.color else text

    def _draw(self, final: bool) -> None:
        lines = self.frame(final)
        out = [_UP.format(self.drawn)] if self.drawn else []
        out += [f"\r{_CLEAR}{line}\n" for line in lines]
        for _ in range(self.drawn - len(lines)):  # the frame shrank: clear what is left
            out.append(f"{_CLEAR}\n")
        extra = max(self.drawn - len(lines), 0)
        if extra:
            out.append(_UP.format(extra))
        self.stream.write("".join(out))
        self.stream.flush()
        self.drawn = len(lines)

    def error_boxes(self) -> list[str]:
        """BuildKit's box after the display: each failed step's last output lines."""
        out = []
        for n in self.rows:
            if isinstance(n, int) and self.steps[n].state == "error" and self.steps[n].lines:
                out += ["------", f" > {self.steps[n].name}:", *self.steps[n].lines, "------"]
        return out

    def close(self) -> None:
        self.closed.set()
        if self.ticker is not None:
            self.ticker.join()
        with self.lock:
            self._draw(final=True)
            boxes = self.error_boxes()
            if boxes:
                self.stream.write("".join(line + "\n" for line in boxes))
                self.stream.flush()
