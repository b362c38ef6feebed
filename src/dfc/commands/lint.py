"""`dfc lint`: lint Dockerfiles with the whole build in view.

This module wires the lint engine (compiler/lint) to what only the top layer may
touch: the image store (base-image configs and files for base-aware rules), the
`.dockerignore` matcher of the build context, files on disk and exit codes.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.errors import DfcError, UsageError

if TYPE_CHECKING:
    from dfc.cache.store import Store
    from dfc.compiler.ir import ImageConfig
    from dfc.compiler.lint.config import Overrides
    from dfc.compiler.lint.engine import FileInput, FileReport
    from dfc.compiler.lint.images import ImageLookup
    from dfc.compiler.lint.rule import Surroundings
    from dfc.runtime.fs.rootview import RootView


class Format(StrEnum):
    tty = "tty"
    json = "json"
    sarif = "sarif"
    github = "github"
    checkstyle = "checkstyle"
    gnu = "gnu"


class Threshold(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    style = "style"
    none = "none"


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)


class StoreImage:
    """A base image in the store, as lint's `BaseImage`: config now, files on demand
    (its layers are unpacked into snapshots only when a rule reads a file)."""

    def __init__(self, store: Store, name: str) -> None:
        from dfc.build import read_image
        from dfc.runtime.images.convert import to_compiler

        self.store = store
        self.name = name
        self.stored = read_image(store, name)
        self.config: ImageConfig = to_compiler(self.stored.config, self.stored.author)
        variant = f"/{self.stored.variant}" if self.stored.variant else ""
        self.platform = f"{self.stored.os}/{self.stored.architecture}{variant}"

    @cached_property
    def view(self) -> RootView:
        from dfc.cache.oci import Manifest
        from dfc.runtime.fs.rootview import RootView
        from dfc.runtime.fs.snapshots import snapshot_dirs

        record = self.store.resolve(self.name)
        manifest = self.store.read_json(record.manifest.digest, Manifest)
        dirs = snapshot_dirs(self.store, manifest.layers, self.stored.rootfs.diff_ids)
        return RootView(list(reversed(dirs)))

    def read_text(self, path: str) -> str | None:
        return self.view.read_text(path)

    def exists(self, path: str) -> bool:
        return self.view.locate(self.view.resolve(path)) is not None


def image_lookup(root: Path | None) -> ImageLookup | None:
    """Base images from the store at `root` (or the default one if it exists); None when
    there is no store: then every base image is "unknown"."""
    from dfc.cache.store import Store, default_root

    folder = root or default_root()
    if not (folder / "index.json").is_file():
        return None
    store = Store(folder)
    cache: dict[str, StoreImage | None] = {}

    def lookup(name: str) -> StoreImage | None:
        if name not in cache:
            try:
                cache[name] = StoreImage(store, name)
            except DfcError:
                cache[name] = None
        return cache[name]

    return lookup


def surroundings(dockerfile: Path | None, context: Path | None,
                 images: ImageLookup | None) -> Surroundings:
    """The build context of a Dockerfile (its folder unless --context) and its
    `.dockerignore` (`<Dockerfile>.dockerignore` first, as BuildKit does)."""
    from dfc.cache.patterns import IgnoreMatcher, read_ignore_file
    from dfc.compiler.lint.rule import Surroundings

    folder = context or (dockerfile.parent if dockerfile is not None else None)
    if folder is None:
        return Surroundings(images=images)
    candidates = [folder / ".dockerignore"]
    if dockerfile is not None:
        candidates.insert(0, dockerfile.with_name(dockerfile.name + ".dockerignore"))
    matcher = None
    for candidate in candidates:
        if candidate.is_file():
            try:
                matcher = IgnoreMatcher.from_lines(read_ignore_file(candidate.read_text()))
            except DfcError as exc:
                raise UsageError(f"{candidate}: {exc.message}") from None
            break
    return Surroundings(context=folder, ignored=matcher.excluded if matcher else None,
                        ignore_has_exceptions=bool(matcher and matcher.has_exceptions),
                        images=images)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


def explain(code: str) -> str:
    from dfc.compiler.lint.codes import by_code, resolve

    found = sorted(resolve(code))
    if not found:
        raise UsageError(f"unknown lint rule {code!r}")
    parts = []
    for name in found:
        info = by_code(name)
        if info is None:
            parts.append(f"{name}: a ShellCheck check, run on shell-form RUN and heredoc "
                         f"scripts.\nSee https://www.shellcheck.net/wiki/{name}\n")
            continue
        aliases = f" (aliases: {', '.join(info.aliases)})" if info.aliases else ""
        traits = [f"severity {info.severity.value}",
                  "fixable" if info.fixable else "not fixable",
                  "on by default" if info.enabled else "off by default (select it)"]
        parts.append(f"{info.code} {info.name}{aliases}\n{', '.join(traits)}\n\n"
                     f"{info.doc.strip()}\n")
    return "\n".join(parts)


def _inputs(paths: list[str], config: Path | None, overrides: Overrides, context: Path | None,
            images: ImageLookup | None) -> list[FileInput]:
    from dfc.compiler.lint.config import find_config, options, read_config
    from dfc.compiler.lint.discover import discover
    from dfc.compiler.lint.engine import FileInput

    fixed = read_config(config) if config is not None else None
    find_config.cache_clear()  # configs may have changed since an earlier call in-process
    items = []
    for raw in paths:
        if raw == "-":
            text = sys.stdin.read()
            conf = fixed or find_config(Path.cwd().resolve())
            items.append(FileInput("-", text, options(conf, overrides),
                                   surroundings(None, context, images)))
            continue
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        files = list(discover(path)) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_bytes().decode("utf-8", "replace")
            except OSError as exc:
                raise UsageError(f"cannot read {file}: {exc.strerror}") from None
            conf = fixed or find_config(file.parent.resolve())
            items.append(FileInput(str(file), text, options(conf, overrides),
                                   surroundings(file, context, images)))
    return items


def _fixed(item: FileInput) -> tuple[str, int]:
    """The text with every safe fix applied (a few rounds: fixes that overlapped one
    already applied get their turn once it is in), and how many were applied."""
    import msgspec

    from dfc.compiler.lint.engine import lint_files
    from dfc.compiler.lint.fixes import apply_edits

    text, total = item.text, 0
    for _ in range(4):
        report = lint_files([msgspec.structs.replace(item, text=text)])[0]
        edits = [e for f in report.findings if f.fix is not None for e in f.fix.edits]
        if not edits:
            break
        text, applied = apply_edits(text, edits)
        total += applied
    return text, total


def lint_command(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Dockerfiles or folders to search (default: .), - for stdin.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.tty,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Only these rules (codes, names, DL/BuildKit aliases, SC codes, "
        "ALL); repeatable or comma-separated.")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", help="Skip these rules; repeatable or comma-separated.")] = None,
    threshold: Annotated[Threshold | None, typer.Option(
        "--failure-threshold", "-t", help="Lowest severity that fails (exit 1).")] = None,
    explain_code: Annotated[str | None, typer.Option(
        "--explain", help="Print the documentation of a rule and exit.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes in place.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the safe fixes as a diff; "
                                        "change nothing.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", help="Config file (.dfc.toml, pyproject.toml or .hadolint.yaml); "
        "default: found by walking up from each Dockerfile.")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Stage the build targets.")]
    = None,
    build_arg: Annotated[list[str] | None, typer.Option(
        "--build-arg", help="K=V build argument, as the build would get it.")] = None,
    context: Annotated[Path | None, typer.Option(
        "--context", help="Build context folder (default: the Dockerfile's folder).")] = None,
    root: Annotated[Path | None, typer.Option(
        "--root", envvar="DFC_ROOT", help="Image store for base-image-aware rules.")] = None,
    no_shellcheck: Annotated[bool, typer.Option(
        "--no-shellcheck", help="Skip the ShellCheck pass.")] = False,
) -> None:
    """Lint Dockerfiles: hadolint's and BuildKit's checks, ShellCheck on every RUN, and
    whole-build analysis (stages, ARG scope, secrets, cache order, base images)."""
    from dfc.commands.options import parse_key_values
    from dfc.compiler.lint.config import Overrides
    from dfc.compiler.lint.engine import lint_files
    from dfc.compiler.lint.fixes import unified_diff
    from dfc.compiler.lint.formats import FORMATS, tty

    if explain_code is not None:
        typer.echo(explain(explain_code), nl=False)
        return
    overrides = Overrides(select=_split(select), ignore=_split(ignore),
                          threshold=threshold.value if threshold else None, target=target,
                          build_args=parse_key_values(build_arg or [], "--build-arg"),
                          shellcheck=not no_shellcheck)
    items = _inputs(paths or ["."], config, overrides, context, image_lookup(root))
    if fix or diff:
        import msgspec

        changed = []
        for index, item in enumerate(items):
            text, count = _fixed(item)
            if count and diff:
                typer.echo(unified_diff(item.name, item.text, text), nl=False)
            if count and fix:
                if item.name == "-":
                    typer.echo(text, nl=False)
                else:
                    Path(item.name).write_text(text)
                    typer.echo(f"fixed {count} problem{'s' if count != 1 else ''} in "
                               f"{item.name}", err=True)
            changed.append(msgspec.structs.replace(item, text=text) if fix else item)
            items[index] = changed[-1]
        if diff:
            return
    reports: list[FileReport] = lint_files(items, lambda note: typer.echo(note, err=True))
    if fmt is Format.tty:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        typer.echo(tty(reports, color), nl=False)
    else:
        typer.echo(FORMATS[fmt.value](reports), nl=False)
    if any(report.failed() for report in reports):
        sys.exit(1)  # findings at or above the threshold: not an error, a result
