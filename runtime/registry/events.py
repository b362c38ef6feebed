"""What a pull or push reports, and how its transfers run side by side.

What it reports, in Docker's words: one line per layer that changes state
(`a3ed95caeb02: Pull complete`), byte counts while it moves, and plain messages."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

import msgspec

from dfc.runtime.waiting import join_all

T = TypeVar("T")
_NONE = object()
"""The end of `in_parallel`'s items."""


class Message(msgspec.Struct, frozen=True, tag="message"):
    """A line of its own: `latest: Pulling from library/busybox`, `Digest: sha256:…`."""

    text: str


class Transfer(msgspec.Struct, frozen=True, tag="transfer"):
    """A layer's state; `current`/`total` in bytes while it is `Downloading`/`Pushing`."""

    id: str
    status: str
    current: int = 0
    total: int = 0


TransferEvent = Message | Transfer
Reporter = Callable[[TransferEvent], None]


def short_id(digest: str) -> str:
    """The 12 hex digits Docker shows for a layer."""
    return digest.removeprefix("sha256:")[:12]


def quiet(event: TransferEvent) -> None:
    """A reporter that drops everything (`-q`)."""


class Cancelled(Exception):
    """Another transfer of the same batch failed: this one stops."""


def in_parallel(items: Sequence[T], work: Callable[[T, threading.Event], None],
                workers: int) -> None:
    """Run `work(item, stop)` for every item, `workers` at a time: the calling thread is
    one of them (a fresh process's thread costs ~1-2 ms to start, as much as a transfer
    that finds its blob there; one item starts none). The first failure sets `stop` (work
    checks it between chunks and raises Cancelled) and is raised once all have ended, so
    no transfer outlives the command."""
    stop = threading.Event()
    pending = iter(items)
    taking = threading.Lock()
    errors: list[BaseException] = []

    def drain() -> None:
        while True:
            with taking:
                item = next(pending, _NONE)
            if item is _NONE:
                return
            try:
                work(item, stop)  # type: ignore[arg-type]  # (not _NONE here)
            except BaseException as exc:  # Ctrl-C in the calling thread too
                errors.append(exc)
                stop.set()

    helpers = [threading.Thread(target=drain, daemon=True, name="dfc-transfer")
               for _ in range(min(workers, len(items)) - 1)]
    for helper in helpers:
        helper.start()
    try:
        drain()
        join_all(helpers)
    except BaseException:  # Ctrl-C while waiting: the transfers stop at their next chunk
        stop.set()
        join_all(helpers)
        raise
    if errors:
        raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
