"""One instruction's argument text, shaped the way BuildKit's line parsers shape it.

`Args` carries an instruction's keyword, flag words and argument text with their source
positions; the helpers here turn argument text into JSON or shell forms, word lists and
key/value pairs, and find the span of any piece for an error.
"""

from __future__ import annotations

import re
from typing import Any

from lark import Token

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.durations import DurationError, parse_duration
from dfc.grammar.flags import FLAG_WORD, go_quote, parse_flags
from dfc.grammar.lines import HEREDOC_WORD, LogicalLine, json_array_value
from dfc.grammar.words import split_raw
from dfc.source import Span

WHITESPACE = re.compile(r"\s+")


NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"


class Args:
    """One instruction's pieces: keyword token, flags, argument token, and its line."""

    def __init__(self, line: LogicalLine, keyword: Token, flags: Token | None,
                 rest: Token | None):
        self.line = line
        self.keyword = keyword
        self.flag_words = self._flag_words(flags)
        self.rest = rest
        self.text = rest.value if rest is not None else ""
        self.name = keyword.value.upper()

    def _flag_words(self, token: Token | None) -> list[tuple[str, Span]]:
        if token is None:
            return []
        base = _offset(token)
        return [(m.group(0), self.line.span(base + m.start(), base + m.end()))
                for m in FLAG_WORD.finditer(token.value)]

    def span_of(self, token: Token) -> Span:
        start = _offset(token)
        return self.line.span(start, start + len(token.value))

    @property
    def span(self) -> Span:
        """The whole instruction, from its keyword to the end of its last line."""
        start = self.span_of(self.keyword)
        return Span(start.line, start.column, self.line.end[0], self.line.end[1])

    @property
    def rest_span(self) -> Span:
        return self.span_of(self.rest) if self.rest is not None else self.span

    def word_span(self, word: str, after: int = 0) -> tuple[Span, int]:
        """Span of `word` inside the argument text, searching from offset `after`."""
        if self.rest is None:
            return self.span, after
        found = self.text.find(word, after)
        if found < 0:
            return self.rest_span, after
        start = _offset(self.rest) + found
        return self.line.span(start, start + len(word)), found + len(word)

    def flags(self) -> dict[str, Any]:
        return parse_flags(self.name, self.flag_words)

    def error(self, message: str, span: Span | None = None) -> ParseError:
        return ParseError(message, span or self.span)

    def common(self) -> dict[str, Any]:
        return {"span": self.span, "keyword": self.keyword.value, "comments": self.line.comments,
                "flags": self.flag_nodes()}

    def flag_nodes(self) -> tuple[ast.Flag, ...]:
        return tuple(ast.Flag(span=span, word=word) for word, span in self.flag_words)


def json_array(text: str, span: Span) -> list[str] | None:
    """The strings of a JSON array argument, None when the text is not a JSON array
    (shell form), and BuildKit's hard error when the array holds anything but strings."""
    value = json_array_value(text)
    if value is None:
        return None
    strings = [item for item in value if isinstance(item, str)]
    if len(strings) != len(value):
        raise ParseError(NOT_STRINGS, span)
    return strings


def command_of(args: Args) -> ast.Command:
    span = args.rest_span
    exec_args = json_array(args.text, span)
    if exec_args is not None:
        return ast.ExecForm(span=span, args=tuple(exec_args))
    return ast.ShellForm(span=span, text=args.text)


def heredoc_nodes(args: Args) -> tuple[ast.Heredoc, ...]:
    return tuple(
        ast.Heredoc(span=h.span, name=h.name, body=h.body, expand=h.expand, chomp=h.chomp,
                    fd=h.fd)
        for h in args.line.heredocs
    )


def is_heredoc_word(word: str) -> bool:
    match = HEREDOC_WORD.match(word)
    return match is not None and bool(match.group(3))


def flag_span(args: Args, name: str) -> Span:
    for word, span in args.flag_words:
        if word[2:].startswith(name):
            return span
    return args.span


def list_args(args: Args) -> tuple[list[str], bool]:
    """JSON array of strings, else a whitespace-split list (COPY, ADD, VOLUME)."""
    values = json_array(args.text, args.rest_span)
    if values is not None:
        return values, True
    return args.text.split(), False


def sources_and_dest(args: Args) -> dict[str, Any]:
    words, is_json = list_args(args)
    if len(words) < 2:
        raise args.error(f"{args.name} requires at least two arguments, but only one was "
                         "provided. Destination could not be determined")
    heredocs = heredoc_nodes(args) if not is_json else ()
    dest = words[-1]
    if heredocs and is_heredoc_word(dest):
        raise args.error(f"{args.name} cannot accept a heredoc as a destination")
    sources = [w for w in words[:-1] if not (heredocs and is_heredoc_word(w))]
    return {"sources": tuple(sources), "dest": dest, "json": is_json, "heredocs": heredocs}


PLAIN_WORDS = re.compile(r"[\x21-\x7e ]*")  # printable ASCII and spaces


def words_of(text: str, escape: str) -> list[str]:
    """Quote-aware words (ENV, LABEL, ARG); a plain str.split when nothing is quoted or
    escaped, which gives the same words and is what most lines are.

    >>> words_of('A=1  B="x y"', "\\\\"), words_of("A=1  B=2", "\\\\")
    (['A=1', 'B="x y"'], ['A=1', 'B=2'])
    """
    if '"' in text or "'" in text or escape in text or not PLAIN_WORDS.fullmatch(text):
        return split_raw(text, escape)
    return text.split()


def key_values(args: Args, escape: str) -> tuple[ast.KeyValue, ...]:
    """ENV/LABEL: `k=v ...` pairs, or the legacy `k v` form (first word has no `=`)."""
    words = words_of(args.text, escape)
    if not words:
        raise args.error(f"{args.name} requires at least one argument")
    if "=" not in words[0]:
        parts = WHITESPACE.split(args.text, maxsplit=1)
        if len(parts) < 2:
            raise args.error(f"{args.name} must have two arguments")
        key, value = parts
        return (ast.KeyValue(span=args.rest_span, key=key, value=value, legacy=True),)
    pairs = []
    offset = 0
    for word in words:
        span, offset = args.word_span(word, offset)
        if "=" not in word:
            raise args.error(f"Syntax error - can't find = in {go_quote(word)}. "
                             "Must be of the form: name=value", span)
        key, _, value = word.partition("=")
        if not key:
            raise args.error(f"{args.name} names can not be blank", span)
        pairs.append(ast.KeyValue(span=span, key=key, value=value))
    return tuple(pairs)


def single(args: Args) -> str:
    """USER, WORKDIR, STOPSIGNAL, MAINTAINER: the whole rest is one string."""
    args.flags()
    if not args.text:
        raise args.error(f"{args.name} requires exactly one argument")
    return args.text


def duration(args: Args, name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        ns = parse_duration(value)
    except DurationError as exc:
        raise args.error(str(exc), flag_span(args, name)) from None
    if ns == 0:
        return None
    if ns < 1_000_000:
        raise args.error(f'Interval "{name}" cannot be less than 1ms', flag_span(args, name))
    return ns


def _offset(token: Token) -> int:
    """The token's 0-based column: lark types it optional, lexed tokens always have it."""
    assert token.column is not None
    return token.column - 1
