"""Robustness: any input either parses or raises ParseError, and every span it reports
points inside the file. Inputs: arbitrary text and bytes, text assembled from
Dockerfile-ish fragments, and mutated Dockerfiles from the benchmark corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.parser import parse_dockerfile
from dfc.source import Span

# slow: every fuzzer parses hundreds of generated Dockerfiles
pytestmark = pytest.mark.slow

CORPUS = sorted((Path(__file__).resolve().parents[2] / "bench" / "corpus").glob("*"))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = [
    "FROM ", "RUN ", "CMD ", "ENTRYPOINT ", "SHELL ", "COPY ", "ADD ", "ENV ", "LABEL ",
    "ARG ", "EXPOSE ", "VOLUME ", "USER ", "WORKDIR ", "STOPSIGNAL ", "HEALTHCHECK ",
    "MAINTAINER ", "ONBUILD ", "run ", "NONE", "CMD", " AS ", "alpine", "x", "a=b", "=",
    "--from=", "--mount=type=cache,target=/x", "--mount=", "--network=", "--link",
    "--chmod=", "--interval=", "--retries=", "-- ", "--", "'", '"', "\\", "\\\\", "`", "$",
    "${A:-b}", "<<", "<<-", "<<EOF", "<<'EOF'", "3<<", "EOF", "\tEOF", "[", "]", '["a"]',
    "[1]", ",", " ", "  ", "\t", "\n", "\r\n", "#", "# escape=`\n", "# syntax=x\n",
    "# check=skip=all\n", "#!", "\ufeff", "é", "\x0b", "\x0c", "\u2028", "\x00",
]

fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)


def spans(node: object) -> Iterator[Span]:
    """Every Span in a parsed tree."""
    if isinstance(node, Span):
        yield node
    elif isinstance(node, msgspec.Struct):
        for field in node.__struct_fields__:
            yield from spans(getattr(node, field))
    elif isinstance(node, tuple | list):
        for item in node:
            yield from spans(item)


def physical_lines(data: str | bytes) -> list[str]:
    """The file's lines as spans count them: split on \\n only, BOM and CR removed."""
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    text = text.removeprefix("\ufeff")
    return [line.removesuffix("\r") for line in text.split("\n")]


def assert_inside(span: Span, lines: list[str]) -> None:
    assert 1 <= span.line <= span.end_line <= len(lines), span
    assert 1 <= span.column <= len(lines[span.line - 1]) + 1, span
    assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1, span
    if span.line == span.end_line:
        assert span.column <= span.end_column, span


def check(data: str | bytes) -> None:
    lines = physical_lines(data)
    try:
        tree = parse_dockerfile(data)
    except ParseError as exc:
        assert exc.message
        if exc.span is not None:
            assert_inside(exc.span, lines)
        exc.render()
        return
    assert isinstance(tree, ast.Dockerfile)
    for span in spans(tree):
        assert_inside(span, lines)


@FAST
@given(st.text())
def test_any_text(text: str) -> None:
    check(text)


@FAST
@given(st.binary())
def test_any_bytes(data: bytes) -> None:
    check(data)


@FAST
@given(fragment_text)
def test_dockerfile_fragments(text: str) -> None:
    check(text)


@FAST
@given(fragment_text)
def test_fragments_after_a_from(text: str) -> None:
    check("FROM alpine\n" + text)


@FAST
@given(st.sampled_from(CORPUS), st.data())
def test_mutated_corpus(path: Path, data: st.DataObject) -> None:
    text = path.read_text()
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        stop = data.draw(st.integers(start, min(len(text), start + 40)))
        insert = data.draw(st.sampled_from(["", *FRAGMENTS]))
        text = text[:start] + insert + text[stop:]
    check(text)
