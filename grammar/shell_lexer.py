"""BuildKit's shell lexer (frontend/dockerfile/shell/lex.go), ported rule for rule with its
quirks, because an expansion decides file names, image config and cache keys and must be
the one Docker would compute. `grammar/words.py` is its public face (expand_word,
expand_words, expand_heredoc); this module is the machinery: the character-level lexer,
`${...}` modifiers and the glob patterns of `#`, `%` and `/`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from dfc.errors import CompileError

# Unicode White_Space, which Go's unicode.IsSpace tests; str.isspace also accepts \x1c-\x1f.
_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
SPACE_RUN = re.compile("[" + "".join(sorted(_SPACE)) + "]+")
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_MAX_DEPTH = 100


def _missing_brace() -> CompileError:
    return CompileError("syntax error: missing '}'")


def _unsupported(modifier: str) -> CompileError:
    return CompileError(f"unsupported modifier ({modifier}) in substitution")


def _is_name_char(ch: str) -> bool:
    """Go's unicode.IsLetter / IsDigit: categories L* and Nd (not Python's wider isalnum)."""
    return ch.isalpha() or ch.isdecimal() or ch == "_"


@functools.cache
def _stops(stop: str, escape: str, quotes: bool) -> re.Pattern[str]:
    """The characters that end a literal run; everything between them is copied in one go."""
    chars = {"$", escape} | ({"'", '"'} if quotes else set()) | ({stop} if stop else set())
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


class Words:
    """ProcessWords' splitter: unquoted whitespace (literal or expanded) ends a word."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.buf: list[str] = []

    def add_raw(self, text: str) -> None:
        if text:
            self.buf.append(text)

    def add_split(self, text: str) -> None:
        parts = SPACE_RUN.split(text)
        self.add_raw(parts[0])
        for part in parts[1:]:
            self.flush()
            self.add_raw(part)

    def flush(self) -> None:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf = []


class Lexer:
    """One pass over a word, mirroring BuildKit's shellWord (lex.go) function by function."""

    def __init__(
        self, text: str, env: Mapping[str, str], escape: str, quotes: bool, skip_unset: bool,
        raw_quotes: bool = False,
    ) -> None:
        # Go's text/scanner drops a byte-order mark at the very start of its input.
        self.text = text[1:] if text.startswith("\ufeff") else text
        self.i = 0
        self.env = env
        self.escape = escape
        self.quotes = quotes
        self.skip_unset = skip_unset
        self.raw_quotes = raw_quotes
        """Keep the quote characters in the value (BuildKit's RawQuotes)."""
        self.used: set[str] = set()
        self.depth = 0

    def until(self, stop: str, raw_escapes: bool, words: Words | None = None) -> str:
        """processStopOn: read up to `stop` (consumed) or, with stop "", to the end."""
        text, n, escape = self.text, len(self.text), self.escape
        stops = _stops(stop, escape, self.quotes)
        out: list[str] = []
        while self.i < n:
            m = stops.search(text, self.i)
            j = m.start() if m else n
            if j > self.i:
                chunk = text[self.i : j]
                out.append(chunk)
                if words is not None:
                    words.add_split(chunk)
                self.i = j
                if j == n:
                    break
            ch = text[j]
            if ch == stop:
                self.i += 1
                return "".join(out)
            if ch == "$":
                value = self.dollar()
                if words is not None:
                    words.add_split(value)
            elif ch == escape:
                self.i += 1
                if self.i == n:
                    break
                value = text[self.i]
                self.i += 1
                if raw_escapes:
                    value = escape + value
                if words is not None:
                    words.add_raw(value)
            else:
                value = self.single_quoted() if ch == "'" else self.double_quoted(raw_escapes)
                if words is not None:
                    words.add_raw(value)
            out.append(value)
        if stop:
            raise CompileError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out)

    def single_quoted(self) -> str:
        """'...': everything literal up to the next quote; there is no way to escape it."""
        end = self.text.find("'", self.i + 1)
        if end < 0:
            self.i = len(self.text)
            raise CompileError(
                "unexpected end of statement while looking for matching single-quote"
            )
        value = self.text[self.i + 1 : end]
        self.i = end + 1
        return f"'{value}'" if self.raw_quotes else value

    def double_quoted(self, raw_escapes: bool) -> str:
        """"...": `$` expands; the escape token escapes only `"`, `$` and itself."""
        text, n, escape = self.text, len(self.text), self.escape
        out: list[str] = []
        self.i += 1
        while True:
            if self.i >= n:
                raise CompileError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            ch = text[self.i]
            if ch == '"':
                self.i += 1
                value = "".join(out)
                return f'"{value}"' if self.raw_quotes else value
            if ch == "$":
                out.append(self.dollar())
                continue
            self.i += 1
            if ch == escape:
                if raw_escapes:
                    out.append(ch)
                if self.i >= n:
                    continue
                if text[self.i] in ('"', "$", escape):
                    ch = text[self.i]
                    self.i += 1
            out.append(ch)

    def name(self) -> str:
        """A run of letters, digits and `_`; or a positional run of digits; or one special."""
        text, n, start = self.text, len(self.text), self.i
        if start < n and text[start].isdecimal():
            while self.i < n and text[self.i].isdecimal():
                self.i += 1
        elif start < n and text[start] in _SPECIAL_PARAMS:
            self.i += 1
        else:
            while self.i < n and _is_name_char(text[self.i]):
                self.i += 1
        return text[start : self.i]

    def lookup(self, name: str) -> str | None:
        """The value, or None if unset; records the name (`${+x}` has none to record)."""
        if name:
            self.used.add(name)
        return self.env.get(name)

    def nested(self, stop: str, raw_escapes: bool, missing: str) -> str:
        """A word inside `${...}`; any failure at the end of the text means `stop` is missing.

        Depth is bounded so that hostile input fails as a CompileError, not a RecursionError.
        """
        if self.depth == _MAX_DEPTH:
            raise CompileError("syntax error: substitutions nested too deeply")
        self.depth += 1
        try:
            return self.until(stop, raw_escapes)
        except CompileError:
            if self.i >= len(self.text):
                raise CompileError(missing) from None
            raise
        finally:
            self.depth -= 1

    def dollar(self) -> str:
        """processDollar: `$NAME`, `${NAME}` and `${NAME<op>word}`, at `self.i` on the `$`."""
        text, n = self.text, len(self.text)
        self.i += 1
        if self.i >= n or text[self.i] != "{":
            name = self.name()
            if not name:
                return "$"
            value = self.lookup(name)
            if value is None:
                return "$" + name if self.skip_unset else ""
            return value
        self.i += 1
        if self.i >= n:
            raise _missing_brace()
        if text[self.i] in "{}:":
            raise CompileError("syntax error: bad substitution")
        name = self.name()
        if self.i >= n:
            # BuildKit reports "unsupported modifier (\ufffd)" here: its EOF rune as the operator.
            raise _missing_brace()
        op = text[self.i]
        self.i += 1
        if op == "}":
            value = self.lookup(name)
            if value is None:
                return "${" + name + "}" if self.skip_unset else ""
            return value
        if op == "/":
            return self.replace(name)
        modifier = op
        null_is_unset = op == ":"
        if null_is_unset:
            if self.i >= n:
                raise _missing_brace()
            op = text[self.i]
            self.i += 1
            modifier += op
        elif op not in "+-?#%":
            raise _unsupported(modifier)
        pattern = op in "#%"
        if null_is_unset and pattern:
            raise _unsupported(modifier)
        word = self.nested("}", pattern, "syntax error: missing '}'")
        value = self.lookup(name)
        if value is None and self.skip_unset:
            return "${" + name + modifier + word + "}"
        unset = value is None or (null_is_unset and not value)
        if op == "-":
            return word if unset else value or ""
        if op == "+":
            return "" if unset else word
        if op == "?":
            if unset:
                default = "unset" if value is None else "empty"
                raise CompileError(f"{name}: {word or 'is not allowed to be ' + default}")
            return value or ""
        if pattern:
            greedy = word[:1] == op
            if greedy:
                word = word[1:]
            if op == "#":
                return _trim_prefix(word, value or "", greedy)
            return _trim_prefix(_reverse_pattern(word), (value or "")[::-1], greedy)[::-1]
        # `${a:=x}`, `${a:b}`: BuildKit reads the word before it rejects the operator.
        raise _unsupported(modifier)

    def replace(self, name: str) -> str:
        """`${NAME/pattern/repl}` (first match) and `${NAME//pattern/repl}` (every match)."""
        replace_all = self.i < len(self.text) and self.text[self.i] == "/"
        if replace_all:
            self.i += 1
        pattern = self.nested("/", True, "syntax error: missing '/' in ${}")
        replacement = self.nested("}", True, "syntax error: missing '}'")
        value = self.lookup(name)
        if value is None and self.skip_unset:
            # Sic: BuildKit writes a single `/` back even for `//`.
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        regex = _pattern_regex(pattern, greedy=True)
        value = value or ""
        if replace_all:
            return _replace_all(regex, value, replacement)
        m = regex.search(value)
        return value if m is None else value[: m.start()] + replacement + value[m.end() :]


def _pattern_regex(pattern: str, greedy: bool) -> re.Pattern[str]:
    """A shell pattern as a Python regex with Go's semantics.

    `*` and `?` are wildcards, `\\*` `\\?` `\\\\` literals; there are no bracket expressions;
    `\\}` and `\\/` only protected the `${...}` delimiters, so the backslash goes.
    """
    star = ".*" if greedy else ".*?"
    out: list[str] = []
    i, n = (1 if pattern.startswith("\ufeff") else 0), len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\":
            if i < n and pattern[i] in "}/":
                continue
            if i >= n:
                raise CompileError(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\' at end"
                )
            ch = pattern[i]
            i += 1
            if ch not in "*?\\":
                raise CompileError(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\{ch}'"
                )
            out.append("\\" + ch)
        else:
            out.append(re.escape(ch))
    # Go's `.` stops at "\n" as Python's does without DOTALL, so `*` never crosses a newline.
    return re.compile("".join(out))


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    m = _pattern_regex(pattern, greedy).match(value)
    return value if m is None else value[m.end() :]


def _reverse_pattern(pattern: str) -> str:
    """Reverse a pattern keeping each `\\x` pair in order: suffix trims become prefix trims."""
    parts: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        step = 2 if pattern[i] == "\\" and i != n - 1 else 1
        parts.append(pattern[i : i + step])
        i += step
    return "".join(reversed(parts))


def _replace_all(regex: re.Pattern[str], value: str, replacement: str) -> str:
    """Go's Regexp.ReplaceAllString: no empty match right after a match, `$0`/`$$` expanded."""
    out: list[str] = []
    last = pos = 0
    while pos <= len(value):
        m = regex.search(value, pos)
        if m is None:
            break
        start, end = m.span()
        out.append(value[last:start])
        if end > last or start == 0:
            out.append(_expand_template(replacement, m.group()))
        last = end
        pos = pos + 1 if end <= pos else end
    out.append(value[last:])
    return "".join(out)


def _expand_template(template: str, match: str) -> str:
    """Go's Regexp.Expand with group 0 only: `$0`/`${0}` is the match, `$$` a dollar,
    any other `$name` empty, a malformed reference a literal `$`."""
    out: list[str] = []
    i, n = 0, len(template)
    while (j := template.find("$", i)) >= 0:
        out.append(template[i:j])
        i = j + 1
        if i < n and template[i] == "$":
            out.append("$")
            i += 1
            continue
        brace = i < n and template[i] == "{"
        k = start = i + brace
        while k < n and _is_name_char(template[k]):
            k += 1
        if k == start or (brace and (k >= n or template[k] != "}")):
            out.append("$")
            continue
        if template[start:k] == "0":
            out.append(match)
        i = k + brace
    out.append(template[i:])
    return "".join(out)
