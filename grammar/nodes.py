"""BuildKit's parser layer: each logical line as a node of strings, before any
instruction-level check (flags are raw words, unknown instructions and missing
arguments pass, no FROM is needed). `dump_nodes` prints them as BuildKit's parser
tests write them: `(copy ["--user=foo"] "a" "b")`.

Which words a line's arguments become depends on the instruction, as in BuildKit's
dispatch table: whole strings, whitespace-split words, JSON arrays (or a string, or
words, when the text is not one), `name value` / `name=value` pairs, a health check's
kind and command, and ONBUILD's own instruction.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from dfc.errors import ParseError
from dfc.grammar.flags import decode_flag, extract_flags
from dfc.grammar.lines import json_array_value, prelex
from dfc.grammar.words import split_raw
from dfc.source import Source, Span

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")


class Node(msgspec.Struct, frozen=True):
    """One instruction: its lower-case name, raw flag words and argument nodes (ONBUILD's
    argument is the node of its instruction)."""

    value: str
    flags: tuple[str, ...] = ()
    args: tuple[str | Node, ...] = ()
    line: int = 0

    def dump(self) -> str:
        parts = [self.value]
        if self.flags:
            parts.append("[" + " ".join(go_quote(f) for f in self.flags) + "]")
        parts += [a.dump() if isinstance(a, Node) else go_quote(a) for a in self.args]
        return "(" + " ".join(parts) + ")"


def go_quote(text: str) -> str:
    """Go's `%q` of a string (strconv.Quote).

    >>> print(go_quote('a "b"\\tc\\\\'))
    "a \\"b\\"\\tc\\\\"
    """
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _string(rest: str, escape: str) -> list[str]:
    return [rest] if rest else []


def _words(rest: str, escape: str) -> list[str]:
    return [w for w in _WHITESPACE.split(rest.strip()) if w]


def _strings(rest: str) -> list[str] | None:
    """The strings of `rest` when the whole of it is a JSON array (the typed parser's test,
    lines.json_array_value), None when it is not one; an array of anything else is
    BuildKit's parse error."""
    value = json_array_value(rest)
    if value is None:
        return None
    strings = [item for item in value if isinstance(item, str)]
    if len(strings) != len(value):
        raise ParseError("when using JSON array syntax, arrays must be comprised of "
                         "strings only")
    return strings


def _maybe_json(rest: str, escape: str) -> list[str]:
    found = _strings(rest)
    return found if found is not None else _string(rest.strip(), escape)


def _maybe_json_list(rest: str, escape: str) -> list[str]:
    found = _strings(rest)
    return found if found is not None else _words(rest, escape)


def _name_val(keyword: str) -> Callable[[str, str], list[str]]:
    def parse(rest: str, escape: str) -> list[str]:
        words = split_raw(rest, escape)
        if not words:
            return []
        if "=" not in words[0]:  # the old `KEY value` form
            key, _, value = _split_first(rest.strip())
            if not value:
                raise ParseError(f"{keyword} must have two arguments")
            return [key, value]
        out: list[str] = []
        for word in words:
            if "=" not in word:
                raise ParseError(f"Syntax error - can't find = in {go_quote(word)}. Must "
                                 "be of the form: name=value")
            key, _, value = word.partition("=")
            out += [key, value]
        return out

    return parse


def _split_first(text: str) -> tuple[str, str, str]:
    parts = _WHITESPACE.split(text, maxsplit=1)
    return (parts[0], " ", parts[1]) if len(parts) == 2 else (parts[0], "", "")


def _name_or_name_val(rest: str, escape: str) -> list[str]:
    return split_raw(rest, escape)


def _health(rest: str, escape: str) -> list[str]:
    kind, _, command = _split_first(rest.strip())
    if not kind:
        return []
    return [kind, *_maybe_json(command.lstrip(), escape)]


def _ignore(rest: str, escape: str) -> list[str]:
    return []


_DISPATCH: dict[str, Callable[[str, str], list[str]]] = {
    "add": _maybe_json_list, "arg": _name_or_name_val, "cmd": _maybe_json,
    "copy": _maybe_json_list, "entrypoint": _maybe_json, "env": _name_val("ENV"),
    "expose": _words, "from": _words, "healthcheck": _health, "label": _name_val("LABEL"),
    "maintainer": _string, "run": _maybe_json, "shell": _maybe_json,
    "stopsignal": _string, "user": _string, "volume": _maybe_json_list,
    "workdir": _string,
}


def node_of(text: str, escape: str, line: int) -> Node:
    """The node of one logical line."""
    keyword, _, rest = _split_first(text.strip())
    value = keyword.lower()
    words, rest = extract_flags(rest)
    # BuildKit's node holds each flag with its quotes and escapes removed, and not the
    # bare `--` that ends the flags.
    flags = [decode_flag(word) for word in words if word != "--"]
    if value == "onbuild":
        return Node(value, tuple(flags), (node_of(rest, escape, line),) if rest else (),
                    line)
    parse = _DISPATCH.get(value, _ignore)
    return Node(value, tuple(flags), tuple(parse(rest, escape)), line)


def parser_error(text: str, escape: str, found: ParseError, span: Span) -> ParseError | None:
    """The error BuildKit's parser makes on the line `text`, None when it accepts it:
    `found` (a builder's error, precisely located) when it is that error, else the
    parser's message at `span`."""
    try:
        node_of(text, escape, span.line)
    except ParseError as exc:
        return found if exc.message == found.message else ParseError(exc.message, span)
    return None


def parse_nodes(data: bytes | str, filename: str = "Dockerfile") -> list[Node]:
    """Every instruction of a Dockerfile as BuildKit's parser reads it; its errors are
    ParseErrors located in the file."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        lines = prelex(text)
        if not lines.lines:
            raise ParseError("file with no instructions")
        escape = lines.directives.escape
        return [node_of(logical.text, escape, logical.places[0][0])
                for logical in lines.lines]
    except ParseError as exc:
        raise exc.located(exc.span, Source(filename, text)) from None


def dump_nodes(nodes: list[Node]) -> str:
    return "".join(node.dump() + "\n" for node in nodes)
