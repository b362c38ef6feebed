"""`dfc images`, `history`, `inspect`, `tag`, `rmi`, `image prune`: Docker's commands and
output over the store, also under `dfc image ls|history|inspect|tag|rm|prune`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.commands.formatting import (
    Template,
    chosen_format,
    ellipsis,
    human_size,
    inspect_output,
    since,
)
from dfc.commands.options import FormatOpt, InspectFormatOpt, RootOpt, open_store
from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.cache.store import Store
    from dfc.gotemplate.typed import GoType
    from dfc.runtime.images.remove import Users

IMAGE_HEADERS = {
    "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
    "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
    "Containers": "CONTAINERS", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
    "VirtualSize": "VIRTUAL SIZE",
}
HISTORY_HEADERS = {
    "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
    "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT",
}
_IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
_DIGESTS_TABLE = ("table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}"
                  "\t{{.Size}}")
_HISTORY_TABLE = ("table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}"
                  "\t{{.Comment}}")

image_app = typer.Typer(help="Manage images.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("images")(images_command)
    app.command("history")(history_command)
    app.command("inspect")(inspect_command)
    app.command("tag")(tag_command)
    app.command("rmi")(rmi_command)
    image_app.command("ls")(images_command)
    image_app.command("history")(history_command)
    image_app.command("inspect")(image_inspect_command)
    image_app.command("tag")(tag_command)
    image_app.command("rm")(rmi_command)
    image_app.command("prune")(prune_command)
    app.add_typer(image_app, name="image")


def short_id(digest: str, no_trunc: bool) -> str:
    """`sha256:<64 hex>` untouched with --no-trunc, else Docker's 12 hex characters."""
    return digest if no_trunc else digest.removeprefix("sha256:")[:12]


def images_command(
    reference: Annotated[str | None, typer.Argument(help="REPOSITORY[:TAG] to list.")] = None,
    all_: Annotated[bool, typer.Option("-a", "--all", help="Show all images (default "
                                       "hides intermediate images; dfc's builds, as "
                                       "BuildKit's, make none, so the list is the same).")]
    = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only show image IDs.")]
    = False,
    digests: Annotated[bool, typer.Option("--digests", help="Show digests.")] = False,
    no_trunc: Annotated[bool, typer.Option("--no-trunc", help="Don't truncate output.")]
    = False,
    filter_: Annotated[list[str] | None, typer.Option(
        "-f", "--filter", help="dangling=true|false, label=K[=V], before=IMG, since=IMG, "
        "reference=PATTERN")] = None,
    fmt: FormatOpt = None,
    tree: Annotated[bool, typer.Option("--tree", help="List multi-platform images as a "
                                       "tree (their platforms).")] = False,
    root: RootOpt = None,
) -> None:
    """List images: one row per name, `<none>` for an image without one."""
    from dfc.commands.listing import image_rows, select

    store = open_store(root)
    filters = list(filter_ or [])
    if reference:
        filters.append(f"reference={reference}")
    if tree:
        from dfc.commands.image_tree import render_tree

        typer.echo(render_tree(store, select(store, filters), all_), nl=False)
        return
    rows = image_rows(select(store, filters), no_trunc)
    template = "{{.ID}}" if quiet else chosen_format(
        fmt, _DIGESTS_TABLE if digests else _IMAGES_TABLE)
    typer.echo(Template(template, list(IMAGE_HEADERS), "*formatter.imageContext")
               .render(rows, IMAGE_HEADERS), nl=False)


def history_command(
    image: Annotated[str, typer.Argument(help="Image.")],
    no_trunc: Annotated[bool, typer.Option("--no-trunc", help="Don't truncate output.")]
    = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Only show image IDs.")]
    = False,
    human: Annotated[str, typer.Option(
        "-H", "--human", metavar="BOOL", help="Print sizes and dates in human readable "
        "format: -H=false prints bytes and RFC 3339 dates.")] = "true",
    fmt: FormatOpt = None,
    root: RootOpt = None,
) -> None:
    """Show the history of an image, newest step first."""
    from dfc.commands.flags import go_bool
    from dfc.runtime.images.describe import history, view

    readable = go_bool(human, "-H, --human")
    store = open_store(root)
    rows = []
    for entry in history(view(store, store.resolve(image))):
        created_by = entry.created_by.replace("\t", " ")
        rows.append({
            "ID": short_id(entry.image, no_trunc) if entry.image else "<missing>",
            "CreatedSince": since(entry.created) if readable else _rfc3339(entry.created),
            "CreatedAt": _rfc3339(entry.created),
            "CreatedBy": created_by if no_trunc else ellipsis(created_by, 45),
            "Size": human_size(entry.size, 3) if readable else str(entry.size),
            "Comment": entry.comment,
        })
    template = "{{.ID}}" if quiet else chosen_format(fmt, _HISTORY_TABLE)
    typer.echo(Template(template, list(HISTORY_HEADERS)).render(rows, HISTORY_HEADERS),
               nl=False)


def _rfc3339(when: object) -> str:
    from datetime import datetime

    if not isinstance(when, datetime):
        return ""
    return when.astimezone().isoformat(timespec="seconds").replace("+00:00", "Z")


INSPECT_TYPES = ("config", "container", "image", "network", "node", "plugin", "secret",
                 "service", "task", "volume")
"""docker inspect's `--type` values; dfc keeps images, containers and volumes."""


def inspect_command(
    images: Annotated[list[str], typer.Argument(help="Images, containers or volumes.")],
    fmt: InspectFormatOpt = None,
    type_: Annotated[str | None, typer.Option(
        "--type", help="Only this kind of object: image, container or volume.")] = None,
    root: RootOpt = None,
) -> None:
    """Show images and containers as `docker inspect` does (a JSON array); a container
    is found first, as docker does."""
    if type_ is None:
        _inspect(images, fmt, root, objects=True)
        return
    if type_ not in INSPECT_TYPES:
        from dfc.errors import UsageError

        kinds = ", ".join(f'"{kind}"' for kind in INSPECT_TYPES)
        raise UsageError(f'unknown type: "{type_}": must be one of {kinds}')
    if type_ == "image":
        _inspect(images, fmt, root, objects=False)
    elif type_ == "container":
        _inspect(images, fmt, root, objects=True, images=False)
    elif type_ == "volume":
        _inspect_volumes(images, fmt, root)
    else:
        # dfc keeps no objects of the other kinds (networks...: see docs/differences.md).
        _show([], fmt)
        raise DfcError("\n".join(f"No such {type_}: {ref}" for ref in images))


def _inspect_volumes(names: list[str], fmt: str | None, root: Path | None) -> None:
    from dfc.commands.inspect_types import VOLUME

    store = open_store(root)
    found = [v for name in names if (v := _volume(store, name)) is not None]
    _show(found, fmt, [VOLUME] * len(found))
    missing = [name for name in names if _volume(store, name) is None]
    if missing:
        raise DfcError("\n".join(f"get {name}: no such volume" for name in missing))


def _inspect(refs: list[str], fmt: str | None, root: Path | None, objects: bool,
             images: bool = True) -> None:
    """Inspect `refs` as images (and, with `objects`, containers first); with `images`
    false, as containers only."""
    from dfc.commands.inspect_types import CONTAINER, IMAGE, VOLUME
    from dfc.runtime.images.describe import inspect, view

    store = open_store(root)
    containers = _container_finder(store) if objects else None
    found: list[dict[str, object]] = []
    types: list[GoType] = []  # the Go type of each object, for `-f`
    missing = []
    for ref in refs:
        try:
            if containers is not None and (container := containers(ref)) is not None:
                found.append(container)
                types.append(CONTAINER)
                continue
            if not images:
                missing.append(f"No such container: {ref}")
                continue
            found.append(inspect(view(store, store.resolve(ref)), store))
            types.append(IMAGE)
        except DfcError as exc:
            if containers is not None and (volume := _volume(store, ref)) is not None:
                found.append(volume)  # (docker looks for a volume after the image)
                types.append(VOLUME)
                continue
            missing.append(f"No such object: {ref}" if containers is not None
                           else exc.message)
    _show(found, fmt, types)
    if missing:
        raise DfcError("\n".join(missing))


def _show(found: list[dict[str, object]], fmt: str | None,
          types: list[GoType] | None = None) -> None:
    typer.echo(inspect_output(found, fmt, types), nl=False)


def _volume(store: Store, name: str) -> dict[str, object] | None:
    from dfc.runtime.containers.volumes import VolumeStore

    found = VolumeStore(store.root).get(name)
    return found.inspect() if found is not None else None


def image_inspect_command(
    images: Annotated[list[str], typer.Argument(help="Images.")],
    fmt: InspectFormatOpt = None,
    root: RootOpt = None,
) -> None:
    """Show images as `docker image inspect` does (a JSON array)."""
    _inspect(images, fmt, root, objects=False)


def _container_finder(store: Store) -> Callable[[str], dict[str, object] | None]:
    """ref -> the container's inspect data, or None when no container answers to it."""
    from dfc.runtime.containers.describe import inspect
    from dfc.runtime.containers.errors import NoSuchContainer
    from dfc.runtime.containers.store import ContainerStore

    if not (store.root / "containers").is_dir():
        return lambda ref: None
    cstore = ContainerStore(store.root)

    def find(ref: str) -> dict[str, object] | None:
        try:
            return inspect(cstore.find(ref))
        except NoSuchContainer:
            return None

    return find


def tag_command(
    source: Annotated[str, typer.Argument(help="SOURCE_IMAGE[:TAG]")],
    target: Annotated[str, typer.Argument(help="TARGET_IMAGE[:TAG]")],
    root: RootOpt = None,
) -> None:
    """Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE."""
    from dfc.reference import InvalidReference, parse_reference

    try:
        parse_reference(target)
    except InvalidReference as exc:  # the docker CLI's wording, before any lookup
        raise DfcError(f'Error parsing reference: "{target}" is not a valid repository/tag: '
                       f"{exc.message}") from None
    store = open_store(root)
    store.tag(target, store.resolve(source).manifest)


def image_users_of(store: Store) -> Users:
    """Which containers use which images (rmi and prune leave those images alone)."""
    from dfc.runtime.containers.store import ContainerStore
    from dfc.runtime.containers.usage import image_users

    return image_users(ContainerStore(store.root))


def rmi_command(
    images: Annotated[list[str], typer.Argument(help="Images.")],
    force: Annotated[bool, typer.Option("-f", "--force", help="Force removal.")] = False,
    no_prune: Annotated[bool, typer.Option(
        "--no-prune", help="Do not delete untagged parents (dfc images have no parent "
        "images: the image's own unused layers still go, as in docker).")] = False,
    root: RootOpt = None,
) -> None:
    """Remove images: untag a name; delete the image with its last name, and its blobs
    that no other image or container uses."""
    del no_prune  # docker's parents are classic-builder images; dfc never makes them
    from dfc.runtime.images.remove import remove_images

    store = open_store(root)
    done, errors = remove_images(store, images, force=force, users=image_users_of(store))
    for removal in done:
        for name in removal.untagged:
            typer.echo(f"Untagged: {name}")
        for digest in removal.deleted:
            typer.echo(f"Deleted: {digest}")
    if errors:
        raise DfcError("\n".join(errors))


def prune_command(
    all_: Annotated[bool, typer.Option("-a", "--all", help="Remove all unused images, not "
                                       "just dangling ones.")] = False,
    force: Annotated[bool, typer.Option("-f", "--force", help="Do not prompt for "
                                        "confirmation.")] = False,
    root: RootOpt = None,
) -> None:
    """Remove dangling images (all images no container uses with -a), then every blob
    no image or container uses."""
    from dfc.commands.prompt import confirmed
    from dfc.runtime.images.remove import prune_images

    if not force:
        what = ("all images without at least one container associated to them" if all_
                else "all dangling images")
        if not confirmed(f"WARNING! This will remove {what}.\n"
                         "Are you sure you want to continue?"):
            return
    store = open_store(root)
    removal = prune_images(store, everything=all_, users=image_users_of(store))
    if removal.untagged or removal.deleted:
        typer.echo("Deleted Images:")
        for name in removal.untagged:
            typer.echo(f"untagged: {name}")
        for digest in removal.deleted:
            typer.echo(f"deleted: {digest}")
        typer.echo("")
    typer.echo(f"Total reclaimed space: {human_size(removal.reclaimed)}")
