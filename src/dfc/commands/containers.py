"""`dfc run`, `create`, `start`, `stop`, `kill`, `restart`, `rm`, `wait`, `logs`, `ps`,
`exec`, `port` and the `container` group: Docker's commands, flags and output shapes over
the containers of the store (dfc.runtime.containers)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dfc.commands.formatting import (
    Template,
    chosen_format,
    ellipsis,
    go_time,
    human_duration,
    since,
)
from dfc.commands.options import FormatOpt, InspectFormatOpt, RootOpt, open_store
from dfc.errors import DfcError, StorageError

if TYPE_CHECKING:
    from dfc.runtime.containers.store import Container

PS_HEADERS = {
    "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS",
    "Size": "SIZE", "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS",
    "Networks": "NETWORKS", "Label": lambda name: name,  # docker heads it with the key
}
_PS_TABLE = ("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}"
             "\t{{.Ports}}\t{{.Names}}")
_RUN_SETTINGS = {"allow_interspersed_args": False}

container_app = typer.Typer(help="Manage containers.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    from dfc.commands.run_flags import DockerRunCommand

    for name, command in _COMMANDS.items():
        settings = _RUN_SETTINGS if name in ("run", "create", "exec") else {}
        cls = DockerRunCommand if name in ("run", "create") else None
        app.command(name, context_settings=settings, cls=cls)(command)
        container_app.command(name, context_settings=settings, cls=cls)(command)
    container_app.command("ls")(ps_command)
    container_app.command("list", hidden=True)(ps_command)
    container_app.command("remove", hidden=True)(rm_command)
    container_app.command("inspect")(container_inspect_command)
    app.add_typer(container_app, name="container")


def _not_supported(what: str) -> DfcError:
    from dfc.runtime.containers.errors import not_supported

    return not_supported(what)


def _cstore(root: Any) -> Any:
    from dfc.runtime.containers.store import ContainerStore

    return ContainerStore(open_store(root).root)


ListOpt = list[str] | None


def _create_or_run(run: bool) -> Callable[..., None]:
    def command(
        image: Annotated[str, typer.Argument(help="Image.")],
        args: Annotated[list[str] | None, typer.Argument(help="Command and arguments.")]
        = None,
        detach: Annotated[bool, typer.Option("-d", "--detach", help="Run in the background "
                                             "and print the container ID.")] = False,
        rm: Annotated[bool, typer.Option("--rm", help="Remove the container when it "
                                         "exits.")] = False,
        interactive: Annotated[bool, typer.Option("-i", "--interactive",
                                                  help="Keep stdin open.")] = False,
        tty: Annotated[bool, typer.Option("-t", "--tty", help="Allocate a terminal.")]
        = False,
        name: Annotated[str | None, typer.Option("--name", help="Container name.")] = None,
        env: Annotated[ListOpt, typer.Option("-e", "--env", help="KEY=VALUE, or KEY to "
                                             "copy it from this environment.")] = None,
        env_file: Annotated[ListOpt, typer.Option("--env-file", help="File of KEY=VALUE "
                                                  "lines.")] = None,
        workdir: Annotated[str | None, typer.Option("-w", "--workdir", help="Working "
                                                    "folder (created if missing).")] = None,
        user: Annotated[str | None, typer.Option("-u", "--user", help="name|uid[:group|gid]"
                                                 )] = None,
        entrypoint: Annotated[str | None, typer.Option("--entrypoint", help="Replace the "
                                                       "image's ENTRYPOINT.")] = None,
        hostname: Annotated[str | None, typer.Option("-h", "--hostname", help="Host name."
                                                     )] = None,
        add_host: Annotated[ListOpt, typer.Option("--add-host", help="HOST:IP line for "
                                                  "/etc/hosts.")] = None,
        network: Annotated[str | None, typer.Option("--network", "--net", help="bridge "
                                                    "(default: a network of its own), host "
                                                    "or none.")] = None,
        publish: Annotated[ListOpt, typer.Option("-p", "--publish", help="[IP:][HOST_PORT:]"
                                                 "CONTAINER_PORT[/PROTO] to publish.")]
        = None,
        publish_all: Annotated[bool, typer.Option("-P", "--publish-all", help="Publish "
                                                  "every exposed port to a free port.")]
        = False,
        expose: Annotated[ListOpt, typer.Option("--expose", help="Expose a port or a range "
                                                "of ports.")] = None,
        read_only: Annotated[bool, typer.Option("--read-only", help="Mount the root file "
                                                "system read-only.")] = False,
        cap_add: Annotated[ListOpt, typer.Option("--cap-add", help="Add a capability.")]
        = None,
        cap_drop: Annotated[ListOpt, typer.Option("--cap-drop", help="Drop a capability.")]
        = None,
        label: Annotated[ListOpt, typer.Option("-l", "--label", help="KEY=VALUE label.")]
        = None,
        stop_signal: Annotated[str | None, typer.Option("--stop-signal", help="Signal "
                                                        "that stops it.")] = None,
        stop_timeout: Annotated[int | None, typer.Option("--stop-timeout", help="Seconds "
                                                         "before SIGKILL.")] = None,
        volume: Annotated[ListOpt, typer.Option("-v", "--volume", help="/path (anonymous "
                                                "volume), NAME:/path or /host:/path, "
                                                "[:ro|rw].")] = None,
        mount: Annotated[ListOpt, typer.Option("--mount", help="type=volume|bind|tmpfs,"
                                               "source=,target=,readonly,...")] = None,
        tmpfs: Annotated[ListOpt, typer.Option("--tmpfs", help="/path[:options] tmpfs "
                                               "mount.")] = None,
        health_cmd: Annotated[str | None, typer.Option("--health-cmd", help="Command to "
                                                       "run to check health.")] = None,
        health_interval: Annotated[str | None, typer.Option(
            "--health-interval", help="Time between checks (ms|s|m|h).")] = None,
        health_timeout: Annotated[str | None, typer.Option(
            "--health-timeout", help="Longest time one check may run.")] = None,
        health_start_period: Annotated[str | None, typer.Option(
            "--health-start-period", help="Time to start before failures count.")] = None,
        health_start_interval: Annotated[str | None, typer.Option(
            "--health-start-interval", help="Time between checks in the start period.")]
        = None,
        health_retries: Annotated[int | None, typer.Option(
            "--health-retries", help="Failures in a row that make it unhealthy.")] = None,
        no_healthcheck: Annotated[bool, typer.Option(
            "--no-healthcheck", help="Disable the image's HEALTHCHECK.")] = False,
        pull: Annotated[str, typer.Option("--pull", help="Pull the image: missing (when "
                                          "the store lacks it), always or never.")]
        = "missing",
        quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No pull output.")]
        = False,
        platform: Annotated[str | None, typer.Option(
            "--platform", help="Set platform if server is multi-platform capable")] = None,
        root: RootOpt = None,
    ) -> None:
        from dfc.commands import run_image
        from dfc.runtime.containers import engine

        run_image.check_policy(pull)
        opts = engine.RunOptions(
            image=image, args=tuple(args or ()), platform=platform, name=name,
            entrypoint=entrypoint,
            env=tuple(env or ()), env_files=tuple(env_file or ()), user=user, workdir=workdir,
            hostname=hostname, add_hosts=tuple(add_host or ()), network=network,
            publish=tuple(publish or ()), publish_all=publish_all, expose=tuple(expose or ()),
            read_only=read_only, cap_add=tuple(cap_add or ()), cap_drop=tuple(cap_drop or ()),
            labels=tuple(label or ()), stop_signal=stop_signal, stop_timeout=stop_timeout,
            auto_remove=rm, interactive=interactive, tty=tty, attach=not detach,
            volumes=tuple(volume or ()), mounts=tuple(mount or ()), tmpfs=tuple(tmpfs or ()),
            health_cmd=health_cmd, health_interval=health_interval,
            health_timeout=health_timeout, health_start_period=health_start_period,
            health_start_interval=health_start_interval, health_retries=health_retries,
            no_healthcheck=no_healthcheck)
        try:
            store = open_store(root)
            container = run_image.create_container(store, opts, pull, platform, quiet,
                                                   exit_code=125 if run else 1)
            if not run:
                typer.echo(container.id)
                return
            _start_and_attach(store, container, attach=not detach, stdin=interactive)
        except OSError as exc:  # a store that cannot be written: docker run's own 125
            if storage := StorageError.of(exc, exit_code=125):
                raise storage from None
            raise
        if detach:
            typer.echo(container.id)

    command.__doc__ = ("Create and run a new container from an image." if run
                       else "Create a new container (not started).")
    return command


def _start_and_attach(store: Any, container: Container, attach: bool, stdin: bool) -> None:
    """Start the container; attached, relay its streams and exit with its code."""
    from dfc.runtime.containers import attach as frames
    from dfc.runtime.containers import engine, session

    tty = container.record.config.tty
    size = (frames.window_size(0) or frames.window_size(1)) if tty else None
    try:
        sock = engine.start(store, container, size)
    except DfcError:
        if container.record.host_config.auto_remove:
            engine.remove(store, container, force=True, volumes=True)
        raise
    with sock:
        reader = frames.FrameReader()
        pending = session.wait_started(sock, reader)
        if attach:
            sys.stdout.flush()
            code = session.relay(sock, stdin=stdin, tty=tty, reader=reader, pending=pending,
                                 detach_keys=session.parse_detach_keys(
                                     session.DEFAULT_DETACH_KEYS))
            raise SystemExit(0 if code == session.DETACHED else code)


def start_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    attach: Annotated[bool, typer.Option("-a", "--attach", help="Attach stdout/stderr "
                                         "and forward signals.")] = False,
    interactive: Annotated[bool, typer.Option("-i", "--interactive", help="Attach stdin."
                                              )] = False,
    root: RootOpt = None,
) -> None:
    """Start one or more stopped containers."""
    store = open_store(root)
    cstore = _cstore(root)
    if (attach or interactive) and len(containers) > 1:
        raise DfcError("you cannot start and attach multiple containers at once")
    failed = []
    for ref in containers:
        try:
            container = cstore.find(ref)
            if container.state.status == "running":
                if not attach:
                    typer.echo(ref)
                continue
            _start_and_attach(store, container, attach=attach or interactive,
                              stdin=interactive and container.record.config.open_stdin)
            typer.echo(ref)
        except DfcError as exc:
            if len(containers) == 1:
                raise
            failed.append(exc.message)
    if failed:
        raise DfcError("\n".join(failed))


def _each(refs: list[str], root: Any, action: Callable[[Container], None]) -> None:
    """Docker's loop: act on each container, print what was asked, report every failure
    (exit 1) at the end."""
    cstore = _cstore(root)
    errors = []
    for ref in refs:
        try:
            action(cstore.find(ref))
            typer.echo(ref)
        except DfcError as exc:
            errors.append(exc.message)
    if errors:
        from dfc.runtime.containers.errors import ContainerError

        raise ContainerError("\n".join(errors), exit_code=1)


def stop_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    time_: Annotated[int | None, typer.Option("-t", "--time", help="Seconds to wait before "
                                              "killing it.")] = None,
    signal_: Annotated[str | None, typer.Option("-s", "--signal", help="Signal to send.")]
    = None,
    root: RootOpt = None,
) -> None:
    """Stop running containers: the stop signal, then SIGKILL after the timeout."""
    from dfc.runtime.containers import engine

    _each(containers, root, lambda c: engine.stop(c, time_, signal_))


def kill_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    signal_: Annotated[str, typer.Option("-s", "--signal", help="Signal to send.")]
    = "KILL",
    root: RootOpt = None,
) -> None:
    """Send a signal (SIGKILL by default) to running containers."""
    from dfc.runtime.containers import engine, options

    signum = options.signal_number(signal_)

    def kill(container: Container) -> None:
        try:
            engine.send_signal(container, signum)
        except DfcError as exc:
            raise DfcError(f"Cannot kill container: {container.name}: {exc.message}") from None

    _each(containers, root, kill)


def restart_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    time_: Annotated[int | None, typer.Option("-t", "--time", help="Seconds to wait before "
                                              "killing it.")] = None,
    root: RootOpt = None,
) -> None:
    """Stop, then start containers."""
    from dfc.runtime.containers import engine

    store = open_store(root)
    cstore = _cstore(root)

    def restart(container: Container) -> None:
        engine.stop(container, time_)
        fresh = cstore.load(container.id)
        if fresh is None:
            raise DfcError(f"No such container: {container.id}")
        _start_and_attach(store, fresh, attach=False, stdin=False)

    _each(containers, root, restart)


def rm_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    force: Annotated[bool, typer.Option("-f", "--force", help="Kill a running one first.")]
    = False,
    volumes: Annotated[bool, typer.Option("-v", "--volumes", help="Remove its anonymous "
                                          "volumes too.")] = False,
    root: RootOpt = None,
) -> None:
    """Remove containers."""
    from dfc.runtime.containers import engine

    store = open_store(root)
    _each(containers, root, lambda c: engine.remove(store, c, force, volumes))


def wait_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    root: RootOpt = None,
) -> None:
    """Block until containers stop, then print their exit codes."""
    from dfc.runtime.containers import engine

    cstore = _cstore(root)
    errors = []
    for ref in containers:
        try:
            typer.echo(engine.wait_exit(cstore, cstore.find(ref)))
        except DfcError as exc:
            errors.append(exc.message)
    if errors:
        raise DfcError("\n".join(errors))


def logs_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    follow: Annotated[bool, typer.Option("-f", "--follow", help="Follow until it stops.")]
    = False,
    tail: Annotated[str, typer.Option("-n", "--tail", help="Lines from the end (or all)."
                                      )] = "all",
    timestamps: Annotated[bool, typer.Option("-t", "--timestamps", help="Show times.")]
    = False,
    since_: Annotated[str | None, typer.Option("--since", help="RFC 3339 time, Unix time "
                                               "or a duration like 10m.")] = None,
    root: RootOpt = None,
) -> None:
    """Show a container's output (its json-file log)."""
    import time

    from dfc.runtime.containers.logs import read_entries

    cstore = _cstore(root)
    found = cstore.find(container)
    after = _since(since_) if since_ else None
    entries, offset = read_entries(found.log_path)
    if after is not None:
        entries = [e for e in entries if e.time >= after]
    if tail != "all":
        if not tail.lstrip("-").isdigit():
            raise DfcError(f"invalid value for --tail: {tail}")
        count = int(tail)
        entries = entries[len(entries) - count:] if 0 <= count < len(entries) else entries
    _print_entries(entries, timestamps)
    while follow:
        # The state first, then the log: the supervisor closes the log before it records
        # the exit, so the read after a "not running" state reaches the log's end.
        fresh = cstore.load(found.id)
        running = fresh is not None and fresh.state.status == "running"
        more, offset = read_entries(found.log_path, offset)
        _print_entries(more, timestamps)
        if not running:
            break
        time.sleep(0.1)


def _since(text: str) -> str:
    """--since as a log time string to compare with (both RFC 3339 in UTC)."""
    import re

    if m := re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", text):
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        when = datetime.now(UTC).timestamp() - float(m.group(1)) * scale
    elif re.fullmatch(r"\d+(\.\d+)?", text):
        when = float(text)
    else:
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise DfcError(f"invalid value for --since: {text}") from None
    stamp = datetime.fromtimestamp(when, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond:06d}000Z"


def _print_entries(entries: list[Any], timestamps: bool) -> None:
    for entry in entries:
        text = entry.log
        if timestamps:
            text = f"{entry.time} {text}"
        stream = sys.stdout if entry.stream == "stdout" else sys.stderr
        stream.write(text)
    sys.stdout.flush()
    sys.stderr.flush()


def status_text(container: Container, now: datetime) -> str:
    """`Created`, `Up 5 seconds`, `Exited (0) 4 seconds ago`."""
    from dfc.runtime.containers.state import parse_time

    state = container.state
    if state.status in ("running", "paused"):
        started = parse_time(state.started_at) or now
        from dfc.runtime.containers.health import status_suffix

        up = "Up " + human_duration((now - started).total_seconds())
        if state.status == "paused":
            return up + " (Paused)"
        return up + status_suffix(container.folder)
    if state.status == "exited":
        finished = parse_time(state.finished_at) or now
        return f"Exited ({state.exit_code}) {since(finished, now)}"
    return state.status.capitalize()


def _ps_row(container: Container, no_trunc: bool, now: datetime) -> dict[str, object]:
    from dfc.runtime.containers.describe import command_text, ports_column
    from dfc.runtime.containers.networks import network_name
    from dfc.runtime.containers.state import parse_time

    record = container.record
    command = command_text(container)
    labels = ",".join(f"{k}={v}" for k, v in record.config.labels.items())
    created = parse_time(record.created)
    return {
        "ID": record.id if no_trunc else record.id[:12],
        "Image": record.config.image,
        "Command": f'"{command if no_trunc else ellipsis(command, 20)}"',
        "CreatedAt": go_time(created),
        "RunningFor": since(created, now),
        "Ports": ports_column(container),
        "State": container.state.status,
        "Status": status_text(container, now),
        "Size": "",
        "Names": container.name,
        "Labels": labels,
        "Mounts": _mounts_column(container, no_trunc),
        "Networks": network_name(record.host_config.network_mode),
        "Label": lambda name: record.config.labels.get(name, ""),  # {{.Label "KEY"}}
    }


def _mounts_column(container: Container, no_trunc: bool) -> str:
    """docker's MOUNTS: each mount's volume name or host source (cut to 15 characters)."""
    from dfc.runtime.containers.mounting import read

    names = [p.source for p in read(container.folder) if p.shown and p.type != "tmpfs"]
    return ",".join(n if no_trunc else ellipsis(n, 15) for n in names)


def _matches(container: Container, filters: list[str], store: Any) -> bool:
    import re

    for item in filters:
        key, sep, value = item.partition("=")
        if not sep:
            raise DfcError(f"bad format of filter (expected name=value): {item}")
        record = container.record
        if key == "status":
            if value not in ("created", "restarting", "running", "removing", "paused",
                             "exited", "dead"):
                raise DfcError(f"invalid filter 'status={value}'")
            ok = container.state.status == value
        elif key == "name":
            ok = re.search(value, container.name) is not None
        elif key == "id":
            ok = record.id.startswith(value)
        elif key == "label":
            k, has_value, v = value.partition("=")
            labels = record.config.labels
            ok = k in labels and (not has_value or labels[k] == v)
        elif key == "exited":
            ok = container.state.status == "exited" and str(container.state.exit_code) == value
        elif key == "volume":  # a volume's name, a bind's source, or a mount point
            from dfc.runtime.containers.mounting import read

            ok = any(value in (p.source, p.destination) for p in read(container.folder))
        elif key == "health":
            from dfc.runtime.containers.health import read as read_health

            if value not in ("starting", "healthy", "unhealthy", "none"):
                raise DfcError(f"Unrecognised filter value for health: {value}")
            found = read_health(container.folder)
            ok = (found.status if found is not None else "none") == value
        elif key == "ancestor":
            try:
                image_id = store.resolve(value).config
            except DfcError:
                image_id = None
            ok = record.config.image == value or record.image == image_id
        else:
            raise DfcError(f"invalid filter '{key}'")
        if not ok:
            return False
    return True


def ps_command(
    all_: Annotated[bool, typer.Option("-a", "--all", help="Show all containers (default "
                                       "shows just running).")] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only show IDs.")] = False,
    latest: Annotated[bool, typer.Option("-l", "--latest", help="Show the latest created "
                                         "container.")] = False,
    last: Annotated[int, typer.Option("-n", "--last", help="Show the N last created.")]
    = -1,
    no_trunc: Annotated[bool, typer.Option("--no-trunc", help="Don't truncate output.")]
    = False,
    size: Annotated[bool, typer.Option("-s", "--size", help="Not supported yet.")] = False,
    filter_: Annotated[list[str] | None, typer.Option(
        "-f", "--filter", help="status=, name=, id=, label=, exited=, ancestor=, health=, "
        "volume=")] = None,
    fmt: FormatOpt = None,
    root: RootOpt = None,
) -> None:
    """List containers."""
    if size:
        raise _not_supported("ps --size")
    store = open_store(root)
    containers = _cstore(root).all()
    if latest:
        last = 1
    if last >= 0:
        containers = containers[:last]
    elif not all_:
        containers = [c for c in containers if c.state.status in ("running", "paused")]
    containers = [c for c in containers if _matches(c, list(filter_ or []), store)]
    now = datetime.now(UTC)
    rows = [_ps_row(c, no_trunc, now) for c in containers]
    template = "{{.ID}}" if quiet else chosen_format(fmt, _PS_TABLE)
    typer.echo(Template(template, list(PS_HEADERS), "*formatter.ContainerContext")
               .render(rows, PS_HEADERS), nl=False)


def exec_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    args: Annotated[list[str], typer.Argument(help="Command and arguments.")],
    detach: Annotated[bool, typer.Option("-d", "--detach", help="Run in the background.")]
    = False,
    interactive: Annotated[bool, typer.Option("-i", "--interactive", help="Keep stdin "
                                              "open.")] = False,
    tty: Annotated[bool, typer.Option("-t", "--tty", help="Allocate a terminal.")] = False,
    env: Annotated[ListOpt, typer.Option("-e", "--env", help="KEY=VALUE.")] = None,
    user: Annotated[str | None, typer.Option("-u", "--user", help="name|uid[:group|gid]")]
    = None,
    workdir: Annotated[str | None, typer.Option("-w", "--workdir", help="Working folder."
                                                )] = None,
    root: RootOpt = None,
) -> None:
    """Run a command in a running container."""
    from dfc.runtime.containers import exec as exec_

    found = _cstore(root).find(container)
    if found.state.status == "paused":
        from dfc.runtime.containers.errors import ContainerError

        raise ContainerError(f"Container {container} is paused, unpause the container "
                             "before exec", exit_code=1)
    code = exec_.run(found, list(args), env=list(env or ()), user=user, workdir=workdir,
                     detach=detach, interactive=interactive, tty=tty)
    if code:
        raise SystemExit(code)


def port_command(
    container: Annotated[str, typer.Argument(help="Container.")],
    port: Annotated[str | None, typer.Argument(help="PORT[/PROTO]")] = None,
    root: RootOpt = None,
) -> None:
    """List a container's port mappings, or the host addresses of one private port."""
    from dfc.runtime.containers.ports import port_lines

    found = _cstore(root).find(container)
    bound = found.state.ports if found.state.running else []
    if port is None:
        for line in port_lines(bound):
            typer.echo(line)
        return
    number, _, protocol = port.partition("/")
    wanted = f"{number}/{protocol or 'tcp'}"
    lines = [line.partition(" -> ")[2] for line in port_lines(bound)
             if line.startswith(f"{wanted} -> ")]
    if not lines:
        raise DfcError(f"No public port '{port}' published for {found.id}")
    for line in lines:
        typer.echo(line)


def container_inspect_command(
    containers: Annotated[list[str], typer.Argument(help="Containers.")],
    fmt: InspectFormatOpt = None,
    root: RootOpt = None,
) -> None:
    """Show containers as `docker container inspect` does (a JSON array)."""
    cstore = _cstore(root)
    found, missing = [], []
    for ref in containers:
        try:
            found.append(inspect_data(cstore.find(ref)))
        except DfcError as exc:
            missing.append(exc.message)
    print_inspected(found, fmt)
    if missing:
        raise DfcError("\n".join(missing))


def inspect_data(container: Container) -> dict[str, object]:
    from dfc.runtime.containers.describe import inspect

    return inspect(container)


def print_inspected(found: list[dict[str, object]], fmt: str | None) -> None:
    from dfc.commands.formatting import inspect_output
    from dfc.commands.inspect_types import CONTAINER

    typer.echo(inspect_output(found, fmt, CONTAINER), nl=False)


run_command = _create_or_run(True)
create_command = _create_or_run(False)

_COMMANDS: dict[str, Callable[..., None]] = {
    "run": run_command, "create": create_command, "start": start_command,
    "stop": stop_command, "kill": kill_command, "restart": restart_command,
    "rm": rm_command, "wait": wait_command, "logs": logs_command, "ps": ps_command,
    "exec": exec_command, "port": port_command,
}
