"""Run one RUN step in an isolated container: overlayfs over the parent layers, a fresh upper
dir collecting the changes, namespaces, Docker's default capabilities, seccomp and masked paths.

Two backends behind one small protocol: `native` does it all in-process (fork + ctypes), `runc`
and `crun` drive an OCI runtime with an equivalent config.json. The same isolation tests run
on both (tests/runtime/test_sandbox_isolation.py).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal, NoReturn, Protocol

from dfc.errors import DfcError
from dfc.runtime.network.private import PrivateNetwork
from dfc.runtime.sandbox.mounts import stubs
from dfc.runtime.sandbox.native import NativeBackend
from dfc.runtime.sandbox.oci import OciBackend
from dfc.runtime.sandbox.proc import Sink, supervise
from dfc.runtime.sandbox.rootfs import Rootfs, prepared
from dfc.runtime.sandbox.spec import InlineFile, Mount, RunSpec
from dfc.runtime.sandbox.users import ExecUser, lookup

__all__ = ["BackendName", "InlineFile", "Mount", "RunSpec", "Sink", "run"]

BackendName = Literal["native", "runc", "crun"]


class Backend(Protocol):
    def start(self, spec: RunSpec, root: Rootfs, user: ExecUser,
              netns: str | None = None) -> NoReturn:
        """Runs in the forked child: set up the container and exec, never return. `netns`
        is the path of the network namespace to join; None: the host's for a `host` step,
        a new loopback-only one otherwise."""

    def abort(self, root: Rootfs) -> None:
        """Runs in dfc when the step is interrupted, before the child is killed."""


def _backend(name: BackendName) -> Backend:
    if name == "native":
        return NativeBackend()
    if name in ("runc", "crun"):
        return OciBackend(name)
    raise DfcError(f"unknown sandbox backend {name!r} (expected native, runc or crun)")


@contextlib.contextmanager
def _network(spec: RunSpec, shared: PrivateNetwork | None) -> Iterator[str | None]:
    """The path of the network namespace the step joins, ready before the step starts."""
    if spec.network != "private":
        yield None
    elif shared is not None:
        yield shared.path
    else:
        with PrivateNetwork(spec.ports) as own:
            yield own.path


def run(spec: RunSpec, lowerdirs: Sequence[Path], upperdir: Path, *, stdout: Sink,
        backend: BackendName = "native", cancel: threading.Event | None = None,
        network: PrivateNetwork | None = None) -> int:
    """Run `spec` on the layers `lowerdirs` (topmost first; empty for scratch), writing every
    change into the empty dir `upperdir`; stream stdout and stderr to `stdout` (a binary file
    or a callback) and return the exit code (128+n if killed by signal n).

    A `private` step gets a network of its own with `spec.ports` published, stopped when it
    ends, unless `network` is given: a private network to join instead (one a build shares
    between its steps, or a container's, made with its ports and kept by the caller).

    Raises DfcError when the step cannot start (unknown user, missing command, no runtime).
    `cancel` lets another thread stop the step (see sandbox.proc.interrupt).
    """
    if not spec.argv:
        raise DfcError("RUN needs a command")
    if spec.network not in ("private", "host", "none"):
        raise DfcError(f"unsupported network mode {spec.network!r} "
                       "(expected private, host or none)")
    if spec.ports and spec.network != "private":
        raise DfcError(f"published ports need a private network, not --network {spec.network}")
    if spec.ports and network is not None:
        raise DfcError("published ports need a network of the run's own, not a shared one")
    chosen = _backend(backend)
    user = lookup(spec.user, lowerdirs)
    with prepared(lowerdirs, upperdir, spec.hostname, stubs(spec),
                  spec.extra_hosts, spec.network == "private") as root, \
            _network(spec, network) as netns:
        return supervise(lambda: chosen.start(spec, root, user, netns), stdout,
                         abort=lambda: chosen.abort(root), cancel=cancel)
