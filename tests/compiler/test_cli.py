"""`dfc compile` and `dfc graph` through the real entry point (exit codes, streams)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DOCKERFILE = """\
ARG BASE=alpine
FROM $BASE AS build
ARG V=0
RUN echo $V > /v
FROM build AS unused
FROM scratch
COPY --from=build /v /v
"""


def dfc(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from dfc.cli import main; main()", *args],
        input=stdin, capture_output=True, text=True,
    )


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


def test_compile_text(dockerfile: Path) -> None:
    result = dfc("compile", "-f", str(dockerfile), "--build-arg", "V=7",
                 "--build-arg", "BASE=debian", "--platform", "linux/arm64")
    assert result.returncode == 0, result.stderr
    assert "stage 0 build: FROM debian (linux/arm64)" in result.stdout
    assert "RUN |1 V=7 /bin/sh -c echo $V > /v # buildkit" in result.stdout
    assert "unused: FROM build (linux/arm64, pruned)" in result.stdout


@pytest.mark.slow
def test_compile_json_from_stdin() -> None:
    result = dfc("compile", "-", "--format", "json", "--target", "BUILD", stdin=DOCKERFILE)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["target"] == 0
    assert plan["stages"][0]["steps"][1]["argv"] == ["/bin/sh", "-c", "echo $V > /v"]


def test_compile_error_is_rendered_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine\nCOPY --from=5 / /\n")
    result = dfc("compile", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:2:1: error: invalid stage index 5\n")
    assert "2 | COPY --from=5 / /" in result.stderr


def test_unknown_target_and_bad_platform(dockerfile: Path) -> None:
    result = dfc("compile", str(dockerfile), "--target", "nope")
    assert result.returncode == 1
    assert 'target stage "nope" could not be found' in result.stderr
    result = dfc("compile", str(dockerfile), "--platform", "plan10/z80")
    assert result.returncode == 1
    assert "failed to parse platform plan10/z80" in result.stderr


@pytest.mark.slow
def test_graph_formats(dockerfile: Path) -> None:
    dot = dfc("graph", "-f", str(dockerfile), "--dot")
    assert dot.returncode == 0, dot.stderr
    svg = subprocess.run(["dot", "-Tsvg"], input=dot.stdout, capture_output=True, text=True)
    assert svg.returncode == 0 and "<svg" in svg.stdout
    assert "cluster_s1" in dot.stdout and "fontcolor=grey" in dot.stdout
    pruned = dfc("graph", "-f", str(dockerfile), "--prune")
    assert "cluster_s1" not in pruned.stdout
    data = json.loads(dfc("graph", "-f", str(dockerfile), "--format", "json").stdout)
    assert data["generations"] == [[0], [2]]
    mermaid = dfc("graph", "-f", str(dockerfile), "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart TD\n")
