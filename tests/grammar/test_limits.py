"""The 65535-byte line limit (too large for a golden file: the excerpt repeats the line)."""

from __future__ import annotations

import pytest

from dfc.errors import ParseError
from dfc.grammar.parser import parse_dockerfile

LIMIT = "dockerfile line greater than max allowed size of 65535"


def test_a_line_of_65535_bytes_is_accepted() -> None:
    tree = parse_dockerfile("FROM x\nRUN " + "a" * (65535 - 4) + "\n")
    assert len(tree.instructions) == 2


def test_the_limit_counts_utf8_bytes_not_characters() -> None:
    with pytest.raises(ParseError) as info:
        parse_dockerfile("FROM x\nRUN " + "é" * 40_000 + "\n")
    assert (info.value.message, info.value.span.line) == (LIMIT, 2)


def test_heredoc_body_lines_are_limited_too() -> None:
    with pytest.raises(ParseError) as info:
        parse_dockerfile("FROM x\nRUN <<EOF\nok\n" + "b" * 70_000 + "\nEOF\n")
    assert (info.value.message, info.value.span.line) == (LIMIT, 4)
