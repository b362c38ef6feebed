"""A network namespace held by a file descriptor of dfc, made without a process to hold it.

A network namespace belongs to a thread, not to a process: a short-lived thread unshares
one, opens it and ends, and the open descriptor keeps the namespace alive while it is
configured and used (`path` names it to a sandbox child or an OCI runtime). Closing the
descriptor lets the kernel free it once no process is left in it: nothing to unmount, no
file under /run/netns, no holder process to reap, even when dfc is killed.
"""

from __future__ import annotations

import os
import threading

from dfc.errors import DfcError
from dfc.runtime import linux as sys_
from dfc.runtime.linux import CLONE_NEWNET


class NetworkNamespace:
    """A fresh network namespace with its loopback up, until `close`."""

    def __init__(self, fd: int):
        self.fd = fd

    @property
    def path(self) -> str:
        """A path that opens the namespace, for any process of this host while dfc lives."""
        return f"/proc/{os.getpid()}/fd/{self.fd}"

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def new_namespace() -> NetworkNamespace:
    """Unshare a network namespace in a throwaway thread (so no thread of dfc ever changes
    namespace) and bring its loopback up."""
    made: list[int] = []
    failed: list[BaseException] = []

    def unshare() -> None:
        try:
            sys_.unshare(CLONE_NEWNET)
            fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            made.append(fd)
            sys_.loopback_up()
        except BaseException as exc:  # reported in the calling thread
            failed.append(exc)

    thread = threading.Thread(target=unshare, name="dfc-netns")
    thread.start()
    thread.join()
    if failed:
        for fd in made:
            os.close(fd)
        raise DfcError(f"cannot create a network namespace: {failed[0]}")
    return NetworkNamespace(made[0])
