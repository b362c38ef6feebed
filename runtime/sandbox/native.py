"""The in-process backend: fork, unshare, mount, pivot_root, confine, exec, from Python.

Two processes, because a new pid namespace only applies to the children of the process that
unshares it: the forked child unshares the namespaces and waits; its child is pid 1 of the
container, builds the root, confines itself and execs the command. When pid 1 exits the kernel
kills everything left in the pid namespace, and the private mount namespace, with the overlay
in it, disappears with its last process: no mount is ever visible on the host.
"""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import termios
from collections.abc import Callable
from typing import NoReturn

from dfc.runtime import linux as sys_
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.linux import CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS
from dfc.runtime.sandbox import seccomp
from dfc.runtime.sandbox.console import ConsoleSocket, open_console
from dfc.runtime.sandbox.limits import DEFAULT_SHM_SIZE
from dfc.runtime.sandbox.mounts import file_mounts, ordered
from dfc.runtime.sandbox.policy import (
    CAP_MASK,
    DEV_SYMLINKS,
    DEVICES,
    MASKED_PATHS,
    READONLY_PATHS,
    capability_names,
)
from dfc.runtime.sandbox.proc import exit_code
from dfc.runtime.sandbox.rootfs import Rootfs
from dfc.runtime.sandbox.spec import Mount, RunSpec
from dfc.runtime.sandbox.users import ExecUser

_HARDENED = sys_.MS_NOSUID | sys_.MS_NODEV | sys_.MS_NOEXEC


class ExecFailed(OSError):
    """The command itself could not be executed (not found, not executable): Docker
    answers 127 or 126 for these, 125 for any other setup failure."""


def _mount_dev(dev: str, shm_size: int = DEFAULT_SHM_SIZE) -> None:
    """A tmpfs /dev mounted nodev, with only host device nodes bind-mounted in: a node made
    with `mknod` anywhere in the container (all nodev) cannot be opened, so no host disk can
    be read even with CAP_MKNOD, which Docker grants (it relies on the devices cgroup)."""
    sys_.mount("tmpfs", dev, "tmpfs", sys_.MS_NOSUID | sys_.MS_NODEV | sys_.MS_STRICTATIME,
               "mode=755,size=65536k")
    for device in DEVICES:
        node = f"{dev}/{device.name}"
        os.close(os.open(node, os.O_CREAT | os.O_WRONLY, 0o666))
        sys_.mount(f"/dev/{device.name}", node, None, sys_.MS_BIND)
    for name, target in DEV_SYMLINKS:
        os.symlink(target, f"{dev}/{name}")
    for name in ("pts", "shm", "mqueue"):
        os.mkdir(f"{dev}/{name}", 0o755)
    sys_.mount("devpts", f"{dev}/pts", "devpts", sys_.MS_NOSUID | sys_.MS_NOEXEC,
               "newinstance,ptmxmode=0666,mode=0620,gid=5")
    sys_.mount("shm", f"{dev}/shm", "tmpfs", _HARDENED, f"mode=1777,size={shm_size}")
    sys_.mount("mqueue", f"{dev}/mqueue", "mqueue", _HARDENED)


def _bind_readonly(source: str, target: str) -> None:
    sys_.mount(source, target, None, sys_.MS_BIND | sys_.MS_REC)
    sys_.mount(None, target, None,
               sys_.MS_BIND | sys_.MS_REMOUNT | sys_.MS_RDONLY | _HARDENED)


def _mask(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        sys_.mount("tmpfs", path, "tmpfs", sys_.MS_RDONLY | _HARDENED, "size=0")
    else:
        sys_.mount("/dev/null", path, None, sys_.MS_BIND)


_OPTION_FLAGS = {"ro": sys_.MS_RDONLY, "nosuid": sys_.MS_NOSUID, "nodev": sys_.MS_NODEV,
                 "noexec": sys_.MS_NOEXEC}


def _mount_point(mount: Mount, top: str) -> str:
    """The host path of `mount`'s target, symlinks resolved inside the new root (never on
    the host); created when missing (only inside another mount, or under /dev: the init
    layer holds every other one)."""
    target = os.path.join(top, RootView([top]).resolve(mount.destination))
    if not os.path.lexists(target):
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        if mount.is_dir():
            os.mkdir(target, 0o755)
        else:
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    return target


def _apply(mount: Mount, top: str) -> None:
    """One extra mount, its OCI options turned into mount(2) flags and data."""
    target = _mount_point(mount, top)
    flags = 0
    for option in mount.options:
        flags |= _OPTION_FLAGS.get(option, 0)
    data = [o for o in mount.options if o not in _OPTION_FLAGS and o != "rbind"]
    if mount.type == "tmpfs" and not any(o.startswith("mode=") for o in data):
        data.append(f"mode={stat.S_IMODE(os.stat(target).st_mode):o}")  # as runc does
    if mount.type == "bind":
        sys_.mount(mount.source, target, None, sys_.MS_BIND | sys_.MS_REC)
        if flags:
            sys_.mount(None, target, None, sys_.MS_BIND | sys_.MS_REMOUNT | flags)
    else:
        sys_.mount(mount.source, target, mount.type, flags, ",".join(data) or None)


def _build_root(root: Rootfs, spec: RunSpec) -> None:
    """Mount the container's file systems under the merged dir and pivot into it."""
    top = str(root.merged)
    read_only = sys_.MS_RDONLY if spec.read_only else 0
    sys_.mount("overlay", top, "overlay", sys_.MS_NODEV | read_only, root.overlay_options())
    sys_.mount("proc", f"{top}/proc", "proc", _HARDENED)
    _mount_dev(f"{top}/dev", spec.shm_size)
    sys_.mount("sysfs", f"{top}/sys", "sysfs", sys_.MS_RDONLY | _HARDENED)
    _bind_readonly(str(root.hosts), f"{top}/etc/hosts")
    _bind_readonly(str(root.resolv_conf), f"{top}/etc/resolv.conf")
    if root.hostname is not None:
        _bind_readonly(str(root.hostname), f"{top}/etc/hostname")
    files = file_mounts(spec.files, str(root.state / "files"))
    for mount in ordered([*spec.mounts, *files]):
        _apply(mount, top)
    for path in MASKED_PATHS:
        if os.path.lexists(top + path):
            _mask(top + path)
    for path in READONLY_PATHS:
        if os.path.lexists(top + path):
            _bind_readonly(top + path, top + path)
    os.chdir(top)
    sys_.pivot_root(".", ".")
    sys_.umount(".")
    os.chdir("/")


def _environment(spec: RunSpec, user: ExecUser) -> dict[str, str]:
    env = dict(item.partition("=")[::2] for item in spec.env)
    env.setdefault("HOME", user.home)
    return env


def _exec(spec: RunSpec, user: ExecUser, syscall_filter: seccomp.LoadableFilter) -> NoReturn:
    """Last steps as root, then Docker's confinement, then the command."""
    os.makedirs(spec.cwd, 0o755, exist_ok=True)
    os.chdir(spec.cwd)
    for limit in spec.ulimits:  # while CAP_SYS_RESOURCE may still raise a hard limit
        limit.apply()
    sys_.drop_bounding_set(spec.capabilities)
    # The user changes while this process still has every capability (a set without
    # CAP_SETUID could not change it afterwards); leaving uid 0 clears them all, as
    # Docker's non-root users have none.
    os.setgroups(list(user.groups))
    os.setgid(user.gid)
    os.setuid(user.uid)
    if user.uid == 0:
        sys_.set_capabilities(spec.capabilities)
    else:
        sys_.prctl(sys_.PR_CAP_AMBIENT, sys_.PR_CAP_AMBIENT_CLEAR_ALL)
    sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)  # a uid change cleared it
    sys_.prctl(sys_.PR_SET_NO_NEW_PRIVS, 1)
    seccomp.load(syscall_filter)
    env = _environment(spec, user)
    try:
        os.execvpe(spec.argv[0], list(spec.argv), env)
    except OSError as exc:
        raise ExecFailed(exc.errno, f"exec {spec.argv[0]}: {exc.strerror}") from None


def exec_confined(spec: RunSpec, user: ExecUser, syscall_filter: seccomp.LoadableFilter
                  ) -> NoReturn:
    """Confine this process as a container's pid 1 is and exec `spec.argv`: what `dfc exec`
    does once it has joined a running container's namespaces."""
    _exec(spec, user, syscall_filter)


def _container(spec: RunSpec, root: Rootfs, user: ExecUser,
               syscall_filter: seccomp.LoadableFilter, console: ConsoleSocket | None) -> NoReturn:
    """pid 1 of the new pid namespace: build the root, then become the command, as under
    Docker, where the RUN command is pid 1 and its exit tears the namespace down. With a
    `console` socket, the command's terminal is made inside the container (console.py)."""
    sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
    if spec.tty and console is None:  # a terminal on fd 0 becomes the controlling one
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    _build_root(root, spec)
    if spec.tty and console is not None:
        open_console(console)
    _exec(spec, user, syscall_filter)


def _join_network(path: str) -> None:
    """Enter the network namespace at `path`, prepared (and ready) before this fork."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        sys_.setns(fd, CLONE_NEWNET)
    finally:
        os.close(fd)


class NativeBackend:
    """Runs the step with namespaces set up by dfc itself: ~16 ms a step against ~35 ms for
    crun and ~57 ms for runc on the same machine, and no external binary."""

    def __init__(self) -> None:
        self._seccomp = seccomp.LoadableFilter(seccomp.bpf_program())

    def _filter_for(self, spec: RunSpec) -> seccomp.LoadableFilter:
        """Docker's profile depends on the capabilities (`--cap-add SYS_ADMIN` allows
        mount, ...): the default set's filter is compiled before fork, another on demand."""
        if spec.capabilities == CAP_MASK:
            return self._seccomp
        return seccomp.LoadableFilter(
            seccomp.bpf_program(capability_names(spec.capabilities)))

    def start(self, spec: RunSpec, root: Rootfs, user: ExecUser,
              netns: str | None = None,
              on_init: Callable[[int], None] | None = None,
              console: ConsoleSocket | None = None) -> NoReturn:
        """`on_init` gets the host pid of the container's pid 1 once it is forked;
        `console` is the socket a `tty` container's terminal master is sent through."""
        if netns is not None:
            _join_network(netns)
        net = CLONE_NEWNET if netns is None and spec.network != "host" else 0
        sys_.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | net)
        sys_.mount(None, "/", None, sys_.MS_REC | sys_.MS_PRIVATE)
        sys_.sethostname(spec.hostname)
        if net:
            sys_.loopback_up()
        init = os.fork()
        if init == 0:
            _container(spec, root, user, self._filter_for(spec), console)
        if on_init is not None:
            on_init(init)
        os._exit(exit_code(os.waitpid(init, 0)[1]))

    def abort(self, root: Rootfs) -> None:
        """Nothing to do: killing the child's process group kills pid 1 (also bound to it by
        a parent-death signal) and with it the whole pid namespace."""
