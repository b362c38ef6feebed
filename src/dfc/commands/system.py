"""`dfc system df|prune|check`: what the store holds, reclaiming it, whether it is sound.

`system df` rows and `system prune` steps are lists in docker's order, so other kinds of
objects (containers, volumes) add a row or a step without touching the others: see
`usage_rows` and `prune_steps`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import msgspec
import typer

from dfc.commands.formatting import Template, chosen_format, human_size, since
from dfc.commands.options import FormatOpt, RootOpt, open_store
from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.cache.store import Store

system_app = typer.Typer(help="Manage the store.", no_args_is_help=True)
DF_HEADERS = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
              "Reclaimable": "RECLAIMABLE"}
_DF_TABLE = ("table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}"
             "\t{{.Reclaimable}}")
DF_IMAGE_HEADERS = {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID",
                    "CreatedSince": "CREATED", "Size": "SIZE", "SharedSize": "SHARED SIZE",
                    "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS"}
DF_CACHE_HEADERS = {"ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE",
                    "CreatedSince": "CREATED", "LastUsedSince": "LAST USED",
                    "UsageCount": "USAGE", "Shared": "SHARED"}


def register(app: typer.Typer) -> None:
    system_app.command("df")(df_command)
    system_app.command("prune")(prune_command)
    system_app.command("check")(check_command)
    app.add_typer(system_app, name="system")


class Row(msgspec.Struct, frozen=True):
    """One `system df` row, in bytes; `percent` adds docker's `(N%)` to RECLAIMABLE."""

    kind: str
    total: int
    active: int
    size: int
    reclaimable: int
    percent: bool = True

    def fields(self) -> dict[str, str]:
        share = f" ({self.reclaimable * 100 // self.size}%)" if self.percent and self.size \
            else ""
        return {"Type": self.kind, "TotalCount": str(self.total), "Active": str(self.active),
                "Size": human_size(self.size),
                "Reclaimable": human_size(self.reclaimable) + share}


def containers_by_image(store: Store) -> dict[str, int]:
    """How many containers each image ID has (an image with one is ACTIVE)."""
    from dfc.commands.images import image_users_of

    return {image: len(users) for image, users in image_users_of(store).items()}


def images_row(store: Store) -> Row:
    from dfc.runtime.images.usage import image_usage, images_total

    total = images_total(image_usage(store, containers_by_image(store)))
    return Row("Images", total.total, total.active, total.size, total.reclaimable)


def containers_row(store: Store) -> Row:
    """The containers' writable layers; those not running are reclaimable."""
    from dfc.runtime.containers.store import ContainerStore
    from dfc.runtime.containers.usage import container_usage

    found = container_usage(ContainerStore(store.root))
    return Row("Containers", found.total, found.active, found.size, found.reclaimable)


def volumes_row(store: Store) -> Row:
    """Sizes of the volumes' files; those no container uses are reclaimable."""
    from dfc.runtime.containers.volume_removal import usage

    found = usage(store.root)
    return Row("Local Volumes", found.total, found.active, found.size, found.reclaimable)


def build_cache_row(store: Store) -> Row:
    from dfc.commands.builder import cache_usage

    cache = cache_usage(store)
    return Row("Build Cache", cache.records, 0, cache.size, cache.reclaimable, percent=False)


def usage_rows() -> list[Callable[[Store], Row]]:
    """`system df`'s rows in docker's order: Images, Containers, Local Volumes, Build
    Cache (the Containers and Local Volumes rows come with those objects)."""
    return [images_row, containers_row, volumes_row, build_cache_row]


def df_command(
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show detailed "
                                          "information on space usage.")] = False,
    fmt: FormatOpt = None,
    root: RootOpt = None,
) -> None:
    """Show disk usage: images (as `images` sizes them, shared layers once) and the
    build cache (what `builder prune` can reclaim)."""
    store = open_store(root)
    if verbose:
        typer.echo(verbose_usage(store), nl=False)
        return
    rows = [row(store).fields() for row in usage_rows()]
    template = Template(chosen_format(fmt, _DF_TABLE), list(DF_HEADERS))
    typer.echo(template.render(rows, DF_HEADERS), nl=False)


def verbose_usage(store: Store) -> str:
    """`system df -v`: the images with their sharing, then the build cache's items."""
    from datetime import UTC, datetime

    from dfc.commands.builder import cache_usage
    from dfc.reference import split_name
    from dfc.runtime.images.usage import image_usage

    image_rows = []
    for item in image_usage(store, containers_by_image(store)):
        pairs = [split_name(n) for n in item.view.record.names] or [("<none>", "<none>")]
        image_rows += [{
            "Repository": repo, "Tag": tag, "ID": item.view.id.removeprefix("sha256:")[:12],
            "CreatedSince": since(item.view.created), "Size": human_size(item.view.size, 3),
            "SharedSize": human_size(item.shared), "UniqueSize": human_size(item.unique),
            "Containers": str(item.containers)} for repo, tag in pairs]
    cache = cache_usage(store)

    def ago(when: float) -> str:
        return since(datetime.fromtimestamp(when, UTC))

    cache_rows = [{"ID": item.id, "CacheType": "regular" if "/" not in item.id and " " not in
                   item.id else "internal", "Size": human_size(item.size),
                   "CreatedSince": ago(item.last_used), "LastUsedSince": ago(item.last_used),
                   "UsageCount": "1", "Shared": str(not item.reclaimable).lower()}
                  for item in cache.items]
    images = Template("table " + "\t".join(f"{{{{.{k}}}}}" for k in DF_IMAGE_HEADERS),
                      list(DF_IMAGE_HEADERS)).render(image_rows, DF_IMAGE_HEADERS)
    caches = Template("table " + "\t".join(f"{{{{.{k}}}}}" for k in DF_CACHE_HEADERS),
                      list(DF_CACHE_HEADERS)).render(cache_rows, DF_CACHE_HEADERS)
    return (f"Images space usage:\n\n{images}\n"
            f"Build cache usage: {human_size(cache.size)}\n\n{caches}")


class PruneStep(msgspec.Struct, frozen=True):
    """One kind of object `system prune` removes: docker's warning line, and the step
    (store, --all, --volumes) -> its output lines and the bytes it freed."""

    warning: str
    all_warning: str
    run: Callable[[Store, bool, bool], tuple[list[str], int]]
    only_with_volumes: bool = False
    """A step of `--volumes` only."""


def prune_images_step(store: Store, everything: bool, volumes: bool) -> tuple[list[str], int]:
    from dfc.runtime.images.remove import prune_images

    del volumes
    removal = prune_images(store, everything=everything)
    lines = [f"untagged: {name}" for name in removal.untagged]
    lines += [f"deleted: {digest}" for digest in removal.deleted]
    return (["Deleted Images:", *lines, ""] if lines else []), removal.reclaimed


def prune_containers_step(store: Store, everything: bool, volumes: bool
                          ) -> tuple[list[str], int]:
    from dfc.commands.container_manage import prune_stopped

    del everything, volumes
    deleted, reclaimed = prune_stopped(store)
    return (["Deleted Containers:", *deleted, ""] if deleted else []), reclaimed


def prune_volumes_step(store: Store, everything: bool, volumes: bool
                       ) -> tuple[list[str], int]:
    """Anonymous volumes no container uses (today's docker: `-a` does not widen it)."""
    from dfc.runtime.containers.volume_removal import prune

    del everything, volumes
    pruned = prune(store.root, everything=False)
    return (["Deleted Volumes:", *pruned.names, ""] if pruned.names else []), pruned.reclaimed


def prune_cache_step(store: Store, everything: bool, volumes: bool) -> tuple[list[str], int]:
    from dfc.cache.gc import prune
    from dfc.runtime.containers.store import ContainerStore

    del volumes
    report = prune(store, all_records=everything,
                   in_use=ContainerStore(store.root).image_manifests())
    lines = [key.removeprefix("sha256:")[:25] for key in report.records]
    return (["Deleted build cache objects:", *lines, ""] if lines else []), report.reclaimed


def prune_steps() -> list[PruneStep]:
    """`system prune`'s steps in docker's order: containers, networks, volumes (with
    --volumes), images, build cache. Stopped containers and volumes are pruned by their
    own commands' functions: their branches add a PruneStep before the images'."""
    return [
        PruneStep("all stopped containers", "all stopped containers", prune_containers_step),
        PruneStep("all anonymous volumes not used by at least one container",
                  "all anonymous volumes not used by at least one container",
                  prune_volumes_step, only_with_volumes=True),
        PruneStep("all dangling images",
                  "all images without at least one container associated to them",
                  prune_images_step),
        PruneStep("unused build cache", "all build cache", prune_cache_step),
    ]


def prune_command(
    all_: Annotated[bool, typer.Option("-a", "--all", help="Remove all unused images not "
                                       "just dangling ones.")] = False,
    volumes: Annotated[bool, typer.Option("--volumes", help="Prune anonymous volumes.")]
    = False,
    force: Annotated[bool, typer.Option("-f", "--force", help="Do not prompt for "
                                        "confirmation.")] = False,
    root: RootOpt = None,
) -> None:
    """Remove unused data: dangling images (all unused ones with -a) and build cache."""
    from dfc.commands.prompt import confirmed

    steps = [step for step in prune_steps() if volumes or not step.only_with_volumes]
    if not force:
        warning = "".join(f"  - {step.all_warning if all_ else step.warning}\n"
                        for step in steps)
        if not confirmed(f"WARNING! This will remove:\n{warning}\n"
                         "Are you sure you want to continue?"):
            return
    store = open_store(root)
    reclaimed = 0
    for step in steps:
        lines, freed = step.run(store, all_, volumes)
        reclaimed += freed
        for line in lines:
            typer.echo(line)
    typer.echo(f"Total reclaimed space: {human_size(reclaimed)}")


def check_command(root: RootOpt = None) -> None:
    """Re-hash every blob and look for blobs the images need but the store lacks; list
    the platforms this machine runs."""
    report = open_store(root).check()
    for digest in report.corrupt:
        typer.echo(f"corrupt: {digest}")
    for digest in report.missing:
        typer.echo(f"missing: {digest}")
    if not report.ok:
        raise DfcError(f"store check failed: {len(report.corrupt)} corrupt, "
                       f"{len(report.missing)} missing of {report.checked} blobs")
    typer.echo(f"ok: {report.checked} blobs checked")
    from dfc.runtime.emulation.binfmt import runnable

    # What builds and containers can run here, as `docker buildx inspect` lists it: native
    # and registered QEMU handlers; then what dfc would register (qemu-user-static found).
    found = runnable()
    typer.echo("Platforms: " + ", ".join(str(p) for p, how in found if how != "emulable"))
    emulable = [str(p) for p, how in found if how == "emulable"]
    if emulable:
        typer.echo("Emulable (registered when a build needs it): " + ", ".join(emulable))

