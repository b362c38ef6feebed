"""The on-disk side of one RUN step: overlay work dir, mount point, init layer, hosts files.

Mount points (`/proc`, `/dev`, `/sys`, `/etc/hosts`, `/etc/resolv.conf`, and the targets of
`RUN --mount`) come from an extra lower layer above the image (Docker's `-init` layer), so
creating them never reaches the upper dir: like BuildKit, which removes its mount stubs after
the run, a RUN leaves no trace of them in its layer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from dfc.runtime.fs.rootview import RootView
from dfc.runtime.fs.views import overlay_path, short_paths
from dfc.runtime.network.dns import private_resolv_conf
from dfc.runtime.sandbox.policy import hosts_file

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
    lower_links: tuple[str, ...]
    """`lowerdirs` as short links (runtime/fs/views.py), valid while the Rootfs is."""
    hostname: Path | None = None
    """A container's /etc/hostname (a RUN step has none, as under BuildKit)."""

    def overlay_options(self) -> str:
        """Options that keep the upper dir a plain change set a tar layer can express."""
        lower = ":".join(self.lower_links)
        return (f"lowerdir={lower},upperdir={overlay_path(self.upperdir)},"
                f"workdir={overlay_path(self.workdir)},redirect_dir=off,index=off,metacopy=off")


def _mirror_dir(view: RootView, rel: str, target: Path) -> None:
    """Give an init-layer dir the image's mode, owner and mtime, since overlay shows (and
    copies up) the attributes of the topmost layer holding a directory."""
    found = view.locate(rel)
    if found is None or not stat.S_ISDIR(found[1].st_mode):
        return
    st = found[1]
    os.chown(target, st.st_uid, st.st_gid)
    os.chmod(target, st.st_mode & 0o7777)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def _add_stub(init: Path, view: RootView, target: str, mode: int) -> None:
    """The mount point `target` (resolved inside the image) in the init layer, unless the
    image has it; its parents mirror the image's directories. A parent that is not a
    directory in the image gets no stub: mounting there fails, as it does under runc."""
    rel = view.resolve(target)
    if not rel or view.locate(rel) is not None:
        return
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        sub = "/".join(parts[:depth])
        found = view.locate(sub)
        if found is not None and not stat.S_ISDIR(found[1].st_mode):
            return
        if not (init / sub).is_dir():
            (init / sub).mkdir()
            _mirror_dir(view, sub, init / sub)
    if stat.S_ISDIR(mode):
        (init / rel).mkdir(exist_ok=True)
    else:
        (init / rel).touch()
    os.chmod(init / rel, stat.S_IMODE(mode))


def _host_resolv_conf() -> bytes:
    try:
        return Path("/etc/resolv.conf").read_bytes()
    except OSError:
        return b""


def lay_out(state: Path, lowerdirs: Sequence[Path], upperdir: Path, hosts: str,
            stubs: Sequence[tuple[str, int]] = (), private_network: bool = False) -> Rootfs:
    """Create the init layer, the overlay work dir, the mount point and the hosts files in
    the empty dir `state` (on the file system of `upperdir`: overlay needs that). The
    Rootfs has no short links yet: its user makes them for the time of its mount."""
    init = state / "init"
    for rel in _INIT_DIRS:
        (init / rel).mkdir(parents=True)
    for rel in _INIT_FILES:
        (init / rel).touch(0o644)
    layers = tuple(Path(p).resolve() for p in lowerdirs)
    view = RootView(layers)
    for rel in _INIT_DIRS:
        _mirror_dir(view, rel, init / rel)
    for target, mode in stubs:
        _add_stub(init, view, target, mode)
    (state / "work").mkdir()
    (state / "root").mkdir()
    hosts_path, resolv = state / "hosts", state / "resolv.conf"
    hosts_path.write_text(hosts)
    host_resolv = _host_resolv_conf()
    resolv.write_bytes(private_resolv_conf(host_resolv) if private_network else host_resolv)
    return Rootfs(state=state, lowerdirs=(init, *layers), upperdir=upperdir.resolve(),
                  workdir=state / "work", merged=state / "root", hosts=hosts_path,
                  resolv_conf=resolv, lower_links=())


@contextlib.contextmanager
def prepared(lowerdirs: Sequence[Path], upperdir: Path, hostname: str,
             stubs: Sequence[tuple[str, int]] = (),
             extra_hosts: tuple[tuple[str, str], ...] = (),
             private_network: bool = False) -> Iterator[Rootfs]:
    """Create the step's state dir beside `upperdir` (overlay needs the work dir on the same
    file system) and remove it afterwards, whatever happens. `stubs` are (target, file
    type and mode) of the mount points of `RUN --mount`s; a `private_network` step gets the
    resolv.conf of one (see network.dns)."""
    upperdir = upperdir.resolve()
    state = Path(tempfile.mkdtemp(prefix=".dfc-sandbox-", dir=upperdir.parent))
    try:
        layout = lay_out(state, lowerdirs, upperdir, hosts_file(hostname, extra_hosts), stubs,
                         private_network)
        with short_paths(layout.lowerdirs) as links:
            yield msgspec.structs.replace(layout, lower_links=tuple(links))
    finally:
        shutil.rmtree(state, ignore_errors=True)
