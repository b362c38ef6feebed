"""A small POSIX shell reader for RUN text: simple commands, their words and offsets,
the variables a script reads and the ones it assigns.

Rules ask "is `apt-get install` run without `-y`?" or "which `$NAMES` does this RUN read?";
that needs quote-aware words with offsets (to point at them), not a full shell grammar.
Command substitutions are read as commands of their own; compound-command keywords are
skipped, so `if x; then apt-get install y; fi` yields the commands `x` and `apt-get ...`.
"""

from __future__ import annotations

import re

import msgspec

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?\+?=")
KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "{",
                      "}", "!", "time", "esac", "in"})
DECLARERS = frozenset({"export", "local", "declare", "readonly", "typeset"})
REDIRECTS = (">>", "&>>", "&>", ">&", "<&", ">|", "<>", "<<<", "<<-", "<<", ">", "<")
SEPARATORS = ("&&", "||", ";;", "|&", "|", "&", ";", "(", ")", "\n")
SPECIAL = frozenset("@*#?-$!0123456789")


class Word(msgspec.Struct, frozen=True):
    """A shell word: `value` has quotes and escapes removed (expansions kept as written),
    `start`/`end` are offsets into the script text."""

    value: str
    start: int
    end: int


class Command(msgspec.Struct, frozen=True):
    """A simple command: assignments before it, its words, the operator after it, and
    the files its output redirections write."""

    words: tuple[Word, ...]
    assigns: tuple[Word, ...] = ()
    separator: str = ""
    writes: tuple[Word, ...] = ()

    @property
    def name(self) -> str:
        """The command's base name (`/usr/bin/apt-get` -> `apt-get`), "" if none."""
        return self.words[0].value.rsplit("/", 1)[-1] if self.words else ""

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(word.value for word in self.words[1:])

    @property
    def start(self) -> int:
        return (self.assigns or self.words)[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end if self.words else self.assigns[-1].end


class VarRef(msgspec.Struct, frozen=True):
    """A `$NAME` or `${NAME...}` read, outside single quotes; `guarded` when a default
    or an error message covers the unset case (`${NAME:-x}`, `${NAME?}`...)."""

    name: str
    start: int
    end: int
    guarded: bool = False


class Script(msgspec.Struct, frozen=True):
    commands: tuple[Command, ...]
    refs: tuple[VarRef, ...]
    assigned: frozenset[str]


class _Reader:
    def __init__(self, text: str, base: int) -> None:
        self.text = text
        self.base = base
        self.i = 0
        self.commands: list[Command] = []
        self.refs: list[VarRef] = []
        self.assigned: set[str] = set()

    # --- top level -------------------------------------------------------------------

    def run(self) -> None:
        words: list[Word] = []
        writes: list[Word] = []
        skip_next = ""
        n = len(self.text)
        while self.i < n:
            ch = self.text[self.i]
            if ch in " \t\r":
                self.i += 1
                continue
            if ch == "\\" and self.text.startswith("\\\n", self.i):
                self.i += 2
                continue
            if ch == "#":
                end = self.text.find("\n", self.i)
                self.i = n if end < 0 else end
                continue
            redirect = next((op for op in REDIRECTS if self.text.startswith(op, self.i)), None)
            if redirect is not None:
                if words and words[-1].value.isdigit() and words[-1].end == self.base + self.i:
                    words.pop()
                self.i += len(redirect)
                skip_next = redirect
                continue
            separator = next((op for op in SEPARATORS if self.text.startswith(op, self.i)), None)
            if separator is not None:
                self.i += len(separator)
                self.finish(words, separator, writes)
                words, writes = [], []
                skip_next = ""
                continue
            word = self.word()
            if skip_next:
                if ">" in skip_next and "&" not in skip_next[-1:]:
                    writes.append(word)
                skip_next = ""
            else:
                words.append(word)
        self.finish(words, "", writes)

    def finish(self, words: list[Word], separator: str, writes: list[Word]) -> None:
        while words and words[0].value in KEYWORDS:
            words = words[1:]
        assigns: list[Word] = []
        while words and (assignment := ASSIGNMENT.match(words[0].value)):
            assigns.append(words[0])
            self.assigned.add(assignment.group(1))
            words = words[1:]
        if words:
            self._declared(words)
        if words or assigns:
            self.commands.append(Command(tuple(words), tuple(assigns), separator,
                                         tuple(writes)))
        elif separator in ("|", "|&") and self.commands:
            # `{ ...; } | cmd`, `( ... ) | cmd`, `done | cmd`: the compound command's
            # last command is the one whose output goes down the pipe
            self.commands[-1] = msgspec.structs.replace(self.commands[-1], separator=separator)

    def _declared(self, words: list[Word]) -> None:
        """Names a command assigns: export/local/read/for/getopts targets."""
        head = words[0].value
        rest = [w.value for w in words[1:] if not w.value.startswith("-")]
        if head in DECLARERS or head == "read":
            for value in rest:
                match = NAME.match(value)
                if match:
                    self.assigned.add(match.group(0))
        elif head in ("for", "select") and rest and NAME.fullmatch(rest[0]):
            self.assigned.add(rest[0])
        elif head == "getopts" and len(rest) > 1 and NAME.fullmatch(rest[1]):
            self.assigned.add(rest[1])

    # --- words -----------------------------------------------------------------------

    def word(self) -> Word:
        start = self.i
        out: list[str] = []
        n = len(self.text)
        while self.i < n:
            ch = self.text[self.i]
            if ch in " \t\r\n;&|()<>":
                break
            if ch == "\\":
                if self.i + 1 < n and self.text[self.i + 1] != "\n":
                    out.append(self.text[self.i + 1])
                self.i += 2
            elif ch == "'":
                end = self.text.find("'", self.i + 1)
                end = n if end < 0 else end
                out.append(self.text[self.i + 1:end])
                self.i = end + 1
            elif ch == '"':
                out.append(self.double_quoted())
            elif ch == "$":
                out.append(self.dollar())
            elif ch == "`":
                out.append(self.backticks())
            else:
                out.append(ch)
                self.i += 1
        return Word("".join(out), self.base + start, self.base + min(self.i, n))

    def double_quoted(self) -> str:
        self.i += 1
        out: list[str] = []
        n = len(self.text)
        while self.i < n and self.text[self.i] != '"':
            ch = self.text[self.i]
            if ch == "\\" and self.i + 1 < n and self.text[self.i + 1] in '$`"\\\n':
                if self.text[self.i + 1] != "\n":
                    out.append(self.text[self.i + 1])
                self.i += 2
            elif ch == "$":
                out.append(self.dollar())
            elif ch == "`":
                out.append(self.backticks())
            else:
                out.append(ch)
                self.i += 1
        self.i += 1
        return "".join(out)

    def dollar(self) -> str:
        """`$...` at self.i: record variable reads, read substitutions as commands;
        returns the text as written (values are not known here)."""
        start = self.i
        text = self.text
        nxt = text[self.i + 1:self.i + 2]
        if text.startswith("$((", self.i):
            end = _matching(text, self.i + 3, "((", "))")
            self.scan_refs(text[self.i + 3:end], self.i + 3)
            self.i = min(end + 2, len(text))
        elif nxt == "(":
            end = _matching(text, self.i + 2, "(", ")")
            self.nested(text[self.i + 2:end], self.i + 2)
            self.i = min(end + 1, len(text))
        elif nxt == "{":
            end = _matching(text, self.i + 2, "{", "}")
            inner = text[self.i + 2:end]
            stripped = inner.lstrip("#!")
            match = NAME.match(stripped)
            if match:
                offset = self.i + 2 + (len(inner) - len(stripped))
                guarded = stripped[match.end():][:2].lstrip(":")[:1] in ("-", "=", "?", "+")
                self._ref(match.group(0), start, offset + match.end() + 1, guarded)
                rest_at = offset + match.end()
                self.scan_refs(text[rest_at:end], rest_at)
            self.i = min(end + 1, len(text))
        elif nxt == "'":
            end = text.find("'", self.i + 2)
            self.i = len(text) if end < 0 else end + 1
        else:
            match = NAME.match(text, self.i + 1)
            if match:
                self._ref(match.group(0), start, match.end())
                self.i = match.end()
            elif nxt and nxt in SPECIAL:
                self.i += 2
            else:
                self.i += 1
        return text[start:self.i]

    def backticks(self) -> str:
        start = self.i
        end = self.text.find("`", self.i + 1)
        end = len(self.text) if end < 0 else end
        self.nested(self.text[self.i + 1:end], self.i + 1)
        self.i = end + 1
        return self.text[start:self.i]

    def nested(self, inner: str, offset: int) -> None:
        script = read_script(inner, self.base + offset)
        self.commands.extend(script.commands)
        self.refs.extend(script.refs)
        self.assigned |= script.assigned

    def scan_refs(self, inner: str, offset: int) -> None:
        """Variable reads inside `${x:-...}` defaults and `$((...))`."""
        sub = _Reader(inner, self.base + offset)
        i = 0
        while i < len(inner):
            if inner[i] == "$":
                sub.i = i
                sub.dollar()
                i = max(sub.i, i + 1)
            else:
                i += 1
        self.refs.extend(sub.refs)
        self.commands.extend(sub.commands)

    def _ref(self, name: str, start: int, end: int, guarded: bool = False) -> None:
        self.refs.append(VarRef(name, self.base + start, self.base + end, guarded))


def _matching(text: str, i: int, opener: str, closer: str) -> int:
    """Offset of the `closer` that balances an already-open `opener`, skipping quotes."""
    depth = 1
    n = len(text)
    while i < n:
        if text.startswith(closer, i):
            depth -= 1
            if depth == 0:
                return i
            i += len(closer)
            continue
        if text.startswith(opener, i):
            depth += 1
            i += len(opener)
            continue
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return n


def read_script(text: str, base: int = 0) -> Script:
    """Read a shell script; offsets are `base` + positions in `text`.

    >>> s = read_script('A=1 sudo apt-get install -y "curl" && echo ${B:-$C} $(id -u) 2>&1')
    >>> [c.name for c in s.commands], s.commands[0].args
    (['sudo', 'echo', 'id'], ('apt-get', 'install', '-y', 'curl'))
    >>> [r.name for r in s.refs], sorted(s.assigned)
    (['B', 'C'], ['A'])
    """
    reader = _Reader(text, base)
    reader.run()
    commands = sorted(reader.commands, key=lambda c: c.start)
    return Script(tuple(commands), tuple(reader.refs), frozenset(reader.assigned))
