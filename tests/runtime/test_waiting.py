"""The main thread's waits on workers still hear a signal that a worker thread took."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import FrameType

import pytest

from dfc.runtime.waiting import join_all, result_of, wait_for_all


class Interrupted(Exception):
    pass


@pytest.fixture
def interrupting_handler() -> Iterator[None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise Interrupted

    old = signal.signal(signal.SIGUSR1, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGUSR1, old)


def _signal_own_thread_then_wait(release: threading.Event) -> str:
    """A step in a worker: the process's signal lands on this thread, as the kernel may
    deliver a process-directed SIGINT to any thread. (It waits first, so that the main
    thread is waiting by then.)"""
    time.sleep(0.3)
    signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
    release.wait(10)
    return "finished"


@pytest.mark.parametrize("waiter", [result_of, lambda f: wait_for_all([f])])
def test_a_signal_taken_by_a_worker_interrupts_the_main_threads_wait(
        interrupting_handler: None, waiter) -> None:  # type: ignore[no-untyped-def]
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_signal_own_thread_then_wait, release)
        started = time.monotonic()
        try:
            with pytest.raises(Interrupted):
                waiter(future)
        finally:
            release.set()
        assert time.monotonic() - started < 2  # not the 10 s the worker would keep it
    assert future.result() == "finished"


def test_the_result_or_error_of_the_work_is_returned_as_is() -> None:
    def fails() -> None:
        raise TimeoutError("the work's own timeout")  # not confused with a wait's slice

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert result_of(pool.submit(lambda: 42)) == 42
        with pytest.raises(TimeoutError, match="the work's own timeout"):
            result_of(pool.submit(fails))


def test_joining_threads_hears_a_signal_a_worker_took(interrupting_handler: None) -> None:
    release = threading.Event()
    worker = threading.Thread(target=_signal_own_thread_then_wait, args=(release,))
    worker.start()
    started = time.monotonic()
    try:
        with pytest.raises(Interrupted):
            join_all([worker])
    finally:
        release.set()
        worker.join()
    assert time.monotonic() - started < 2
