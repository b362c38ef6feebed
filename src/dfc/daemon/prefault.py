"""Copy a forked process's private memory ahead of use instead of on its first write.

Why: a child of the ~50 MB daemon shares the daemon's pages copy-on-write, so its command
takes ~1,650 page faults copying them as it writes (~7 ms of a push on a VM where a fault
costs ~4 us). A spare child, waiting for its command, asks the kernel to populate every
private writable mapping for writing at once (MADV_POPULATE_WRITE, Linux 5.14): ~13,000
pages copied in ~30-40 ms, after which the command takes ~10-150 faults. The daemon's
private writable mappings are nearly all resident (their Rss is within a few % of their
size), so this copies what the daemon holds, not address space it only reserved.

The copying runs in a thread of its own at the lowest priority: on Linux a nice value is
per thread, so the copy yields to a running command on a busy machine while the thread
that becomes the next command keeps its normal priority (an unprivileged process cannot
raise its priority again once it lowered it). The mappings are read before the thread
starts, so the low-priority thread holds the GIL only for a few bytecodes per chunk.
"""

from __future__ import annotations

import ctypes
import errno
import os
import threading

_MADV_POPULATE_WRITE = 23
_CHUNK = 2 << 20
"""Bytes per madvise call: how long a stopped copy may still run (~1 ms)."""
_LOWEST_PRIORITY = 19
WARM_THREADS = 4
"""Threads started and ended once the memory is copied: the first threads of a fresh
process map and fault their stacks and their first malloc arenas, and a command commonly
starts a few (a push's or a pull's transfers, a build's stages). Ended threads leave both
cached for the command's (~2-3 ms of a present push on this VM)."""
_ARENA_TOUCH = 64 << 10
"""Bytes a warming thread allocates: under malloc's mmap threshold, so from its arena."""

_libc = ctypes.CDLL(None, use_errno=True)
_libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def private_writable_ranges() -> list[tuple[int, int]]:
    """(start, end) of this process's private writable mappings: heap, anonymous memory,
    the stack and the writable data of loaded libraries (`rw-p` in /proc/self/maps)."""
    ranges = []
    with open("/proc/self/maps", "rb") as maps:
        for line in maps:
            fields = line.split(maxsplit=2)
            if len(fields) >= 2 and fields[1] == b"rw-p":
                start, _, end = fields[0].partition(b"-")
                ranges.append((int(start, 16), int(end, 16)))
    return ranges


class Prefault:
    """Populates `ranges` for writing in a low-priority background thread until done or
    stopped. `populated` counts the bytes done (for the curious; never waited on)."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.ranges = ranges
        self.populated = 0
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="dfc-prefault", daemon=True)

    @classmethod
    def of_this_process(cls) -> Prefault:
        return cls(private_writable_ranges())

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop after the chunk in progress. Not waited for: the low-priority thread may
        wait long for a CPU on a busy machine, and the command must not wait with it."""
        self.stopped = True

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _LOWEST_PRIORITY)
        except OSError:
            pass  # copy at normal priority then
        for start, end in self.ranges:
            for at in range(start, end, _CHUNK):
                if self.stopped:
                    return
                size = min(_CHUNK, end - at)
                if _libc.madvise(at, size, _MADV_POPULATE_WRITE) == 0:
                    self.populated += size
                    continue
                if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS):
                    return  # a kernel before 5.14: the command copies on its writes
                break  # the mapping went or shrank since it was read: on to the next
        if not self.stopped:
            warm_threads(WARM_THREADS)


def warm_threads(count: int) -> None:
    """Start `count` threads that each allocate from a malloc arena, and wait for them."""
    threads = [threading.Thread(target=bytearray, args=(_ARENA_TOUCH,), daemon=True)
               for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
