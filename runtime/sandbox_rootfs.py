"""The on-disk side of one RUN step: overlay work dir, mount point, init layer, hosts files.

Mount points (`/proc`, `/dev`, `/sys`, `/etc/hosts`, `/etc/resolv.conf`) come from an extra
lower layer above the image (Docker's `-init` layer), so creating them never reaches the upper
dir: like BuildKit, a RUN leaves no trace of them in its layer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from dfc.runtime.sandbox_policy import hosts_file

_INIT_DIRS = ("proc", "dev", "sys", "etc")
_INIT_FILES = ("etc/hosts", "etc/resolv.conf")


class Rootfs(msgspec.Struct, frozen=True):
    """Paths of a prepared step; all but the caller's dirs live under `state`."""

    state: Path
    lowerdirs: tuple[Path, ...]
    upperdir: Path
    workdir: Path
    merged: Path
    hosts: Path
    resolv_conf: Path

    def overlay_options(self) -> str:
        """Options that keep the upper dir a plain change set a tar layer can express."""
        lower = ":".join(_escape(p) for p in self.lowerdirs)
        return (f"lowerdir={lower},upperdir={_escape(self.upperdir)},"
                f"workdir={_escape(self.workdir)},redirect_dir=off,index=off,metacopy=off")


def _escape(path: Path) -> str:
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def _copy_dir_metadata(layers: Sequence[Path], rel: str, target: Path) -> None:
    """Give an init-layer dir the image's mode, owner and mtime, since overlay shows (and
    copies up) the attributes of the topmost layer holding a directory."""
    for layer in layers:
        try:
            st = os.lstat(layer / rel)
        except FileNotFoundError:
            continue
        if not os.path.isdir(layer / rel) or os.path.islink(layer / rel):
            return
        os.chown(target, st.st_uid, st.st_gid)
        os.chmod(target, st.st_mode & 0o7777)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        return


def _host_resolv_conf() -> bytes:
    try:
        return Path("/etc/resolv.conf").read_bytes()
    except OSError:
        return b""


@contextlib.contextmanager
def prepared(lowerdirs: Sequence[Path], upperdir: Path, hostname: str) -> Iterator[Rootfs]:
    """Create the step's state dir beside `upperdir` (overlay needs the work dir on the same
    file system) and remove it afterwards, whatever happens."""
    upperdir = upperdir.resolve()
    state = Path(tempfile.mkdtemp(prefix=".dfc-sandbox-", dir=upperdir.parent))
    try:
        init = state / "init"
        for rel in _INIT_DIRS:
            (init / rel).mkdir(parents=True)
        for rel in _INIT_FILES:
            (init / rel).touch(0o644)
        layers = tuple(Path(p).resolve() for p in lowerdirs)
        for rel in _INIT_DIRS:
            _copy_dir_metadata(layers, rel, init / rel)
        (state / "work").mkdir()
        (state / "root").mkdir()
        hosts, resolv = state / "hosts", state / "resolv.conf"
        hosts.write_text(hosts_file(hostname))
        resolv.write_bytes(_host_resolv_conf())
        yield Rootfs(state=state, lowerdirs=(init, *layers), upperdir=upperdir,
                     workdir=state / "work", merged=state / "root", hosts=hosts,
                     resolv_conf=resolv)
    finally:
        shutil.rmtree(state, ignore_errors=True)
