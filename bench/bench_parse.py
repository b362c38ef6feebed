"""Parser throughput over bench/corpus: dfc's full typed AST against dockerfile-parse's
`structure` (a flat list of instructions, no flag or argument typing) as the peer.

Run: `.venv/bin/pytest bench/bench_parse.py --benchmark-only`. Each benchmark records its
throughput in lines per second in `extra_info` (shown with `--benchmark-json`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from dfc.grammar.parser import parse_dockerfile

CORPUS = [p.read_text() for p in sorted((Path(__file__).parent / "corpus").glob("*"))]
LINES = sum(text.count("\n") for text in CORPUS)


def dfc_all() -> int:
    return sum(len(parse_dockerfile(text).instructions) for text in CORPUS)


def peer_all() -> int:
    total = 0
    for text in CORPUS:
        parser = DockerfileParser(fileobj=io.BytesIO(text.encode()))
        total += len(parser.structure)
    return total


def _record(benchmark: Any) -> None:
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["lines"] = LINES
    benchmark.extra_info["lines_per_second"] = round(LINES / mean)


@pytest.mark.benchmark(group="parse-corpus")
def bench_dfc_parse(benchmark: Any) -> None:
    assert benchmark(dfc_all) > 0
    _record(benchmark)


@pytest.mark.benchmark(group="parse-corpus")
def bench_dockerfile_parse_peer(benchmark: Any) -> None:
    assert benchmark(peer_all) > 0
    _record(benchmark)
