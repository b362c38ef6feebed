"""Path patterns with Docker's exact rules: `.dockerignore` lines and COPY/ADD wildcards.

Both are Go semantics that gitignore-style libraries do not share: `.dockerignore` patterns
are anchored at the context root (`foo` is only `./foo`, not `a/foo`), match a directory
and so everything below it, and the last matching line wins; COPY wildcards are Go's
`filepath.Match` per path segment.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from functools import lru_cache

import msgspec

from dfc.errors import DfcError

REGEX_SPECIALS = frozenset(".+()|{}$^")


class Pattern(msgspec.Struct, frozen=True):
    """One `.dockerignore` line: its cleaned text, exception flag and compiled regex."""

    text: str
    exclusion: bool
    regex: str

    def match(self, path: str) -> bool:
        return _compiled(self.regex).match(path) is not None


@lru_cache(maxsize=4096)
def _compiled(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.DOTALL)


def read_ignore_file(text: str) -> list[str]:
    """The pattern lines of a `.dockerignore`: BOM stripped, `#` comments only in column 1,
    lines trimmed, blanks skipped.

    >>> read_ignore_file("# c\\n  *.pyc \\n\\n !keep\\n")
    ['*.pyc', '!keep']
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = []
    for raw in text.splitlines():
        if raw.startswith("#"):
            continue
        line = raw.strip()
        if line:
            lines.append(line)
    return lines


def compile_pattern(line: str) -> Pattern:
    """One `.dockerignore` line -> Pattern (`!` exception, cleaned, leading `/` dropped)."""
    exclusion = line.startswith("!")
    text = line[1:].strip() if exclusion else line
    if exclusion and not text:
        raise DfcError('illegal exclusion pattern: "!"')
    text = posixpath.normpath(text) if text else "."
    text = text.lstrip("/") or "."
    return Pattern(text=text, exclusion=exclusion, regex=_ignore_regex(text))


def _ignore_regex(pattern: str) -> str:
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(.*/)?")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 < n:
                i += 1
                out.append(re.escape(pattern[i]))
            else:
                out.append("\\\\")
        elif ch in "[]":
            out.append(ch)
        elif ch in REGEX_SPECIALS:
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    out.append("$")
    regex = "".join(out)
    try:
        _compiled(regex)
    except re.error as exc:
        raise DfcError(f"invalid .dockerignore pattern {pattern!r}: {exc}") from None
    return regex


class IgnoreMatcher(msgspec.Struct, frozen=True):
    """The compiled `.dockerignore`: decides whether a context path is excluded."""

    patterns: tuple[Pattern, ...] = ()

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> IgnoreMatcher:
        return cls(tuple(compile_pattern(line) for line in lines))

    @property
    def has_exceptions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def excluded(self, path: str) -> bool:
        """Is `path` (relative, `/`-separated) excluded? A pattern that matches a parent
        directory matches the path too; the last matching pattern decides.

        >>> m = IgnoreMatcher.from_lines(["docs", "*.md", "!README.md", "**/*.tmp"])
        >>> [m.excluded(p) for p in ["docs/a/b", "x.md", "README.md", "a/b/c.tmp", "a/x.md"]]
        [True, True, False, True, False]
        """
        parents = path.split("/")[:-1]
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit:
                hit = any(pattern.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if hit:
                matched = not pattern.exclusion
        return matched


def has_wildcard(path: str) -> bool:
    return any(ch in path for ch in "*?[\\")


def glob_regex(segment: str) -> re.Pattern[str]:
    """Go `filepath.Match` for one path segment, as a regex (ErrBadPattern -> DfcError).

    >>> bool(glob_regex("arr[[]0].txt").match("arr[0].txt"))
    True
    >>> bool(glob_regex("*.go").match("a/b.go"))
    False
    """
    return _glob_regex(segment)


@lru_cache(maxsize=1024)
def _glob_regex(segment: str) -> re.Pattern[str]:
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        ch = segment[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 >= n:
                raise DfcError(f"syntax error in pattern: {segment}")
            i += 1
            out.append(re.escape(segment[i]))
        elif ch == "[":
            i, cls = _char_class(segment, i)
            out.append(cls)
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _char_class(segment: str, start: int) -> tuple[int, str]:
    """Parse `[...]` at `start` as Go does; return the index after it and the regex class."""
    i = start + 1
    negate = i < len(segment) and segment[i] == "^"
    if negate:
        i += 1
    parts: list[str] = []
    while True:
        if i < len(segment) and segment[i] == "]" and parts:
            i += 1
            break
        lo, i = _class_char(segment, i)
        if segment[i] == "-":
            hi, i = _class_char(segment, i + 1)
            if hi < lo:
                raise DfcError(f"syntax error in pattern: {segment}")
            parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
        else:
            parts.append(re.escape(lo))
    body = "".join(parts)
    return i, (f"[^/{body}]" if negate else f"[{body}]")


def _class_char(segment: str, i: int) -> tuple[str, int]:
    """Go's getEsc: one (possibly escaped) class character; `-` and `]` are errors here,
    and so is a class that runs to the end of the pattern."""
    if i >= len(segment) or segment[i] in "-]":
        raise DfcError(f"syntax error in pattern: {segment}")
    if segment[i] == "\\":
        i += 1
        if i >= len(segment):
            raise DfcError(f"syntax error in pattern: {segment}")
    if i + 1 >= len(segment):
        raise DfcError(f"syntax error in pattern: {segment}")
    return segment[i], i + 1
