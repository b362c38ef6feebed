"""Transfers in parallel: every item once, `workers` at a time with the calling thread one
of them, the first real failure raised after all have stopped."""

from __future__ import annotations

import threading
import time

import pytest

from dfc.runtime.registry.events import Cancelled, in_parallel


def test_every_item_runs_once_at_most_workers_at_a_time() -> None:
    done: list[int] = []
    running, most = [0], [0]
    lock = threading.Lock()

    def work(item: int, _stop: threading.Event) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1
            done.append(item)

    in_parallel(list(range(20)), work, 3)
    assert sorted(done) == list(range(20))
    assert most[0] == 3


def test_one_item_runs_in_the_calling_thread() -> None:
    threads: list[threading.Thread] = []
    in_parallel(["only"], lambda _item, _stop: threads.append(threading.current_thread()), 4)
    assert threads == [threading.current_thread()]


def test_the_first_failure_stops_the_rest_and_is_raised() -> None:
    started: list[str] = []

    def work(item: str, stop: threading.Event) -> None:
        started.append(item)
        if item == "bad":
            raise RuntimeError("blob unknown to registry")
        for _ in range(500):  # a long transfer, checking between chunks
            if stop.is_set():
                raise Cancelled
            time.sleep(0.01)

    begun = time.monotonic()
    with pytest.raises(RuntimeError, match="blob unknown to registry"):
        in_parallel(["long", "bad", "never"], work, 2)
    assert time.monotonic() - begun < 4  # the long one stopped at its next chunk


def test_ctrl_c_in_the_calling_thread_stops_the_helpers() -> None:
    helpers_stopped = threading.Event()

    def work(item: str, stop: threading.Event) -> None:
        if threading.current_thread() is threading.main_thread():
            raise KeyboardInterrupt
        while not stop.wait(0.01):
            pass
        helpers_stopped.set()
        raise Cancelled

    with pytest.raises(KeyboardInterrupt):
        in_parallel(["a", "b"], work, 2)
    assert helpers_stopped.is_set()  # ended before in_parallel returned
