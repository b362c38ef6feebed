"""Instruction flags (`--from=x`, `--link`, `--mount=...`): words, values and their checks.

A flag word starts with `--` and runs to the next unquoted blank; quotes are removed and a
backslash escapes the next character (always backslash: BuildKit's flag scanner ignores
`# escape=`). The same pattern feeds the grammar's FLAG terminal and the pre-lexer, so the
two can never disagree about where the flags end.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import sys
from typing import Literal

from dfc.errors import ParseError
from dfc.source import Span

FLAG_PATTERN = (
    r"""--(?=\S)(?:[^\s"'\\]|\\[^\n]?|"(?:[^"\\\n]|\\[^\n]?)*"?|'(?:[^'\\\n]|\\[^\n]?)*'?)*"""
)
FLAGS_PATTERN = rf"{FLAG_PATTERN}(?:[^\S\n]+{FLAG_PATTERN})*"
FLAG_WORD = re.compile(FLAG_PATTERN)
END_OF_FLAGS = re.compile(r"--(?!\S)")
BLANKS = re.compile(r"[^\S\n]*")

FlagType = Literal["bool", "string", "list"]

FLAG_SPECS: dict[str, dict[str, FlagType]] = {
    "FROM": {"platform": "string"},
    "COPY": {"from": "string", "chown": "string", "chmod": "string", "link": "bool",
             "parents": "bool", "exclude": "list"},
    "ADD": {"chown": "string", "chmod": "string", "link": "bool", "keep-git-dir": "bool",
            "checksum": "string", "unpack": "bool", "exclude": "list"},
    "RUN": {"mount": "list", "network": "string", "security": "string", "device": "list"},
    "HEALTHCHECK": {"interval": "string", "timeout": "string", "start-period": "string",
                    "start-interval": "string", "retries": "string"},
}
UNCHECKED = frozenset({"ARG", "STOPSIGNAL"})

MOUNT_KEYS = {
    "type": "type", "from": "from", "source": "source", "src": "source", "target": "target",
    "dst": "target", "destination": "target", "readonly": "readonly", "ro": "readonly",
    "readwrite": "readwrite", "rw": "readwrite", "id": "id", "sharing": "sharing",
    "required": "required", "size": "size", "mode": "mode", "uid": "uid", "gid": "gid",
    "env": "env",
}
MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
VALUELESS_MOUNT_KEYS = frozenset({"readonly", "readwrite", "required"})


def extract_flags(rest: str) -> tuple[list[str], str]:
    """Split the leading flag words off an instruction's arguments.

    >>> extract_flags('--from=build --chown="a b" src dst')
    (['--from=build', '--chown="a b"'], 'src dst')
    >>> extract_flags('-- --weird /x')
    (['--'], '--weird /x')
    """
    words: list[str] = []
    pos = _after_blanks(rest, 0)
    while (match := FLAG_WORD.match(rest, pos)) is not None:
        words.append(match.group(0))
        pos = _after_blanks(rest, match.end())
    end = END_OF_FLAGS.match(rest, pos)
    if end is not None:
        words.append("--")
        pos = _after_blanks(rest, end.end())
    return words, rest[pos:]


def _after_blanks(text: str, pos: int) -> int:
    """The offset of the first non-blank at or after `pos` (BLANKS also matches nothing)."""
    blanks = BLANKS.match(text, pos)
    assert blanks is not None
    return blanks.end()


def decode_flag(word: str) -> str:
    """The flag word with quotes removed and backslash escapes applied.

    >>> decode_flag('--chown="a b"')
    '--chown=a b'
    >>> decode_flag(r"--x=a\\ b")
    '--x=a b'
    """
    if "\\" not in word and '"' not in word and "'" not in word:
        return word
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(word):
        ch = word[i]
        if not quote and ch in "'\"":
            quote = ch
        elif quote and ch == quote:
            quote = ""
        elif ch == "\\":
            if i + 1 < len(word):
                i += 1
                out.append(word[i])
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def go_quote(text: str) -> str:
    """Go's `%q` as BuildKit's messages use it (JSON string syntax matches it for the
    characters a Dockerfile word can hold).

    >>> print(go_quote('"b c"'))
    "\\"b c\\""
    """
    return json.dumps(text, ensure_ascii=False)


def suggestion(word: str, choices: list[str], prefix: str = "") -> str:
    """` (did you mean X?)` when a close choice exists, else nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {prefix}{close[0]}?)" if close else ""


def parse_flags(
    instruction: str, words: list[tuple[str, Span]]
) -> dict[str, str | bool | list[tuple[str, Span]]]:
    """Check flag words against what `instruction` accepts; return name -> value.

    Bool flags give True/False, string flags their text, list flags (value, span) pairs.
    """
    if instruction in UNCHECKED:
        return {}
    spec = FLAG_SPECS.get(instruction, {})
    values: dict[str, str | bool | list[tuple[str, Span]]] = {}
    for raw, span in words:
        word = decode_flag(raw)
        if word == "--":
            break
        if not word.startswith("--"):
            raise ParseError(f"arg should start with -- : {word}", span)
        name, has_value, value = word[2:].partition("=")
        kind = spec.get(name)
        if kind is None:
            hint = suggestion(name, list(spec), "--")
            raise ParseError(f"unknown flag: --{name}{hint}", span)
        if name in values and kind != "list":
            raise ParseError(f"duplicate flag specified: --{name}", span)
        if kind == "bool":
            if has_value and not value:
                raise ParseError(f"missing a value on flag: --{name}", span)
            if value.lower() not in ("", "true", "false"):
                raise ParseError(
                    f"expecting boolean value for flag --{name}, not: {value}", span)
            values[name] = value.lower() != "false"
        elif not has_value:
            raise ParseError(f"missing a value on flag: --{name}", span)
        elif kind == "list":
            listed = values.setdefault(name, [])
            assert isinstance(listed, list)
            listed.append((value, span))
        else:
            values[name] = value
    return values


def parse_mount(value: str, span: Span) -> tuple[str, tuple[tuple[str, str | None], ...]]:
    """A `--mount` CSV value -> (type, options with canonical key names), values raw."""
    try:
        fields = next(csv.reader([value]), [])
    except csv.Error as exc:
        raise ParseError(f"failed to parse csv mount value {value!r}: {exc}", span) from None
    options: list[tuple[str, str | None]] = []
    mount_type = "bind"
    for field in fields:
        key, has_value, raw = field.partition("=")
        canonical = MOUNT_KEYS.get(key.strip().lower())
        if canonical is None:
            raise ParseError(f"unexpected key '{key}' in '{field}'", span)
        if not has_value and canonical not in VALUELESS_MOUNT_KEYS:
            raise ParseError(f"invalid field '{field}' must be a key=value pair", span)
        if canonical == "type":
            # Interned: msgspec's omit_defaults tests `is`, so an equal but distinct "bind"
            # would print in the JSON where the default one does not.
            mount_type = sys.intern(raw.lower())
            if "$" not in raw and mount_type not in MOUNT_TYPES:
                raise ParseError(f"unsupported mount type {go_quote(raw)}", span)
            continue
        if canonical == "from" and "$" in raw[:-1]:
            raise ParseError(
                "'from' doesn't support variable expansion, define alias stage instead", span)
        options.append((canonical, raw if has_value else None))
    return mount_type, tuple(options)
