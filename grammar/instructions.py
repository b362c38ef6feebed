"""Per-instruction builders: `Args` -> one AST node, with BuildKit's checks and messages at
the point BuildKit makes them (flags, arity, JSON forms, HEALTHCHECK durations, ONBUILD).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lark import Token

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.arguments import (
    Args,
    command_of,
    duration,
    flag_span,
    heredoc_nodes,
    json_array,
    key_values,
    list_args,
    single,
    sources_and_dest,
    words_of,
)
from dfc.grammar.flags import go_quote, parse_mount, suggestion
from dfc.grammar.nodes import parser_error
from dfc.source import Span

STAGE_NAME = re.compile(r"^[a-z][a-z0-9\-_.]*$")
GO_INT = re.compile(r"[+-]?[0-9]+\Z", re.ASCII)  # strconv.ParseInt, base 10

KEYWORDS = ("FROM", "RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "ENV", "LABEL",
            "ARG", "EXPOSE", "VOLUME", "USER", "WORKDIR", "STOPSIGNAL", "HEALTHCHECK",
            "MAINTAINER", "ONBUILD")


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
                         flag_span(args, "network"))
    security = flags.get("security")
    if security is not None and security not in ("sandbox", "insecure"):
        raise args.error(f"security {go_quote(security)} is not valid",
                         flag_span(args, "security"))
    command = command_of(args)
    return ast.Run(
        **args.common(), command=command,
        heredocs=heredoc_nodes(args) if isinstance(command, ast.ShellForm) else (),
        mounts=tuple(mounts), network=network, security=security,
        devices=tuple(value for value, _ in flags.get("device", [])),
    )


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
    interval, timeout, start_period, start_interval = (
        duration(args, name, flags.get(name))
        for name in ("interval", "timeout", "start-period", "start-interval"))
    retries = None
    if flags.get("retries"):
        if not GO_INT.match(flags["retries"]):
            raise args.error(f'strconv.ParseInt: parsing "{flags["retries"]}": invalid syntax',
                             flag_span(args, "retries"))
        retries = int(flags["retries"])
        if retries < 0:
            raise args.error(f"--retries cannot be negative ({retries})",
                             flag_span(args, "retries"))
    return ast.Healthcheck(**args.common(), command=command_of(args), retries=retries,
                           interval=interval, timeout=timeout, start_period=start_period,
                           start_interval=start_interval)


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


def build_onbuild(args: Args, trigger: Trigger | None, escape: str) -> ast.Onbuild:
    args.flags()
    if trigger is None:
        raise args.error("ONBUILD requires at least one argument")
    message = ONBUILD_FORBIDDEN.get(trigger.name)
    if message is not None:
        raise args.error(message, trigger.span)
    line = args.line.text[len(args.keyword.value):].strip()
    try:
        inner: ast.AnyInstruction | None = trigger.build()
    except ParseError as exc:
        # BuildKit's parser reads the trigger too: what it refuses fails the parse.
        error = parser_error(line, escape, exc, trigger.span)
        if error is not None:
            raise error from None
        inner = None
    text = line
    text += "".join("\n" + h.body + h.name for h in args.line.heredocs)
    return ast.Onbuild(**args.common(), trigger=inner, text=text)
