"""Images from outside a build: `docker import` of a root filesystem tarball.

Like Docker, the tarball is unpacked and the layer is made again from the tree, so the
layer follows dfc's tar rules whatever tool wrote the input (`./` prefixes, order, user
names); gzip, bzip2, xz or plain input is told apart by content.

`--change` lines are Dockerfile instructions: they are parsed and lowered by the
compiler itself (same parsing, same variable expansion as in a build), starting from an
empty config, so an import gains no default PATH or working directory.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import msgspec

from dfc.cache.oci import Descriptor
from dfc.cache.store import Store
from dfc.compiler import ir
from dfc.compiler.builder import StageBuilder
from dfc.compiler.checks import parse_checked
from dfc.compiler.context import CompileContext
from dfc.compiler.located import located
from dfc.compiler.lower import lower, lower_instruction
from dfc.compiler.scope import Scope
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.platform import Platform, host_platform
from dfc.runtime.fetch import download
from dfc.runtime.fs.layer import write_tree
from dfc.runtime.fs.snapshots import extract_layer
from dfc.runtime.images.config import (
    ContainerConfig,
    History,
    ImageConfig,
    RootFS,
    rfc3339,
    write_image,
)
from dfc.runtime.images.convert import to_image

CHANGE_INSTRUCTIONS: tuple[type[ast.Instruction], ...] = (
    ast.Cmd, ast.Entrypoint, ast.Env, ast.Expose, ast.Healthcheck, ast.Label, ast.Onbuild,
    ast.Shell, ast.StopSignal, ast.User, ast.Volume, ast.Workdir,
)


class Imported(msgspec.Struct, frozen=True):
    """The new image: manifest, image ID (config digest) and its name if it was tagged."""

    manifest: Descriptor
    config: str
    name: str | None


def import_rootfs(store: Store, source: Path | BinaryIO, ref: str | None = None, *,
                  changes: ContainerConfig | None = None, message: str = "",
                  epoch: int | None = None, platform: Platform | None = None) -> Imported:
    """A one-layer image of `platform` (the host's by default) from a rootfs tarball.

    `changes` is the container config to give it (what `--change` lines compile to);
    `message` the history comment (Docker's default: "Imported from SOURCE"); `epoch`
    (SOURCE_DATE_EPOCH) fixes `created` and clamps mtimes, for reproducible imports."""
    tree = Path(tempfile.mkdtemp(prefix="import-", dir=store.root / "ingest"))
    try:
        if isinstance(source, Path):
            with open(source, "rb") as f:
                extract_layer(f, tree, mode="apply")
        else:
            extract_layer(source, tree, mode="apply")
        layer = write_tree(store, str(tree), epoch=epoch)
    finally:
        shutil.rmtree(tree)
    created = rfc3339(epoch if epoch is not None else time.time())
    origin = str(source) if isinstance(source, Path) else "-"
    host = platform or host_platform()
    config = ImageConfig(
        architecture=host.architecture, os=host.os, variant=host.variant, created=created,
        config=changes or ContainerConfig(),
        rootfs=RootFS(diff_ids=(layer.diff_id,) if layer else ()),
        history=(History(created=created, comment=message or f"Imported from {origin}",
                         empty_layer=layer is None),),
    )
    image = write_image(store, config, [layer.descriptor] if layer else [])
    name = store.tag(ref, image.manifest) if ref else None
    if name is None:
        store.add(image.manifest)
    return Imported(manifest=image.manifest, config=image.config.digest, name=name)


def change_config(changes: Sequence[str]) -> ContainerConfig:
    """The container config that `--change` lines give an imported image, in order."""
    instructions: list[ast.Instruction] = []
    dockerfile: ast.Dockerfile | None = None
    for line in changes:
        dockerfile = parse_checked("FROM scratch\n" + line + "\n", "--change")
        for instruction in dockerfile.instructions[1:]:
            if not isinstance(instruction, CHANGE_INSTRUCTIONS):
                raise DfcError(f"{instruction.keyword.lower()} is not a valid change command")
            instructions.append(instruction)
    if dockerfile is None:
        return ContainerConfig()
    whole = msgspec.structs.replace(
        dockerfile, instructions=(dockerfile.instructions[0], *instructions))
    plan = lower(whole, CompileContext())
    stage = plan.stages[0]
    builder = StageBuilder(plan, stage, {}, Scope({}), ir.ImageConfig())
    for instruction in stage.instructions:
        with located(instruction.span):
            lower_instruction(instruction, builder)
    return to_image(builder.config)


def import_source(store: Store, source: str, ref: str | None = None, *,
                  changes: Sequence[str] = (), message: str = "",
                  stdin: BinaryIO | None = None, platform: Platform | None = None
                  ) -> Imported:
    """`docker import SOURCE`: a file, `-` (stdin) or an http(s) URL, as an image of
    `platform` (`--platform`; this machine's by default)."""
    config = change_config(changes)
    if source == "-":
        if stdin is None:
            raise DfcError("no standard input to import from")
        return import_rootfs(store, stdin, ref, changes=config, message=message,
                             platform=platform)
    if source.startswith(("http://", "https://")):
        folder = tempfile.mkdtemp(prefix="fetch-", dir=store.root / "ingest")
        try:
            name = download(source, folder, "")
            return import_rootfs(store, Path(folder) / name, ref, changes=config,
                                 message=message or f"Imported from {source}",
                                 platform=platform)
        finally:
            shutil.rmtree(folder)
    path = Path(source)
    if not path.is_file():
        raise DfcError(f"open {source}: no such file or directory")
    return import_rootfs(store, path, ref, changes=config, message=message,
                         platform=platform)
