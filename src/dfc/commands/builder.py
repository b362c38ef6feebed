"""`dfc builder prune`: reclaim the space of the build cache, as `docker builder prune`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.commands.formatting import human_size
from dfc.commands.options import RootOpt, open_store
from dfc.errors import UsageError

if TYPE_CHECKING:
    from dfc.cache.gc import CacheUsage
    from dfc.cache.store import Store

builder_app = typer.Typer(help="Manage the build cache.", no_args_is_help=True)
SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)i?b?\s*$", re.IGNORECASE)


def register(app: typer.Typer) -> None:
    builder_app.command("prune")(prune_command)
    builder_app.command("du")(du_command)
    app.add_typer(builder_app, name="builder")


def parse_size(text: str) -> int:
    """docker's RAMInBytes: `512MB`, `10g`, `1.5GiB` (binary multiples).

    >>> parse_size("512MB"), parse_size("1g"), parse_size("100")
    (536870912, 1073741824, 100)
    """
    match = SIZE.match(text)
    if match is None:
        raise UsageError(f"invalid size: {text!r}")
    power = " kmgtp".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * 1024**power)


def parse_until(filters: list[str]) -> float | None:
    """`--filter until=24h` -> seconds (Go durations)."""
    from dfc.grammar.durations import DurationError, parse_duration

    until = None
    for item in filters:
        key, sep, value = item.partition("=")
        if key != "until" or not sep:
            raise UsageError(f"invalid filter {item!r} (supported: until=DURATION)")
        try:
            until = parse_duration(value) / 1e9
        except DurationError as exc:
            raise UsageError(f"invalid filter {item!r}: {exc}") from None
    return until


def prune_command(
    all_: Annotated[bool, typer.Option("-a", "--all", help="Remove all build cache, not "
                                       "just what no image uses.")] = False,
    filters: Annotated[list[str] | None, typer.Option("--filter", help="until=DURATION: "
                                                      "only cache unused that long.")] = None,
    keep_storage: Annotated[str | None, typer.Option("--keep-storage", help="Keep this much "
                                                     "cache (least recently used goes).")]
    = None,
    force: Annotated[bool, typer.Option("-f", "--force", help="Do not ask.")] = False,
    root: RootOpt = None,
) -> None:
    """Remove build cache."""
    from dfc.cache.gc import prune

    until = parse_until(filters or [])
    keep = parse_size(keep_storage) if keep_storage else None
    from dfc.commands.prompt import confirmed
    from dfc.runtime.containers.store import ContainerStore

    what = "all build cache" if all_ else "all dangling build cache"
    if not force and not confirmed(f"WARNING! This will remove {what}. Are you sure you "
                                   "want to continue?"):
        return
    store = open_store(root)
    in_use = ContainerStore(store.root).image_manifests()
    report = prune(store, all_records=all_, until=until, keep_storage=keep, in_use=in_use)
    if report.records:
        typer.echo("Deleted build cache objects:")
        for key in report.records:
            typer.echo(key.removeprefix("sha256:")[:25])
        typer.echo("")
    typer.echo(f"Total:\t{human_size(report.reclaimed, 3)}")


def cache_usage(store: Store) -> CacheUsage:
    """The build cache as `builder prune` would see it now (containers' images kept)."""
    from dfc.cache.gc import usage
    from dfc.runtime.containers.store import ContainerStore

    return usage(store, ContainerStore(store.root).image_manifests())


def du_command(
    verbose: Annotated[bool, typer.Option("--verbose", help="Accepted for buildx; the "
                                          "table is the same.")] = False,
    root: RootOpt = None,
) -> None:
    """Show the build cache's disk usage, as `docker buildx du`: its items, then what is
    shared with images, private, reclaimable (what `builder prune` frees) and the total."""
    from datetime import UTC, datetime

    from dfc.commands.formatting import Template, since

    del verbose
    cache = cache_usage(open_store(root))
    headers = {"ID": "ID", "Reclaimable": "RECLAIMABLE", "Size": "SIZE",
               "LastAccessed": "LAST ACCESSED"}
    rows = [{"ID": item.id, "Reclaimable": str(item.reclaimable).lower(),
             "Size": human_size(item.size),
             "LastAccessed": since(datetime.fromtimestamp(item.last_used, UTC))}
            for item in cache.items]
    if rows:
        table = "table {{.ID}}\t{{.Reclaimable}}\t{{.Size}}\t{{.LastAccessed}}"
        typer.echo(Template(table, list(headers)).render(rows, headers), nl=False)
    shared = sum(item.size for item in cache.items if not item.reclaimable)
    typer.echo(f"Shared:\t\t{human_size(shared)}")
    typer.echo(f"Private:\t{human_size(cache.size - shared)}")
    typer.echo(f"Reclaimable:\t{human_size(cache.reclaimable)}")
    typer.echo(f"Total:\t\t{human_size(cache.size)}")
