"""`dfc volume create|ls|inspect|rm|prune`: docker's volume commands over the volumes of
the store (dfc.runtime.containers.volumes)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from dfc.commands.formatting import Template, human_size, inspect_output
from dfc.commands.options import FormatOpt, InspectFormatOpt, RootOpt, open_store
from dfc.errors import DfcError

LS_HEADERS = {"Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE",
              "Mountpoint": "MOUNTPOINT", "Labels": "LABELS", "Links": "LINKS",
              "Size": "SIZE", "CreatedAt": "CREATED AT"}
_LS_TABLE = "table {{.Driver}}\t{{.Name}}"

volume_app = typer.Typer(help="Manage volumes.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    volume_app.command("create")(create_command)
    volume_app.command("ls")(ls_command)
    volume_app.command("list", hidden=True)(ls_command)
    volume_app.command("inspect")(inspect_command)
    volume_app.command("rm")(rm_command)
    volume_app.command("remove", hidden=True)(rm_command)
    volume_app.command("prune")(prune_command)
    app.add_typer(volume_app, name="volume")


def _error(message: str) -> DfcError:
    from dfc.runtime.containers.volumes import VolumeError

    return VolumeError(message)


def _root(root: Any) -> Any:
    return open_store(root).root


def create_command(
    name_arg: Annotated[str | None, typer.Argument(metavar="[VOLUME]", help="Name.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name.")] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="KEY=VALUE label.")]
    = None,
    driver: Annotated[str, typer.Option("-d", "--driver", help="Only local.")] = "local",
    opt: Annotated[list[str] | None, typer.Option("-o", "--opt", help="Not supported "
                                                  "yet.")] = None,
    root: RootOpt = None,
) -> None:
    """Create a volume (a generated name when none is given)."""
    from dfc.runtime.containers.errors import not_supported
    from dfc.runtime.containers.volumes import VolumeStore

    if name and name_arg and name != name_arg:
        raise _error("conflicting options: cannot specify a volume-name through both "
                     "--name and as a positional arg")
    if driver != "local":
        raise not_supported(f"--driver {driver}")
    if opt:
        raise not_supported("--opt")
    labels = {}
    for item in label or ():
        key, _, value = item.partition("=")
        labels[key] = value
    volumes = VolumeStore(_root(root))
    with volumes.lock():
        volume, _ = volumes.create(name or name_arg, labels, {})
    typer.echo(volume.name)


def natural_less_key(text: str) -> tuple[tuple[int, int, str, int], ...]:
    """The docker CLI's order of names (sortorder.NaturalLess): digit runs before other
    characters and compared as numbers, fewer leading zeros first on a tie.

    >>> sorted(["a10", "a9", "03d", "3e", "3b"], key=natural_less_key)
    ['3b', '3e', '03d', 'a9', 'a10']
    """
    key = []
    for run in re.findall(r"\d+|\D", text):
        if run.isdigit():
            digits = run.lstrip("0")
            key.append((0, len(digits), digits, len(run) - len(digits)))
        else:
            key.append((1, 0, run, 0))
    return tuple(key)


def _labels_text(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items()))


def _matches(volume: Any, used: dict[str, list[str]], filters: list[str]) -> bool:
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep:
            raise _error(f"bad format of filter (expected name=value): {item}")
        if key == "dangling":
            if value.lower() not in ("true", "false", "1", "0"):
                raise _error(f"Invalid filter 'dangling=[{value}]'")
            ok = (not used.get(volume.name)) == (value.lower() in ("true", "1"))
        elif key == "name":
            ok = re.search(value, volume.name) is not None
        elif key == "label":
            k, has_value, v = value.partition("=")
            labels = volume.meta.labels or {}
            ok = k in labels and (not has_value or labels[k] == v)
        elif key == "driver":
            ok = re.search(value, "local") is not None
        else:
            raise _error(f"Invalid filter '{key}'")
        if not ok:
            return False
    return True


def ls_command(
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only names.")] = False,
    filter_: Annotated[list[str] | None, typer.Option(
        "-f", "--filter", help="dangling=true|false, name=, label=KEY[=VALUE], driver=")]
    = None,
    fmt: FormatOpt = None,
    root: RootOpt = None,
) -> None:
    """List volumes."""
    from dfc.runtime.containers.mounting import users
    from dfc.runtime.containers.volumes import VolumeStore

    store_root = _root(root)
    used = users(store_root)
    found = [v for v in VolumeStore(store_root).all()
             if _matches(v, used, list(filter_ or []))]
    found.sort(key=lambda v: natural_less_key(v.name))
    rows = [{"Name": v.name, "Driver": "local", "Scope": "local",
             "Mountpoint": str(v.data), "Labels": _labels_text(v.meta.labels),
             "Links": "N/A", "Size": "N/A", "CreatedAt": v.meta.created_at} for v in found]
    template = "{{.Name}}" if quiet else fmt or _LS_TABLE
    typer.echo(Template(template, list(LS_HEADERS)).render(rows, LS_HEADERS), nl=False)


def inspect_command(
    volumes: Annotated[list[str], typer.Argument(help="Volumes.")],
    fmt: InspectFormatOpt = None,
    root: RootOpt = None,
) -> None:
    """Show volumes as `docker volume inspect` does (a JSON array)."""
    from dfc.runtime.containers.volumes import VolumeStore

    store = VolumeStore(_root(root))
    found, errors = [], []
    for name in volumes:
        volume = store.get(name)
        if volume is None:
            errors.append(f"No such volume: {name}")
        else:
            found.append(volume.inspect())
    from dfc.commands.inspect_types import VOLUME

    # `docker volume inspect` has no raw JSON to fall back on: errors are the struct's.
    typer.echo(inspect_output(found, fmt, VOLUME, fallback=False), nl=False)
    if errors:
        raise _error("\n".join(errors))


def rm_command(
    volumes: Annotated[list[str], typer.Argument(help="Volumes.")],
    force: Annotated[bool, typer.Option("-f", "--force", help="No error for an unknown "
                                        "volume.")] = False,
    root: RootOpt = None,
) -> None:
    """Remove volumes no container uses."""
    from dfc.runtime.containers.volume_removal import remove

    removed, errors = remove(_root(root), volumes, force)
    for name in removed:
        typer.echo(name)
    if errors:
        raise _error("\n".join(errors))


def prune_command(
    all_: Annotated[bool, typer.Option("-a", "--all", help="Remove all unused volumes, "
                                       "not just anonymous ones.")] = False,
    force: Annotated[bool, typer.Option("-f", "--force", help="Do not prompt for "
                                        "confirmation.")] = False,
    filter_: Annotated[list[str] | None, typer.Option("--filter", help="Not supported "
                                                      "yet.")] = None,
    root: RootOpt = None,
) -> None:
    """Remove unused anonymous volumes (all unused volumes with -a)."""
    from dfc.runtime.containers.errors import not_supported
    from dfc.runtime.containers.volume_removal import prune

    if filter_:
        raise not_supported("volume prune --filter")
    if not force:
        from dfc.commands.prompt import confirmed

        what = "all" if all_ else "anonymous"
        if not confirmed(f"WARNING! This will remove {what} local volumes not used by at "
                         "least one container.\nAre you sure you want to continue?"):
            return
    pruned = prune(_root(root), all_)
    if pruned.names:
        typer.echo("Deleted Volumes:")
        for name in pruned.names:
            typer.echo(name)
        typer.echo("")
    typer.echo(f"Total reclaimed space: {human_size(pruned.reclaimed)}")
