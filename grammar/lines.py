"""The pre-lexer: physical lines -> logical instruction lines, as BuildKit's parser reads them.

What a context-free grammar cannot say is done here, in one pass over the lines: the
directive region, comments, line continuation with the active escape token (comment and
empty lines inside a continuation are dropped, nothing is inserted between pieces), and
heredoc bodies (which consume the lines after their instruction). Each logical line keeps
a map from its offsets back to source lines and columns, so the grammar's token positions
become exact spans.
"""

from __future__ import annotations

import bisect
import json
import math
import re

import msgspec

from dfc.errors import DfcError, ParseError
from dfc.grammar.ast import Directives, ParseWarning
from dfc.grammar.directives import scan_directives
from dfc.grammar.flags import extract_flags
from dfc.grammar.words import expand_word, split_raw
from dfc.source import Span

MAX_LINE = 65535
BOM = "\ufeff"
HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)\s*([^<]*)$", re.DOTALL)
HEREDOC_KEYWORDS = re.compile(r"^(?:onbuild\s+)?(run|copy|add)(?:\s|$)", re.IGNORECASE)


class HeredocBody(msgspec.Struct, frozen=True):
    """A heredoc found on a logical line, with its body read from the following lines."""

    name: str
    body: str
    expand: bool
    chomp: bool
    fd: int | None
    span: Span


class LogicalLine(msgspec.Struct):
    """One instruction's text after continuation joining, and how to locate its offsets."""

    text: str
    starts: list[int]
    places: list[tuple[int, int]]
    end: tuple[int, int]
    comments: tuple[str, ...] = ()
    heredocs: tuple[HeredocBody, ...] = ()

    def position(self, offset: int) -> tuple[int, int]:
        """Source (line, column) of a 0-based offset into `text` (the end maps to `end`)."""
        if offset >= len(self.text):
            return self.end
        if len(self.starts) == 1:  # the common one-line instruction: no search
            line, column = self.places[0]
            return line, column + offset
        index = bisect.bisect_right(self.starts, offset) - 1
        line, column = self.places[index]
        return line, column + offset - self.starts[index]

    def span(self, start: int, stop: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(stop - 1, start))
        if stop > start:
            end_column += 1
        return Span(line, column, end_line, end_column)


class Lines(msgspec.Struct):
    directives: Directives
    lines: list[LogicalLine]
    warnings: list[ParseWarning]


def split_lines(text: str) -> list[str]:
    """Physical lines with their `\\n` kept (a final line may lack it); BOM removed.
    Only `\\n` ends a line (str.splitlines would also split on \\r, \\x85, \\u2028...).

    >>> split_lines("a\\x85b\\r\\nc")
    ['a\\x85b\\r\\n', 'c']
    """
    if text.startswith(BOM):
        text = text[1:]
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def strip_newline(line: str) -> str:
    """The line without its `\n` and one `\r` before it; a last line without `\n` loses
    a final `\r` too (Go's bufio.ScanLines, which BuildKit's scanner uses, drops it at
    the end of input as well).

    >>> strip_newline("a\\r\\n"), strip_newline("a\\r"), strip_newline("a\\r\\r\\n")
    ('a', 'a', 'a\\r')
    """
    if line.endswith("\n"):
        line = line[:-1]
    return line[:-1] if line.endswith("\r") else line


def check_length(line: str, number: int) -> None:
    """BuildKit's line scanner stops at 65535 bytes (UTF-8), heredoc body lines included."""
    if len(line) * 4 > MAX_LINE and len(line.encode("utf-8", "surrogatepass")) > MAX_LINE:
        raise ParseError(f"dockerfile line greater than max allowed size of {MAX_LINE}",
                         Span(number, 1, number, 2))


def is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


class _Scanner:
    """Walks physical lines once, producing logical lines."""

    def __init__(self, raw: list[str], escape: str, first: int):
        self.raw = raw
        self.index = first
        esc = re.escape(escape)
        self.continuation = re.compile(rf"([^{esc}]){esc}[ \t]*$|^{esc}[ \t]*$")
        self.warnings: list[ParseWarning] = []

    def next_line(self) -> tuple[int, str] | None:
        if self.index >= len(self.raw):
            return None
        self.index += 1
        line = strip_newline(self.raw[self.index - 1])
        check_length(line, self.index)
        return self.index, line

    def trim_continuation(self, line: str) -> tuple[str, bool]:
        """Remove a trailing escape token; True when the instruction ends on this line."""
        match = self.continuation.search(line)
        if match is None:
            return line, True
        return line[: match.start()] + (match.group(1) or ""), False

    def scan(self) -> list[LogicalLine]:
        result: list[LogicalLine] = []
        comments: list[str] = []
        while (item := self.next_line()) is not None:
            number, line = item
            stripped = line.lstrip()
            if stripped.startswith("#"):
                comment = stripped[1:].strip()
                comments = [*comments, comment] if comment else []
                continue
            lead = len(line) - len(stripped)
            piece, done = self.trim_continuation(stripped)
            if done and not piece:
                continue
            logical = self.join(number, lead, piece, done, len(line))
            if logical is None:
                continue
            logical.comments = tuple(comments)
            comments = []
            logical.heredocs = self.read_heredocs(logical)
            result.append(logical)
        return result

    def join(self, number: int, lead: int, first: str, done: bool,
             width: int) -> LogicalLine | None:
        """Append continuation lines to `first` (physical line `number`, `width` long).
        The instruction ends at the end of its last physical line, escape token included."""
        text = first
        starts = [0]
        places = [(number, lead + 1)]
        end = (number, width + 1)
        empty: Span | None = None
        while not done and (item := self.next_line()) is not None:
            number, line = item
            if is_comment(line):
                continue
            if not line.strip():
                empty = empty or Span(number, 1, number, 1)
                continue
            piece, done = self.trim_continuation(line)
            end = (number, len(line) + 1)
            if piece and not text.strip():
                # Only blanks so far (the instruction began with a lone escape token):
                # it starts on this line; BuildKit trims the joined line before reading
                # its keyword, so leading blanks are not part of it.
                kept = piece.lstrip()
                text, starts, places = kept, [0], [(number, len(piece) - len(kept) + 1)]
            elif piece:
                starts.append(len(text))
                places.append((number, 1))
                text += piece
        if empty is not None:
            # One warning per instruction, with the whole joined line, as BuildKit does.
            self.warnings.append(ParseWarning(
                "NoEmptyContinuation", "Empty continuation line found in: " + text, empty))
        if not text.strip():
            return None
        return LogicalLine(text=text, starts=starts, places=places, end=end)

    def read_heredocs(self, logical: LogicalLine) -> tuple[HeredocBody, ...]:
        found = heredocs_of(logical)
        bodies: list[HeredocBody] = []
        for name, expand, chomp, fd, start in found:
            body: list[str] = []
            while True:
                if self.index >= len(self.raw):
                    raise ParseError("unterminated heredoc", logical.span(start, start + 2))
                raw = self.raw[self.index]
                self.index += 1
                candidate = strip_newline(raw)
                check_length(candidate, self.index)
                if chomp:
                    candidate = candidate.lstrip("\t")
                if candidate == name:
                    break
                body.append(raw)
            span_start = logical.span(start, start + 2)
            span = Span(span_start.line, span_start.column, self.index,
                        len(strip_newline(raw)) + 1)
            bodies.append(HeredocBody(name, "".join(body), expand, chomp, fd, span))
        if bodies:
            logical.end = (self.index, len(strip_newline(self.raw[self.index - 1])) + 1)
        return tuple(bodies)


def heredocs_of(logical: LogicalLine) -> list[tuple[str, bool, bool, int | None, int]]:
    """The heredoc words of a RUN/COPY/ADD line (or ONBUILD of one) that is not JSON form:
    (name, expand, chomp, fd, offset of the word)."""
    text = logical.text
    if "<<" not in text:
        return []
    head = HEREDOC_KEYWORDS.match(text.lstrip())
    if head is None:
        return []
    rest = text.lstrip()[head.end(1):]
    _, args = extract_flags(rest)
    if is_json_array(args):
        return []
    words = split_raw(text, "\\")
    found: list[tuple[str, bool, bool, int | None, int]] = []
    search_from = 0
    i = 0
    while i < len(words):
        word = words[i]
        if re.fullmatch(r"\d*<<-?", word) and i + 1 < len(words):
            word = word + " " + words[i + 1]
            i += 1
        i += 1
        match = HEREDOC_WORD.match(word)
        if match is None or not match.group(3):
            continue
        delimiter = match.group(3)
        names = split_raw(delimiter, "\\")
        if len(names) != 1:
            continue
        offset = text.find(match.group(0).split()[0], search_from)
        offset = max(offset, 0)
        search_from = offset + 1
        try:
            name = expand_word(delimiter, {}, "\\", skip_unset=True).value
        except DfcError as exc:  # an unbalanced quote or a bad ${...} in the delimiter
            raise ParseError(exc.message, logical.span(offset, offset + len(word))) from None
        expand = _quote_count(name) == _quote_count(delimiter)
        fd = int(match.group(1)) if match.group(1) else None
        found.append((name, expand, match.group(2) == "-", fd, offset))
    return found


def _quote_count(word: str) -> int:
    return word.count("'") + word.count('"')


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _go_number(text: str) -> float:
    """Go decodes JSON numbers into float64 and rejects those that overflow it."""
    value = float(text)
    if value in (math.inf, -math.inf):
        raise ValueError(f"number {text} out of range")
    return value


def _go_constant(text: str) -> None:
    raise ValueError(f"invalid JSON literal {text}")  # NaN, Infinity: not JSON to Go


def _go_string(value: object) -> object:
    """Go turns an unpaired surrogate escape (`"\\ud800"`) into U+FFFD."""
    if isinstance(value, str) and LONE_SURROGATE.search(value):
        return LONE_SURROGATE.sub("\ufffd", value)
    return value


def json_array_value(text: str) -> list[object] | None:
    """The decoded array when `text` is a JSON array as Go's decoder reads it, else None:
    BuildKit's exec-form test (anything else falls back to shell form)."""
    text = text.strip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text, parse_float=_go_number, parse_int=_go_number,
                           parse_constant=_go_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    return [_go_string(item) for item in value]


def is_json_array(text: str) -> bool:
    """True when `text` is a JSON array (of anything)."""
    return json_array_value(text) is not None


def prelex(text: str) -> Lines:
    """Split a Dockerfile into its directives and logical instruction lines."""
    raw = split_lines(text)
    directives, used = scan_directives([strip_newline(line) for line in raw])
    scanner = _Scanner(raw, directives.escape, used)
    lines = scanner.scan()
    return Lines(directives, lines, scanner.warnings)
