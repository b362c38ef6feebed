"""The executors of the step kinds: the layer entries a step produces."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from dfc.cache.inputs import Origin
from dfc.cache.store import Store
from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.runtime.fs.changeset import upper_entries
from dfc.runtime.fs.layer import Entry
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.fs.users import chown_ids
from dfc.runtime.sandbox.limits import DEFAULT_SHM_SIZE, Ulimit
from dfc.runtime.secrets import Secret, SshAgent
from dfc.runtime.steps.cachedirs import CacheDirs
from dfc.runtime.steps.copy import Fetch, copy_entries, existing_dir

if TYPE_CHECKING:
    from dfc.runtime.network.private import PrivateNetwork
    from dfc.runtime.steps.mounts import OriginOpener

Output = Callable[[bytes], None]
_SANDBOX_NETWORK: dict[str, Literal["private", "host", "none"]] = {
    "default": "private", "none": "none", "host": "host"}
"""`RUN --network` (or `--network`) to the sandbox's mode: the default is a private
network namespace with outbound access, as BuildKit gives each RUN."""


class RunLimits(msgspec.Struct, frozen=True):
    """`--ulimit`s and `--shm-size` of a build's RUN steps (both key each RUN, as they
    are part of BuildKit's exec op)."""

    ulimits: tuple[Ulimit, ...] = ()
    shm_size: int = DEFAULT_SHM_SIZE

    def key_inputs(self) -> tuple[str, ...]:
        """What they add to a RUN's key: nothing at their defaults."""
        shm = () if self.shm_size == DEFAULT_SHM_SIZE else (f"shm-size:{self.shm_size}",)
        return (*(f"ulimit:{u}" for u in self.ulimits), *shm)


class StepFailed(DfcError):
    """A RUN exited non-zero."""


class StepRunner:
    """Executes RUN, COPY/ADD and WORKDIR steps; the caller writes the layer."""

    def __init__(self, store: Store, backend: str, epoch: int | None,
                 secrets: tuple[Secret, ...] = (), extra_hosts: tuple[tuple[str, str], ...] = (),
                 fetch: Fetch | None = None, limits: RunLimits | None = None,
                 ssh: tuple[SshAgent, ...] = ()):
        """`fetch` brings ADD's remote sources (default: `fetch_remote`, no cache);
        `limits` are `--ulimit` and `--shm-size`; `ssh` the `--ssh` agents."""
        self.store = store
        self.ssh = ssh
        self.fetch = fetch
        self.limits = limits or RunLimits()
        self.backend = backend
        self.epoch = epoch
        self.secrets = secrets
        self.extra_hosts = extra_hosts
        self.caches = CacheDirs(store.root)
        self.cancel = threading.Event()
        """Set (by sandbox.proc.interrupt) when the build is interrupted."""
        self._network: PrivateNetwork | None = None
        self._network_lock = threading.Lock()

    def private_network(self) -> PrivateNetwork:
        """The one private network the build's RUN steps share, made by the first that
        needs it: a user-mode stack per step would more than double a RUN's cost (see
        bench/RESULTS.md), and the host's network is never the default."""
        from dfc.runtime.network.private import PrivateNetwork

        with self._network_lock:
            if self._network is None:
                self._network = PrivateNetwork()
            return self._network

    def close(self) -> None:
        """Stop the build's network, once no step runs any more."""
        with self._network_lock:
            if self._network is not None:
                self._network.close()
                self._network = None

    def entries(self, step: ir.AnyStep, lowerdirs: list[Path], origin: Origin | None,
                scratch: Path, output: Output) -> Iterator[Entry]:
        """COPY/ADD and WORKDIR (a RUN needs more: see `run`)."""
        if isinstance(step, ir.Copy):
            from dfc.runtime.fetch import fetch_remote

            return copy_entries(step, origin, RootView(lowerdirs), str(scratch),
                                fetch=self.fetch or fetch_remote, epoch=self.epoch)
        if isinstance(step, ir.Mkdir):
            return mkdir_entries(step, RootView(lowerdirs), self.epoch)
        raise DfcError(f"nothing to execute for a {type(step).__name__} step")

    def run(self, step: ir.Run, lowerdirs: list[Path], scratch: Path, output: Output,
            origins: OriginOpener, digests: tuple[str, ...] = ()) -> Iterator[Entry]:
        """Run the step in the sandbox with its mounts (`origins` opens `from=` trees,
        `digests` are its content inputs, see `MountMaker.prepared`)."""
        from dfc.runtime.sandbox import run as sandbox
        from dfc.runtime.steps.mounts import MountMaker

        upper = scratch / "upper"
        upper.mkdir()
        maker = MountMaker(scratch, origins, self.caches, self.secrets, self.ssh)
        with maker.prepared(step, digests) as extra:
            spec = sandbox.RunSpec(
                argv=step.argv, env=(*step.state.env, *step.proxy_env, *extra.env),
                cwd=step.state.workdir, user=step.state.user,
                network=_SANDBOX_NETWORK[step.network],
                mounts=extra.mounts, files=extra.files, extra_hosts=self.extra_hosts,
                shm_size=self.limits.shm_size, ulimits=self.limits.ulimits,
            )
            shared = self.private_network() if spec.network == "private" else None
            code = sandbox.run(spec, lowerdirs, upper, stdout=output,
                               # a user's --runtime: run() refuses unknown names itself
                               backend=self.backend,  # type: ignore[arg-type]
                               cancel=self.cancel, network=shared)
        if code != 0:
            raise StepFailed(f"RUN {shlex.join(step.argv)} returned a non-zero code: {code}")
        return upper_entries(str(upper))


def mkdir_entries(step: ir.Mkdir, view: RootView, epoch: int | None) -> Iterator[Entry]:
    """WORKDIR: `mkdir -p` owned by the USER in effect; existing directories stay as they
    are (and are in the layer as they are, being parents of the new ones)."""
    import time

    uid, gid = chown_ids(step.user, view) if step.user else (0, 0)
    now = epoch if epoch is not None else int(time.time())
    parts = [p for p in view.resolve(step.path.strip("/")).split("/") if p]
    made: list[Entry] = []
    for depth in range(1, len(parts) + 1):
        path = "/".join(parts[:depth])
        if view.locate(path) is not None and existing_dir(view, path) is None:
            continue  # not a directory: left as it was
        existing = existing_dir(view, path)
        made.append(existing or Entry(path=path, kind="dir", mode=step.mode, uid=uid, gid=gid,
                                      mtime=now))
        if existing is None:
            yield from made
            made = []
