"""Grammar tokens -> AST nodes, with BuildKit's per-instruction argument rules and messages.

Runs inline with the LALR parser (no parse tree is built). The grammar gives each
instruction its keyword, flag words and argument text; this module shapes the argument
text the way BuildKit's line parsers do and checks it at the place BuildKit does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lark import Token, Transformer

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.durations import DurationError, parse_duration
from dfc.grammar.flags import FLAG_WORD, go_quote, parse_flags, parse_mount, suggestion
from dfc.grammar.lines import HEREDOC_WORD, LogicalLine, json_array_value
from dfc.grammar.words import split_raw
from dfc.source import Span

KEYWORDS = ("FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "ENV", "LABEL",
            "ARG", "EXPOSE", "VOLUME", "USER", "WORKDIR", "STOPSIGNAL", "HEALTHCHECK",
            "MAINTAINER", "ONBUILD")
STAGE_NAME = re.compile(r"^[a-z][a-z0-9\-_.]*$")
WHITESPACE = re.compile(r"\s+")
GO_INT = re.compile(r"[+-]?[0-9]+\Z", re.ASCII)  # strconv.ParseInt, base 10
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
        base = token.column - 1
        return [(m.group(0), self.line.span(base + m.start(), base + m.end()))
                for m in FLAG_WORD.finditer(token.value)]

    def span_of(self, token: Token) -> Span:
        start = token.column - 1
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
        start = self.rest.column - 1 + found
        return self.line.span(start, start + len(word)), found + len(word)

    def flags(self) -> dict[str, Any]:
        return parse_flags(self.name, self.flag_words)

    def error(self, message: str, span: Span | None = None) -> ParseError:
        return ParseError(message, span or self.span)

    def common(self) -> dict[str, Any]:
        return {"span": self.span, "keyword": self.keyword.value, "comments": self.line.comments}


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


def build_from(args: Args) -> ast.From:
    flags = args.flags()
    words = args.text.split()
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
        raise args.error("FROM requires either one or three arguments")
    name = words[2] if len(words) == 3 else None
    if name is not None and not STAGE_NAME.match(name.lower()):
        span, _ = args.word_span(name, len(args.text) - len(name))
        raise args.error(f"invalid name for build stage: {go_quote(name)}, name can't start with a "
                         "number or contain symbols", span)
    return ast.From(**args.common(), image=words[0], name=name, platform=flags.get("platform"))


def build_run(args: Args) -> ast.Run:
    flags = args.flags()
    if not args.text:
        raise args.error("RUN requires at least one argument")
    mounts = []
    for value, span in flags.get("mount", []):
        mount_type, options = parse_mount(value, span)
        mounts.append(ast.Mount(span=span, type=mount_type, options=options))
    network = flags.get("network")
    if network is not None and network not in ("default", "none", "host"):
        raise args.error(f"invalid network mode {go_quote(network)}",
                         _flag_span(args, "network"))
    security = flags.get("security")
    if security is not None and security not in ("sandbox", "insecure"):
        raise args.error(f"security {go_quote(security)} is not valid",
                         _flag_span(args, "security"))
    command = command_of(args)
    return ast.Run(
        **args.common(), command=command,
        heredocs=heredoc_nodes(args) if isinstance(command, ast.ShellForm) else (),
        mounts=tuple(mounts), network=network, security=security,
        devices=tuple(value for value, _ in flags.get("device", [])),
    )


def _flag_span(args: Args, name: str) -> Span:
    for word, span in args.flag_words:
        if word[2:].startswith(name):
            return span
    return args.span


def build_cmd(args: Args) -> ast.Cmd:
    args.flags()
    return ast.Cmd(**args.common(), command=command_of(args))


def build_entrypoint(args: Args) -> ast.Entrypoint:
    args.flags()
    return ast.Entrypoint(**args.common(), command=command_of(args))


def build_shell(args: Args) -> ast.Shell:
    args.flags()
    if not args.text:
        raise args.error("SHELL requires at least one argument")
    values = json_array(args.text, args.rest_span)
    if values is None:
        raise args.error("SHELL requires the arguments to be in JSON form")
    if not values:
        raise args.error("SHELL requires at least one argument")
    return ast.Shell(**args.common(), args=tuple(values))


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


def build_copy(args: Args) -> ast.Copy:
    flags = args.flags()
    return ast.Copy(
        **args.common(), **sources_and_dest(args), from_=flags.get("from"),
        chown=flags.get("chown"), chmod=flags.get("chmod"), link=flags.get("link"),
        parents=flags.get("parents"),
        exclude=tuple(value for value, _ in flags.get("exclude", [])),
    )


def build_add(args: Args) -> ast.Add:
    flags = args.flags()
    parts = sources_and_dest(args)
    if flags.get("checksum") and (len(parts["sources"]) != 1 or parts["heredocs"]):
        raise args.error("checksum can't be specified for multiple sources")
    return ast.Add(
        **args.common(), **parts, chown=flags.get("chown"),
        chmod=flags.get("chmod"), link=flags.get("link"),
        keep_git_dir=flags.get("keep-git-dir"), checksum=flags.get("checksum"),
        unpack=flags.get("unpack"),
        exclude=tuple(value for value, _ in flags.get("exclude", [])),
    )


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


def build_arg(args: Args, escape: str) -> ast.Arg:
    words = words_of(args.text, escape)
    if not words:
        raise args.error("ARG requires at least one argument")
    decls = []
    offset = 0
    for word in words:
        span, offset = args.word_span(word, offset)
        name, has_default, default = word.partition("=")
        if has_default and not name:
            raise args.error("ARG names can not be blank", span)
        decls.append(ast.ArgDecl(span=span, name=name, default=default if has_default else None))
    return ast.Arg(**args.common(), args=tuple(decls))


def build_expose(args: Args) -> ast.Expose:
    args.flags()
    if not args.text:
        raise args.error("EXPOSE requires at least one argument")
    return ast.Expose(**args.common(), ports=tuple(args.text.split()))


def build_volume(args: Args) -> ast.Volume:
    args.flags()
    words, is_json = list_args(args)
    if not words:
        raise args.error("VOLUME requires at least one argument")
    if any(not w.strip() for w in words):
        raise args.error("VOLUME specified can not be an empty string")
    return ast.Volume(**args.common(), paths=tuple(words), json=is_json)


def single(args: Args) -> str:
    """USER, WORKDIR, STOPSIGNAL, MAINTAINER: the whole rest is one string."""
    args.flags()
    if not args.text:
        raise args.error(f"{args.name} requires exactly one argument")
    return args.text


def build_healthcheck(args: Args, check_type: Token | None) -> ast.Healthcheck:
    if check_type is None:
        raise args.error("HEALTHCHECK requires at least one argument")
    kind = check_type.value.upper()
    if kind == "NONE":
        if args.text:
            raise args.error("HEALTHCHECK NONE takes no arguments", args.rest_span)
        return ast.Healthcheck(**args.common())
    flags = args.flags()
    if kind != "CMD":
        raise args.error(f"Unknown type {go_quote(kind)} in HEALTHCHECK (try CMD)",
                         args.span_of(check_type))
    if not args.text:
        raise args.error("Missing command after HEALTHCHECK CMD")
    durations: dict[str, int | None] = {}
    for name in ("interval", "timeout", "start-period", "start-interval"):
        durations[name.replace("-", "_")] = _duration(args, name, flags.get(name))
    retries = None
    if flags.get("retries"):
        if not GO_INT.match(flags["retries"]):
            raise args.error(f'strconv.ParseInt: parsing "{flags["retries"]}": invalid syntax',
                             _flag_span(args, "retries"))
        retries = int(flags["retries"])
        if retries < 0:
            raise args.error(f"--retries cannot be negative ({retries})",
                             _flag_span(args, "retries"))
    return ast.Healthcheck(**args.common(), command=command_of(args), retries=retries,
                           **durations)


def _duration(args: Args, name: str, value: str | None) -> int | None:
    if not value:
        return None
    try:
        ns = parse_duration(value)
    except DurationError as exc:
        raise args.error(str(exc), _flag_span(args, name)) from None
    if ns == 0:
        return None
    if ns < 1_000_000:
        raise args.error(f'Interval "{name}" cannot be less than 1ms', _flag_span(args, name))
    return ns


def build_env(args: Args, escape: str) -> ast.Env:
    args.flags()
    return ast.Env(**args.common(), pairs=key_values(args, escape))


def build_label(args: Args, escape: str) -> ast.Label:
    args.flags()
    return ast.Label(**args.common(), pairs=key_values(args, escape))


def build_user(args: Args) -> ast.User:
    return ast.User(**args.common(), user=single(args))


def build_workdir(args: Args) -> ast.Workdir:
    return ast.Workdir(**args.common(), path=single(args))


def build_stopsignal(args: Args) -> ast.StopSignal:
    return ast.StopSignal(**args.common(), signal=single(args))


def build_maintainer(args: Args) -> ast.Maintainer:
    return ast.Maintainer(**args.common(), name=single(args))


def build_unknown(args: Args) -> ast.AnyInstruction:
    hint = suggestion(args.name, list(KEYWORDS))
    raise args.error(f"unknown instruction: {args.keyword.value}{hint}", args.span_of(args.keyword))


ONBUILD_FORBIDDEN = {
    "ONBUILD": "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
    "FROM": "FROM isn't allowed as an ONBUILD trigger",
    "MAINTAINER": "MAINTAINER isn't allowed as an ONBUILD trigger",
}


class Trigger:
    """An instruction inside ONBUILD, built only once its ONBUILD has checked it.

    BuildKit stores a trigger unvalidated (apart from the forbidden instructions), so a bad
    trigger is not a parse error here: it fails where it runs, downstream."""

    def __init__(self, name: str, span: Span, build: Callable[[], ast.AnyInstruction]):
        self.name, self.span, self.build = name, span, build


def build_onbuild(args: Args, trigger: Trigger | None) -> ast.Onbuild:
    args.flags()
    if trigger is None:
        raise args.error("ONBUILD requires at least one argument")
    message = ONBUILD_FORBIDDEN.get(trigger.name)
    if message is not None:
        raise args.error(message, trigger.span)
    try:
        inner: ast.AnyInstruction | None = trigger.build()
    except ParseError:
        inner = None
    text = args.line.text[len(args.keyword.value):].strip()
    text += "".join("\n" + h.body + h.name for h in args.line.heredocs)
    return ast.Onbuild(**args.common(), trigger=inner, text=text)


Builder = Callable[[Args], Any]


class DockerfileTransformer(Transformer[Token, Any]):
    """Inline LALR callbacks. `lines` and `escape` are set per parse by the parser."""

    lines: list[LogicalLine]
    escape: str

    def _build(self, children: list[Any], builder: Builder) -> Any:
        keyword, flags, rest = children
        args = Args(self.lines[keyword.line - 1], keyword, flags, rest)
        if keyword.column != 1:
            return Trigger(args.name, args.span_of(keyword), lambda: builder(args))
        return builder(args)

    def start(self, children: list[Any]) -> list[Any]:
        return children

    def from_(self, c: list[Any]) -> Any:
        return self._build(c, build_from)

    def run(self, c: list[Any]) -> Any:
        return self._build(c, build_run)

    def cmd(self, c: list[Any]) -> Any:
        return self._build(c, build_cmd)

    def entrypoint(self, c: list[Any]) -> Any:
        return self._build(c, build_entrypoint)

    def shell(self, c: list[Any]) -> Any:
        return self._build(c, build_shell)

    def copy(self, c: list[Any]) -> Any:
        return self._build(c, build_copy)

    def add(self, c: list[Any]) -> Any:
        return self._build(c, build_add)

    def env(self, c: list[Any]) -> Any:
        return self._build(c, lambda args: build_env(args, self.escape))

    def label(self, c: list[Any]) -> Any:
        return self._build(c, lambda args: build_label(args, self.escape))

    def arg(self, c: list[Any]) -> Any:
        return self._build(c, lambda args: build_arg(args, self.escape))

    def expose(self, c: list[Any]) -> Any:
        return self._build(c, build_expose)

    def volume(self, c: list[Any]) -> Any:
        return self._build(c, build_volume)

    def user(self, c: list[Any]) -> Any:
        return self._build(c, build_user)

    def workdir(self, c: list[Any]) -> Any:
        return self._build(c, build_workdir)

    def stopsignal(self, c: list[Any]) -> Any:
        return self._build(c, build_stopsignal)

    def maintainer(self, c: list[Any]) -> Any:
        return self._build(c, build_maintainer)

    def healthcheck(self, c: list[Any]) -> Any:
        keyword, flags, check_type, rest = c
        return self._build([keyword, flags, rest],
                           lambda args: build_healthcheck(args, check_type))

    def onbuild(self, c: list[Any]) -> Any:
        keyword, flags, *trigger = c  # no placeholder when the trigger is missing
        return self._build([keyword, flags, None],
                           lambda args: build_onbuild(args, trigger[0] if trigger else None))

    def unknown(self, c: list[Any]) -> Any:
        return self._build(c, build_unknown)
