"""The container lifecycle over a store: create, start, stop, kill, remove, wait. The CLI
(src/dfc/commands/containers.py) parses flags into RunOptions and renders the results."""

from __future__ import annotations

import os
import select
import signal
import socket
import stat
import sys
import time
from pathlib import Path

import msgspec

from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.reference import parse_named
from dfc.runtime.containers import health, mounting, mountspec, names, options, ports
from dfc.runtime.containers import state as st
from dfc.runtime.containers.errors import ContainerError, ImageMissing
from dfc.runtime.containers.ids import new_id, short_id
from dfc.runtime.containers.networks import is_private
from dfc.runtime.containers.store import Container, ContainerStore
from dfc.runtime.containers.volumes import VolumeStore
from dfc.runtime.images.config import ImageConfig
from dfc.runtime.network.ports import parse_publish
from dfc.runtime.network.slirp import GUEST_ADDRESS
from dfc.runtime.sandbox.rootfs import Rootfs, lay_out
from dfc.runtime.sandbox.spec import RunSpec
from dfc.runtime.sandbox.users import ExecUser

NETWORK_MODES = ("default", "bridge", "host", "none")
DEFAULT_NETWORK = "default"
"""Docker's default: a network of the container's own (its bridge; here a private
namespace with a user-mode stack, see runtime/network/). `bridge` names the same mode."""

LOCAL_HOSTS = ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
               "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
               "ff02::2\tip6-allrouters\n")
"""The head of the /etc/hosts Docker writes for a container with a network of its own."""


class RunOptions(msgspec.Struct, frozen=True):
    """The `docker run`/`create` flags dfc implements."""

    image: str
    args: tuple[str, ...] = ()
    platform: str | None = None
    """`--platform`: the image of an index to run (this machine's by default)."""
    name: str | None = None
    entrypoint: str | None = None
    env: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    user: str | None = None
    workdir: str | None = None
    hostname: str | None = None
    add_hosts: tuple[str, ...] = ()
    network: str | None = None
    publish: tuple[str, ...] = ()
    """`-p` values."""
    publish_all: bool = False
    expose: tuple[str, ...] = ()
    read_only: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    stop_signal: str | None = None
    stop_timeout: int | None = None
    auto_remove: bool = False
    interactive: bool = False
    tty: bool = False
    attach: bool = True
    """False for `run -d` and `create`."""
    volumes: tuple[str, ...] = ()
    """`-v` values."""
    mounts: tuple[str, ...] = ()
    """`--mount` values."""
    tmpfs: tuple[str, ...] = ()
    health_cmd: str | None = None
    health_interval: str | None = None
    health_timeout: str | None = None
    health_start_period: str | None = None
    health_start_interval: str | None = None
    health_retries: int | None = None
    no_healthcheck: bool = False


def _image(store: Store, ref: str, platform: str | None = None
           ) -> tuple[str, Manifest, ImageConfig]:
    try:
        record = store.resolve(ref)
    except DfcError:  # not in the store (ImageNotFound), or not a valid reference
        raise ImageMissing(_shown(ref)) from None
    from dfc.runtime.containers.platforms import image_for

    return image_for(store, ref, record, platform)


def _shown(ref: str) -> str:
    """The name as docker prints it: familiar, with `:latest` added."""
    try:
        return parse_named(ref).with_default_tag().familiar()
    except DfcError:
        return ref


def _extra_hosts(items: tuple[str, ...]) -> list[tuple[str, str]]:
    """`--add-host name:ip` (the ip may be IPv6, so split at the first `:`) or `name=ip`."""
    pairs = []
    for item in items:
        host, sep, ip = item.partition("=") if "=" in item else item.partition(":")
        if not sep or not host or not ip:
            raise ContainerError(f'invalid argument "{item}" for "--add-host" flag: '
                                 f'bad format for add-host: "{item}"')
        pairs.append((host, ip))
    return pairs


def _labels(items: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for item in items:
        key, _, value = item.partition("=")
        found[key] = value
    return found


def _hosts_text(network: str, extra: list[tuple[str, str]], hostname: str) -> str:
    """The host's /etc/hosts for `host`; else docker's local lines, the `--add-host`
    lines, and on a private network the container's own address under its host name."""
    if network == "host":
        try:
            head = Path("/etc/hosts").read_text()
        except OSError:
            head = LOCAL_HOSTS
        head = head if head.endswith("\n") or not head else head + "\n"
    else:
        head = LOCAL_HOSTS
    own = f"{GUEST_ADDRESS}\t{hostname}\n" if is_private(network) else ""
    return head + "".join(f"{ip}\t{host}\n" for host, ip in extra) + own


def check_network(network: str | None) -> str:
    mode = network or DEFAULT_NETWORK
    if mode.startswith("container:") and mode != "container:":
        return mode
    if mode not in NETWORK_MODES:
        raise ContainerError(f"network {mode} not found")
    return mode


def _joined(store: Store, network: str, opts: RunOptions) -> Container | None:
    """For `--network container:NAME`, that container (its network, host name and hosts
    file are shared, so the flags that would change them conflict, as in docker)."""
    if not network.startswith("container:"):
        return None
    for given, what in ((opts.publish or opts.publish_all,
                         "port publishing and the container type network mode"),
                        (opts.hostname, "hostname and the network mode"),
                        (opts.add_hosts, "custom host-to-IP mapping and the network mode")):
        if given:
            raise ContainerError(f"conflicting options: {what}")
    ref = network.partition(":")[2]
    try:
        return ContainerStore(store.root).find(ref)
    except ContainerError as exc:
        raise ContainerError(exc.message) from None  # (exit 125: run's own error)


def create(store: Store, opts: RunOptions) -> Container:
    """A new container in the `created` state, its folder complete (or none at all)."""
    from dfc.runtime.fs.snapshots import snapshot_dirs

    network = check_network(opts.network)
    if opts.name is not None:
        names.check_name(opts.name)
    extra = _extra_hosts(opts.add_hosts)
    joined = _joined(store, network, opts)
    if joined is not None:
        network = f"container:{joined.id}"
    published = [m for item in opts.publish for m in parse_publish(item)]
    expose_flags = ports.exposed(opts.expose)
    if published and network == "host":
        print("WARNING: Published ports are discarded when using host network mode",
              file=sys.stderr)
    options.capabilities(opts.cap_add, opts.cap_drop)  # refuse unknown names now
    if opts.stop_signal is not None:
        options.signal_number(opts.stop_signal)
    manifest_digest, manifest, image = _image(store, opts.image, opts.platform)
    base = image.config
    check = health.configured(
        base.healthcheck, opts.health_cmd, opts.health_interval, opts.health_timeout,
        opts.health_start_period, opts.health_start_interval, opts.health_retries,
        opts.no_healthcheck)
    wanted = mountspec.requested(opts.volumes, opts.mounts, opts.tmpfs,
                                 list(base.volumes or ()))
    entrypoint, cmd = options.command(base.entrypoint, base.cmd, opts.args, opts.entrypoint)
    argv = options.argv(entrypoint, cmd)
    container_id = new_id()
    hostname = opts.hostname or (os.uname().nodename if network == "host"
                                 else joined.record.config.hostname if joined is not None
                                 else short_id(container_id))
    env = options.environment(base.env or (), opts.env_files, opts.env)
    config = st.Config(
        hostname=hostname, user=opts.user if opts.user is not None else base.user or "",
        attach_stdin=opts.interactive and opts.attach, attach_stdout=opts.attach,
        attach_stderr=opts.attach, tty=opts.tty, open_stdin=opts.interactive,
        stdin_once=opts.interactive and opts.attach, env=env or None, cmd=cmd, image=opts.image,
        volumes={k: {} for k in [*(base.volumes or ()), *wanted.anonymous]} or None,
        working_dir=opts.workdir if opts.workdir is not None else base.working_dir or "",
        entrypoint=entrypoint,
        on_build=list(base.on_build) if base.on_build else None,
        labels={**(base.labels or {}), **_labels(opts.labels)},
        stop_signal=opts.stop_signal or base.stop_signal, stop_timeout=opts.stop_timeout,
        exposed_ports={k: {} for k in [*(base.exposed_ports or ()), *expose_flags,
                                       *(m.container for m in published)]} or None,
        healthcheck=check)
    host = st.HostConfig(
        network_mode=network, auto_remove=opts.auto_remove, readonly_rootfs=opts.read_only,
        cap_add=list(opts.cap_add) or None, cap_drop=list(opts.cap_drop) or None,
        extra_hosts=[f"{h}:{ip}" for h, ip in extra] or None,
        port_bindings=ports.port_bindings(published), publish_all_ports=opts.publish_all,
        binds=list(wanted.binds) or None, mounts=list(wanted.mounts) or None,
        tmpfs=wanted.tmpfs or None)
    record = st.Record(
        id=container_id, created=st.now_rfc3339(), path=argv[0], args=argv[1:],
        image=manifest.config.digest, name="", config=config, host_config=host,
        manifest=manifest_digest, shell=list(base.shell) if base.shell else None)
    lowerdirs = list(reversed(snapshot_dirs(store, manifest.layers, image.rootfs.diff_ids)))

    volumes = VolumeStore(store.root)
    with volumes.lock():
        points, made = mounting.prepare(store.root, wanted.points)

        def make(folder: Path) -> None:
            (folder / "upper").mkdir()
            hosts = (joined.folder / "hosts").read_text() if joined is not None \
                else _hosts_text(network, extra, hostname)
            lay_out(folder, lowerdirs, folder / "upper", hosts,
                    stubs=[("/etc/hostname", stat.S_IFREG | 0o644),
                           *mounting.mount_stubs(store.root, points)],
                    private_network=is_private(joined.record.host_config.network_mode
                                               if joined is not None else network))
            (folder / "hostname").write_text(hostname + "\n")
            (folder / f"{container_id}-json.log").touch(0o640)
            mounting.write(folder, points)

        try:
            return ContainerStore(store.root).create(record, make, opts.name, names.generate)
        except BaseException:
            for volume in made:
                volumes.remove(volume)
            raise


def rootfs(store: Store, container: Container) -> Rootfs:
    """The container's overlay: its init layer over the image's snapshots."""
    from dfc.runtime.fs.snapshots import snapshot_dirs
    from dfc.runtime.fs.views import kept_short_paths

    manifest = store.read_json(container.record.manifest, Manifest)
    image = store.read_json(manifest.config.digest, ImageConfig)
    layers = list(reversed(snapshot_dirs(store, manifest.layers, image.rootfs.diff_ids)))
    folder = container.folder
    lowerdirs = (folder / "init", *layers)
    links = kept_short_paths(container.link_name, lowerdirs)
    return Rootfs(state=folder, lowerdirs=lowerdirs, upperdir=folder / "upper",
                  workdir=folder / "work", merged=folder / "root", hosts=folder / "hosts",
                  resolv_conf=folder / "resolv.conf", hostname=folder / "hostname",
                  lower_links=tuple(links))


def run_spec(container: Container, argv: list[str] | None = None) -> RunSpec:
    record = container.record
    config = record.config
    host = record.host_config
    return RunSpec(
        argv=tuple(argv or [record.path, *record.args]),
        env=options.process_env(config.env or (), config.hostname),
        cwd=config.working_dir or "/", user=config.user,
        network="private" if is_private(host.network_mode)
        else host.network_mode,  # type: ignore[arg-type]
        hostname=config.hostname, read_only=host.readonly_rootfs,
        capabilities=options.capabilities(host.cap_add or (), host.cap_drop or ()),
        tty=config.tty,
        mounts=mounting.sandbox_mounts(store_root(container), mounting.read(container.folder)))


def store_root(container: Container) -> Path:
    """The store a container belongs to (`<root>/containers/<id>`)."""
    return container.folder.parent.parent


def start(store: Store, container: Container, size: tuple[int, int] | None = None
          ) -> socket.socket:
    """Start the supervisor; the returned socket first carries STARTED or FAILED."""
    from dfc.runtime.containers.supervisor import spawn
    from dfc.runtime.containers.volume_copy import populate
    from dfc.runtime.sandbox.users import lookup

    root = rootfs(store, container)
    spec = run_spec(container)
    populate(store.root, mounting.read(container.folder), (root.upperdir, *root.lowerdirs))
    try:
        user = container_user(lookup(spec.user, root.lowerdirs))
    except DfcError as exc:
        raise ContainerError(exc.message) from None
    return spawn(ContainerStore(store.root), container, spec, root, user, size)


def container_user(user: ExecUser) -> ExecUser:
    """Docker's containers always have supplementary groups: the primary group when the
    image's /etc/group lists the user in none (`id` shows `groups=`)."""
    if user.groups:
        return user
    return msgspec.structs.replace(user, groups=(user.gid,))


def wait_supervisor(container: Container, timeout: float | None = None) -> bool:
    """Wait until the container's supervisor is gone; False on timeout."""
    pid = container.state.supervisor
    if not pid or not container.supervisor_alive():
        return True
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        if not container.supervisor_alive():  # (the pid may have been reused meanwhile)
            return True
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def send_signal(container: Container, signum: int) -> None:
    if container.state.status == "paused" and container.supervisor_alive():
        if signum != signal.SIGKILL:
            raise ContainerError(f"Container {container.id} is paused. Unpause the container "
                                 "before stopping or killing", exit_code=1)
        from dfc.runtime.containers.pause import thaw

        thaw(container)  # (a frozen process cannot die: thawed first)
    if container.state.status != "running" or not container.supervisor_alive():
        raise ContainerError(f"Container {container.id} is not running", exit_code=1)
    try:
        os.kill(container.state.pid, signum)
    except ProcessLookupError:
        pass


def stop(container: Container, timeout: int | None = None, signame: str | None = None) -> None:
    """The stop signal, then SIGKILL after `timeout` seconds (the container's own
    `--stop-timeout`, else 10)."""
    from dfc.runtime.containers.pause import release, thaw

    if container.state.status == "paused" and container.supervisor_alive():
        thaw(container)  # (docker stops a paused container too: thawed, then signalled)
    else:
        release(container)  # (what a pause killed half-way left frozen)
    if container.state.status != "running" or not container.supervisor_alive():
        return
    config = container.record.config
    signum = options.signal_number(signame or config.stop_signal or "SIGTERM")
    if timeout is None:
        timeout = config.stop_timeout if config.stop_timeout is not None \
            else options.DEFAULT_STOP_TIMEOUT
    try:
        os.kill(container.state.pid, signum)
    except ProcessLookupError:
        pass
    if timeout >= 0 and wait_supervisor(container, timeout):
        return
    try:
        os.kill(container.state.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_supervisor(container)


def remove(store: Store, container: Container, force: bool = False,
           volumes: bool = False) -> None:
    """`rm [-f] [-v]`: `volumes` removes its anonymous volumes too (named ones stay)."""
    cstore = ContainerStore(store.root)
    if container.state.status in ("running", "paused", "restarting") \
            and container.supervisor_alive():
        if not force:
            raise ContainerError(
                f"You cannot remove a running container {container.id}. Stop the container "
                "before attempting removal or force remove", exit_code=1)
        stop(container, timeout=-1, signame="SIGKILL")
        wait_supervisor(container)
    points = mounting.read(container.folder)
    cstore.remove(container)
    if volumes:
        mounting.remove_anonymous(store.root, points)


def wait_exit(cstore: ContainerStore, container: Container) -> int:
    """Block until the container is not running (started or not), then its exit code."""
    while True:
        if container.state.status == "running":
            wait_supervisor(container)
        loaded = cstore.load(container.id)
        if loaded is None:
            return container.state.exit_code
        container = loaded
        if container.state.status in ("exited", "dead"):
            return container.state.exit_code
        if container.state.status == "created":
            time.sleep(0.1)
