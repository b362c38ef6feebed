"""What a pull or push reports, and how its transfers run side by side.

What it reports, in Docker's words: one line per layer that changes state
(`a3ed95caeb02: Pull complete`), byte counts while it moves, and plain messages."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import msgspec

from dfc.runtime.waiting import wait_for_all

T = TypeVar("T")


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
    """Run `work(item, stop)` for every item, `workers` at a time. The first failure sets
    `stop` (work checks it between chunks and raises Cancelled) and is raised once all
    have ended, so no transfer outlives the command."""
    stop = threading.Event()

    def one(item: T) -> None:
        try:
            work(item, stop)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, item) for item in items]
        try:
            wait_for_all(futures)
        except BaseException:  # Ctrl-C: the transfers stop at their next chunk
            stop.set()
            raise
        errors = [e for f in futures if (e := f.exception()) is not None]
    if errors:
        raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
