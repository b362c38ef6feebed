"""When a registry request is worth sending again, and how long to wait first.

Docker tries each layer up to five times; dfc does the same for manifest and blob reads,
blob uploads (each attempt a new session) and manifest PUTs:
a dropped or refused connection, a 5xx, or a 429 (whose `Retry-After` is honoured) is
retried after a wait that doubles (1, 2, 4, 8 s by default; docker waits 5, 10, 15, 20 s,
see docs/differences.md). `DFC_REGISTRY_RETRY_DELAY` sets the first wait (tests use a
few milliseconds). Anything else (404, 401, a digest mismatch) fails at once.
"""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import msgspec

from dfc.runtime.registry.errors import RegistryError

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 5
MAX_WAIT = 60.0


class TransientError(RegistryError):
    """A failure another attempt may not meet: connection trouble, 5xx, 429."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RetryPolicy(msgspec.Struct, frozen=True):
    attempts: int = ATTEMPTS
    first_wait: float = 1.0

    def waits(self) -> Iterator[float]:
        """The wait before each attempt after the first."""
        wait = self.first_wait
        for _ in range(self.attempts - 1):
            yield wait
            wait *= 2


def policy() -> RetryPolicy:
    text = os.environ.get("DFC_REGISTRY_RETRY_DELAY")
    if not text:
        return RetryPolicy()
    try:
        first = float(text)
    except ValueError:
        raise RegistryError(f"DFC_REGISTRY_RETRY_DELAY={text!r} is not a number of seconds"
                            ) from None
    return RetryPolicy(first_wait=max(first, 0.0))


def retry_after(value: str | None) -> float | None:
    """`Retry-After: 3` or an HTTP date, in seconds from now (capped at a minute).

    >>> retry_after("3"), retry_after(None), retry_after("soon")
    (3.0, None, None)
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(when.timestamp() - time.time(), 0.0), MAX_WAIT)


def with_retries(attempt: Callable[[], T], between: Callable[[], None] = lambda: None) -> T:
    """`attempt()` again while it raises TransientError, within the policy; `between`
    runs after each wait (a cancelled pull stops there). The last failure is raised as
    one RegistryError that says how many attempts were made."""
    rules = policy()
    waits = rules.waits()
    while True:
        try:
            return attempt()
        except TransientError as error:
            wait = next(waits, None)
            if wait is None:
                raise RegistryError(f"{error.message} (gave up after {rules.attempts} "
                                    "attempts)") from None
            time.sleep(error.retry_after if error.retry_after is not None else wait)
            between()
