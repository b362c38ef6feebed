"""`dfc manifest create|annotate|inspect|push|rm`: multi-platform lists, as
`docker manifest` makes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the commands import what they use when they run
    from dfc.cache.store import Store
    from dfc.runtime.registry.config import RegistrySettings

app = typer.Typer(name="manifest", help="Manage manifest lists (multi-platform images).",
                  no_args_is_help=True)

RootOpt = Annotated[Path | None, typer.Option("--root", envvar="DFC_ROOT", help="Store folder.")]
InsecureFlag = Annotated[bool, typer.Option(
    "--insecure", help="Allow plain HTTP to the list's registry.")]


def _settings(name: str, insecure: bool) -> RegistrySettings:
    from dfc.runtime.registry.config import load_settings
    from dfc.runtime.registry.refs import parse_reference

    return load_settings((parse_reference(name).registry,) if insecure else ())


def _store(root: Path | None) -> Store:
    from dfc.cache.store import Store

    return Store(root)


@app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="The list: NAME[:TAG].")],
    images: Annotated[list[str], typer.Argument(help="Images (already pushed) to list.")],
    amend: Annotated[bool, typer.Option("-a", "--amend", help="Add to an existing list.")]
    = False,
    oci: Annotated[bool, typer.Option("--oci", help="Write an OCI image index instead of "
                                      "a Docker manifest list.")] = False,
    insecure: InsecureFlag = False,
    root: RootOpt = None,
) -> None:
    """Create a local manifest list from images in a registry."""
    from dfc.runtime.registry.lists import create

    draft = create(_store(root), name, images, _settings(name, insecure), amend, oci)
    typer.echo(f"Created manifest list {draft.name}")


@app.command("annotate")
def annotate_command(
    name: Annotated[str, typer.Argument(help="The list.")],
    image: Annotated[str, typer.Argument(help="The image in it.")],
    os: Annotated[str | None, typer.Option("--os", help="Operating system.")] = None,
    arch: Annotated[str | None, typer.Option("--arch", help="Architecture.")] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="CPU variant.")] = None,
    os_version: Annotated[str | None, typer.Option("--os-version", help="OS version.")]
    = None,
    root: RootOpt = None,
) -> None:
    """Set the platform of an image in a local manifest list."""
    from dfc.runtime.registry.lists import annotate

    annotate(_store(root), name, image, os=os, arch=arch, variant=variant,
             os_version=os_version)


@app.command("inspect")
def inspect_command(
    name: Annotated[str, typer.Argument(help="A local list, or an image or list in a "
                                        "registry.")],
    insecure: InsecureFlag = False,
    root: RootOpt = None,
) -> None:
    """Print a manifest list or an image manifest."""
    import json

    from dfc.runtime.registry.lists import inspect

    data = inspect(_store(root), name, _settings(name, insecure))
    typer.echo(json.dumps(json.loads(data), indent=3))


@app.command("push")
def push_command(
    name: Annotated[str, typer.Argument(help="The local list.")],
    purge: Annotated[bool, typer.Option("-p", "--purge", help="Remove the local list after "
                                        "pushing.")] = False,
    insecure: InsecureFlag = False,
    root: RootOpt = None,
) -> None:
    """Push a manifest list (and its images' manifests) to its repository."""
    from dfc.registry_progress import transfers
    from dfc.runtime.registry.lists import push

    with transfers(True) as report:
        digest = push(_store(root), name, _settings(name, insecure), report, purge)
    typer.echo(digest)


@app.command("rm")
def rm_command(
    names: Annotated[list[str], typer.Argument(help="Local lists to delete.")],
    root: RootOpt = None,
) -> None:
    """Delete local manifest lists."""
    from dfc.runtime.registry.lists import remove

    store = _store(root)
    for name in names:
        remove(store, name)
