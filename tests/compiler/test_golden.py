"""Golden files: Dockerfile text in, `dfc compile` / `dfc graph` / per-pass output out.

Options for a fixture are written in its own comments: `# dfc: --build-arg K=V
--target T --platform P`. Base images come from `tests/fixtures/compile/images.json`
(a fake registry: name -> image config). Run with DFC_UPDATE_GOLDEN=1 to rewrite the
expected files, then review the diff.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import msgspec
import pytest

from dfc.commands.plan_dump import dump_json, dump_text
from dfc.compiler.context import CompileContext
from dfc.compiler.graph import to_dot, to_json, to_mermaid
from dfc.compiler.ir import ImageConfig, ImageRef
from dfc.compiler.pipeline import PASSES, compile_text
from dfc.errors import DfcError
from dfc.source import Source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UPDATE = os.environ.get("DFC_UPDATE_GOLDEN") == "1"
IMAGES = msgspec.json.decode(
    (FIXTURES / "compile" / "images.json").read_bytes(), type=dict[str, ImageConfig]
)


def resolve(ref: ImageRef) -> ImageConfig | None:
    return IMAGES.get(ref.name)


def context_of(text: str, resolver: bool = True) -> CompileContext:
    """The CompileContext a fixture asks for in its `# dfc:` comments."""
    words: list[str] = []
    for line in text.splitlines():
        if line.startswith("# dfc:"):
            words += shlex.split(line.removeprefix("# dfc:"))
    args: dict[str, str] = {}
    options: dict[str, str] = {}
    for flag, value in zip(words[::2], words[1::2], strict=True):
        if flag == "--build-arg":
            key, _, val = value.partition("=")
            args[key] = val
        else:
            options[flag.removeprefix("--").replace("-", "_")] = value
    return CompileContext(
        build_args=args,
        target=options.get("target"),
        platform=options.get("platform"),
        build_platform=options.get("build_platform", "linux/amd64"),
        resolver=resolve if resolver else None,
    )


def check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual)
    assert path.exists(), f"missing golden file {path.name} (run with DFC_UPDATE_GOLDEN=1)"
    assert actual == path.read_text()


def compiled(text: str, name: str, resolver: bool = True, passes=PASSES) -> tuple[str, object]:
    """("ok", plan) or ("error", rendered error)."""
    try:
        return "ok", compile_text(text, context_of(text, resolver), name, passes)
    except DfcError as exc:
        return "error", exc.render() + "\n"


COMPILE = sorted((FIXTURES / "compile").glob("*.Dockerfile"))


@pytest.mark.parametrize("path", COMPILE, ids=[p.stem for p in COMPILE])
def test_compile(path: Path) -> None:
    text = path.read_text()
    status, result = compiled(text, path.name)
    if status == "error":
        check(path.with_suffix(".err"), str(result))
        return
    check(path.with_suffix(".txt"), dump_text(result, Source(path.name, text)))
    if path.with_suffix(".json").exists() or "# golden: json" in text:
        check(path.with_suffix(".json"), dump_json(result))


GRAPH = sorted((FIXTURES / "graph").glob("*.Dockerfile"))


@pytest.mark.parametrize("path", GRAPH, ids=[p.stem for p in GRAPH])
def test_graph(path: Path) -> None:
    text = path.read_text()
    status, plan = compiled(text, path.name, resolver=False)
    assert status == "ok", plan
    source = Source(path.name, text)
    dot = to_dot(plan, source, prune="# graph: prune" in text)
    check(path.with_suffix(".dot"), dot)
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True)
    assert "<svg" in svg.stdout
    check(path.with_suffix(".mmd"), to_mermaid(plan, source))
    check(path.with_suffix(".graph.json"), to_json(plan, source))


PASS_FILES = sorted((FIXTURES / "passes").glob("*.txt"))


def _cases(text: str) -> list[tuple[str, str]]:
    cases = []
    for block in text.split("\n===\n"):
        if block.strip():
            source, _, expected = block.partition("\n---\n")
            cases.append((source.strip("\n") + "\n", expected))
    return cases


@pytest.mark.parametrize("path", PASS_FILES, ids=[p.stem for p in PASS_FILES])
def test_pass(path: Path) -> None:
    """Each case runs the pipeline up to and including the pass the file is named
    after, and prints the plan."""
    names = [p.__name__ for p in PASSES]
    upto = PASSES[: names.index(path.stem) + 1]
    blocks = []
    for source, _ in _cases(path.read_text()):
        status, result = compiled(source, "Dockerfile", passes=upto)
        out = result if status == "error" else dump_text(result, Source("Dockerfile", source))
        blocks.append(f"{source}---\n{out}")
    actual = "\n===\n".join(blocks)
    expected = path.read_text()
    if UPDATE:
        path.write_text(actual)
        expected = actual
    assert actual == expected
