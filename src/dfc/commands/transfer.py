"""`dfc save`, `dfc load`, `dfc import`: images in and out of the store as files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from dfc.commands.options import RootOpt, open_store
from dfc.errors import DfcError


def register(app: typer.Typer) -> None:
    app.command("save")(save_command)
    app.command("load")(load_command)
    app.command("import")(import_command)


def save_command(
    images: Annotated[list[str], typer.Argument(help="Images to save.")],
    output: Annotated[str | None, typer.Option("-o", "--output", help="Write to a file "
                                               "(- or nothing: standard output).")] = None,
    root: RootOpt = None,
) -> None:
    """Save images to a tar that `docker load` reads and that is also an OCI layout."""
    from dfc.runtime.images.export import save_images

    store = open_store(root)
    if output in (None, "-"):
        if sys.stdout.isatty():
            raise DfcError("cowardly refusing to save to a terminal. Use the -o flag or "
                           "redirect")
        save_images(store, images, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        save_images(store, images, Path(output))


def load_command(
    input_: Annotated[str, typer.Option("-i", "--input", help="Read from a tar archive "
                                        "(- : standard input).")] = "-",
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Suppress the load "
                                        "output.")] = False,
    root: RootOpt = None,
) -> None:
    """Load images from a docker-archive or an OCI archive (gzip or not)."""
    from dfc.reference import familiar
    from dfc.runtime.images.load import load_archive, load_file

    store = open_store(root)
    loaded = load_archive(store, sys.stdin.buffer) if input_ == "-" else load_file(store, input_)
    if quiet:
        return
    for image in loaded:
        for name in image.names:
            typer.echo(f"Loaded image: {familiar(name)}")
        if not image.names:
            typer.echo(f"Loaded image ID: {image.image_id}")


def import_command(
    source: Annotated[str, typer.Argument(help="Rootfs tarball: file, URL or - (stdin).")],
    reference: Annotated[str | None, typer.Argument(help="REPOSITORY[:TAG]")] = None,
    change: Annotated[list[str] | None, typer.Option("-c", "--change", help="Apply a "
                                                     "Dockerfile instruction.")] = None,
    message: Annotated[str, typer.Option("-m", "--message", help="Commit message.")] = "",
    platform: Annotated[str | None, typer.Option(
        "--platform", help="Set platform if server is multi-platform capable")] = None,
    root: RootOpt = None,
) -> None:
    """Import a root filesystem tarball as an image; prints its ID."""
    from dfc.platform import parse_platform
    from dfc.runtime.images.importer import import_source

    imported = import_source(open_store(root), source, reference, changes=change or (),
                             message=message, stdin=sys.stdin.buffer,
                             platform=parse_platform(platform) if platform else None)
    typer.echo(imported.config)
