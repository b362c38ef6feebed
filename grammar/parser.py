"""The one entry point from text to AST: pre-lex, then one LALR pass with inline transform.

The Lark parser is built once per process (and its analysed grammar cached on disk by
Lark), so parsing costs only the scan of the text.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib.resources import files
from typing import cast

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, VisitError

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.flags import FLAGS_PATTERN
from dfc.grammar.lines import LogicalLine, prelex
from dfc.grammar.transformer import DockerfileTransformer
from dfc.source import Source, Span

_LOCK = threading.Lock()


@cache
def _parser() -> tuple[Lark, DockerfileTransformer]:
    grammar = files("dfc.grammar").joinpath("dockerfile.lark").read_text()
    grammar = grammar.replace("__FLAGS_PATTERN__", FLAGS_PATTERN.replace("/", "\\/"))
    transformer = DockerfileTransformer()
    parser = Lark(grammar, parser="lalr", lexer="contextual", transformer=transformer,
                  cache=True, maybe_placeholders=True)
    return parser, transformer


def decode(data: str | bytes, source: Source) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        raise ParseError("invalid UTF-8 in Dockerfile", Span(line, column, line, column + 1),
                         source) from None


def parse_dockerfile(data: str | bytes, filename: str = "Dockerfile") -> ast.Dockerfile:
    """Parse a whole Dockerfile at the layer BuildKit's parser works at: what it refuses
    is a ParseError with a location; what only its instruction layer refuses (flags,
    arity, unknown instructions, no FROM) parses, as `Dockerfile.rejected` nodes, and
    fails when compiled (dfc.compiler.checks)."""
    source = Source(filename, data if isinstance(data, str) else data.decode("utf-8", "replace"))
    try:
        return _parse(decode(data, source))
    except ParseError as exc:
        raise exc.located(exc.span, source) from None


def _parse(text: str) -> ast.Dockerfile:
    if not text:
        raise ParseError("the Dockerfile cannot be empty")
    lexed = prelex(text)
    if not lexed.lines:
        raise ParseError("file with no instructions")
    parser, transformer = _parser()
    joined = "\n".join(line.text for line in lexed.lines) + "\n"
    with _LOCK:
        transformer.lines = lexed.lines
        transformer.escape = lexed.directives.escape
        try:
            # Lark types parse() as a Tree; the inline transformer's `start` makes it a list.
            nodes = cast("list[ast.AnyInstruction | ast.Rejected]", parser.parse(joined))
        except VisitError as exc:
            if isinstance(exc.orig_exc, ParseError):
                raise exc.orig_exc from None
            raise
        except UnexpectedInput as exc:
            raise syntax_error(exc, lexed.lines) from None
    return ast.Dockerfile(
        instructions=tuple(n for n in nodes if not isinstance(n, ast.Rejected)),
        directives=lexed.directives, warnings=tuple(lexed.warnings),
        rejected=tuple(n for n in nodes if isinstance(n, ast.Rejected)),
    )


def syntax_error(exc: UnexpectedInput, lines: list[LogicalLine]) -> ParseError:
    """A grammar-level failure, located in the source (the grammar is permissive, so this
    is rare: the line parsers give the specific messages)."""
    line = lines[min(exc.line, len(lines)) - 1]
    offset = max(exc.column - 1, 0)
    token = getattr(exc, "token", None)
    width = len(token) if isinstance(token, Token) and len(token) else 1
    what = f'unexpected "{token}"' if isinstance(token, Token) and str(token).strip() else \
        "unexpected end of line"
    return ParseError(f"syntax error: {what}", line.span(offset, offset + width))

