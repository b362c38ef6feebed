"""What a build reports while it runs; the CLI renders these (plain, tty or JSON lines)."""

from __future__ import annotations

from collections.abc import Callable

import msgspec


class Event(msgspec.Struct, frozen=True, tag_field="event", kw_only=True):
    step: int
    """A build-wide step number (BuildKit's `#N`)."""


class Started(Event, frozen=True, tag="started"):
    name: str
    """`[stage 2/5] RUN make`."""


class Cached(Event, frozen=True, tag="cached"):
    """The step's result came from the cache."""


class Output(Event, frozen=True, tag="output"):
    elapsed: float
    data: bytes


class Done(Event, frozen=True, tag="done"):
    elapsed: float


class Failed(Event, frozen=True, tag="failed"):
    elapsed: float
    message: str


class Note(Event, frozen=True, tag="note"):
    """A line that belongs to no step (exporting, naming, warnings)."""

    message: str


AnyEvent = Started | Cached | Output | Done | Failed | Note
Reporter = Callable[[AnyEvent], None]
