"""The daemon's warm-up conversation: HTTPS refused, then HTTP, all on a listener of its
own, and nothing of it left behind (the daemon forks only while single-threaded)."""

from __future__ import annotations

import os
import threading

from dfc.runtime.registry.rehearsal import rehearse


def test_the_rehearsal_talks_to_itself_and_leaves_nothing_behind() -> None:
    threads = threading.active_count()
    descriptors = len(os.listdir("/proc/self/fd"))
    # A TLS hello (refused as a plain-HTTP registry refuses it), GET /v2/, HEAD of a blob.
    assert rehearse() == 3
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) == descriptors
