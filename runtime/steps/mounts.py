"""`RUN --mount` and heredoc scripts: from the compiler's resolved `Mount`s and `File`s to
what the sandbox mounts, as BuildKit does it.

- bind: a path of the context, a stage or an image; read-only, or with `rw` an overlay whose
  writes are thrown away after the step. Context files appear as COPY sees them
  (`.dockerignore` applied, owned by 0:0): the path is bound directly when that changes
  nothing, else a copy is.
- cache: a persistent directory of the store (see cachedirs), seeded with mode/uid/gid or
  from a `from=` source.
- tmpfs: a fresh tmpfs (`size`).
- secret: the value of a `--secret`, a read-only file in a private tmpfs (and/or an env var).
- ssh: a socket relaying to the `--ssh` agent of that id (see ssh.py); SSH_AUTH_SOCK names
  the first one, as in BuildKit.

Heredoc scripts become read-only inline files at `/dev/pipes/<name>`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import posixpath
import shutil
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import msgspec

from dfc.cache.inputs import Origin, select, walk
from dfc.cache.keys import encode, keyed_by_content
from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.runtime.fs.views import overlay_path
from dfc.runtime.sandbox import run as sandbox
from dfc.runtime.secrets import Secret, SshAgent, secret_value
from dfc.runtime.steps.cachedirs import CacheDirs

OriginOpener = Callable[[ir.Ref], contextlib.AbstractContextManager[Origin]]
"""Opens the tree a `from=` names (the context, or a mounted view of a stage or image)."""


class StepMounts(msgspec.Struct, frozen=True):
    """What a RUN adds to the sandbox: mounts, inline files, secret env vars."""

    mounts: tuple[sandbox.Mount, ...] = ()
    files: tuple[sandbox.InlineFile, ...] = ()
    env: tuple[str, ...] = ()


def copy_selection(origin: Origin, rel: str, dest: Path) -> None:
    """Copy `rel` of `origin` to `dest` as a build sees it: ignored context files left
    out, owners reset when the origin says so, modes and times kept."""
    made: list[tuple[Path, os.stat_result]] = []
    for path, st in walk(origin, rel):
        target = dest if path == rel else dest / posixpath.relpath(path, rel or ".")
        full = os.path.join(origin.root, path)
        if stat.S_ISDIR(st.st_mode):
            target.mkdir(exist_ok=True)
            made.append((target, st))
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(full), target)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(full, target)
        else:
            os.mknod(target, st.st_mode, st.st_rdev)
        owner = (0, 0) if origin.reset_owner else (st.st_uid, st.st_gid)
        os.chown(target, *owner, follow_symlinks=False)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(target, stat.S_IMODE(st.st_mode))
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    for target, st in reversed(made):
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def _differs_from_disk(origin: Origin, rel: str) -> bool:
    """Would the build's view of `rel` differ from the files on disk (an ignored entry
    below it, or an owner to reset)?"""
    if origin.ignore is None and not origin.reset_owner:
        return False
    for path, st in walk(Origin(origin.root), rel):
        if origin.excluded(path) or (origin.reset_owner and (st.st_uid or st.st_gid)):
            return True
    return False


class MountMaker:
    """Prepares the mounts of one RUN inside `scratch`, for the duration of a `with`."""

    def __init__(self, scratch: Path, origins: OriginOpener, caches: CacheDirs,
                 secrets: Sequence[Secret], ssh: Sequence[SshAgent] = ()):
        self.scratch = scratch
        self.origins = origins
        self.caches = caches
        self.secrets = secrets
        self.ssh = ssh

    @contextlib.contextmanager
    def prepared(self, step: ir.Run, digests: Sequence[str]) -> Iterator[StepMounts]:
        """The step's mounts; `digests` are the content digests of its `keyed_by_content`
        mounts, in order (they name `from=` caches)."""
        content = iter(digests)
        mounts: list[sandbox.Mount] = []
        files = [sandbox.InlineFile(f.path, f.data.encode(), f.mode) for f in step.files]
        env: list[str] = []
        with contextlib.ExitStack() as stack:
            for number, mount in enumerate(step.mounts):
                digest = next(content) if keyed_by_content(mount) else ""
                if mount.type == "bind":
                    mounts.append(self._bind(mount, self.scratch / f"mount-{number}", stack))
                elif mount.type == "cache":
                    mounts.append(self._cache(mount, digest, stack))
                elif mount.type == "tmpfs":
                    size = (f"size={mount.size}",) if mount.size else ()
                    mounts.append(sandbox.Mount(mount.target, "tmpfs", "tmpfs",
                                                ("nosuid", *size)))
                elif mount.type == "secret":
                    self._secret(mount, files, env)
                else:
                    agent = self._ssh(mount, number, stack)
                    if agent is not None:
                        mounts.append(agent)
                        if not any(e.startswith("SSH_AUTH_SOCK=") for e in env):
                            env.append(f"SSH_AUTH_SOCK={mount.target}")
            yield StepMounts(tuple(mounts), tuple(files), tuple(env))

    def _source(self, mount: ir.Mount, stack: contextlib.ExitStack) -> tuple[Origin, str]:
        """The opened origin of a bind or `from=` cache, and its source path in it."""
        assert mount.origin is not None, "the compiler gives binds an origin"
        origin = stack.enter_context(self.origins(mount.origin))
        found = select(origin, mount.source)
        if len(found) != 1:
            raise DfcError(f"mount source {mount.source!r} must name exactly one path")
        return origin, found[0].real

    def _bind(self, mount: ir.Mount, work: Path, stack: contextlib.ExitStack) -> sandbox.Mount:
        origin, rel = self._source(mount, stack)
        host = os.path.join(origin.root, rel)
        if _differs_from_disk(origin, rel) or not (mount.readonly or os.path.isdir(host)):
            copy_selection(origin, rel, work)
            return sandbox.Mount(mount.target, "bind", str(work),
                                 ("rbind", "ro") if mount.readonly else ("rbind",))
        if mount.readonly:
            return sandbox.Mount(mount.target, "bind", host, ("rbind", "ro"))
        upper, workdir = work / "upper", work / "work"
        upper.mkdir(parents=True)
        workdir.mkdir()
        options = (f"lowerdir={overlay_path(Path(host))},upperdir={overlay_path(upper)},"
                   f"workdir={overlay_path(workdir)}")
        return sandbox.Mount(mount.target, "overlay", "overlay", (options,))

    def _cache(self, mount: ir.Mount, digest: str, stack: contextlib.ExitStack
               ) -> sandbox.Mount:
        seed: Callable[[Path], None]
        if mount.origin is not None:
            origin, rel = self._source(mount, stack)
            name: dict[str, object] = {"id": mount.id, "from": digest}
            seed = functools.partial(copy_selection, origin, rel)
        else:
            mode = 0o755 if mount.mode is None else mount.mode
            uid, gid = mount.uid or 0, mount.gid or 0
            name = {"id": mount.id, "mode": mode, "uid": uid, "gid": gid}

            def seed(path: Path) -> None:
                os.chown(path, uid, gid)
                os.chmod(path, mode)

        directory = stack.enter_context(
            self.caches.use(encode(name).decode(), mount.sharing or "shared", seed))
        return sandbox.Mount(mount.target, "bind", str(directory),
                             ("rbind", "ro") if mount.readonly else ("rbind",))

    def _ssh(self, mount: ir.Mount, number: int, stack: contextlib.ExitStack
             ) -> sandbox.Mount | None:
        """The agent socket of `--ssh ID`, relayed; a missing one is skipped unless
        required (BuildKit's message)."""
        from dfc.runtime.steps.ssh import forwarded_agent

        agent = next((a for a in self.ssh if a.id == mount.id), None)
        if agent is None:
            if mount.required:
                raise DfcError(f"no SSH key {mount.id!r} forwarded from the client")
            return None
        path = stack.enter_context(forwarded_agent(
            agent.socket, self.scratch / f"ssh-{number}.sock",
            0o600 if mount.mode is None else mount.mode, mount.uid or 0, mount.gid or 0))
        return sandbox.Mount(mount.target, "bind", str(path), ("rbind",))

    def _secret(self, mount: ir.Mount, files: list[sandbox.InlineFile], env: list[str]) -> None:
        """A secret as a file and/or an env var; a missing one is skipped unless required."""
        value = secret_value(self.secrets, mount.id)
        if value is None:
            if mount.required:
                raise DfcError(f"secret {mount.id} not found: not found")
            return
        if mount.env:
            env.append(f"{mount.env}={value.decode(errors='surrogateescape')}")
        if mount.target:
            mode = 0o400 if mount.mode is None else mount.mode
            files.append(sandbox.InlineFile(mount.target, value, mode, mount.uid or 0,
                                            mount.gid or 0))
