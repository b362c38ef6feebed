"""ARG and ENV scoping (reference section 3), kept apart from the image config.

BuildKit writes ENV and ARG values into one build env, so the later instruction wins
for RUN while `Config.Env` only ever sees ENV. Global ARGs feed only FROM lines; a stage
sees one only after redeclaring it. Build-arg values are used verbatim; defaults are
expanded. Undeclared proxy build args reach RUN through a separate field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dfc.grammar import ast
from dfc.grammar.words import expand_word

PROXY_ARGS = ("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY")


def global_args(
    prelude: Iterable[ast.Arg],
    build_args: Mapping[str, str],
    automatic: Mapping[str, str],
    escape: str,
) -> dict[str, str]:
    """The meta ARGs FROM lines see: automatic platform args (a build arg of the same
    name overrides the value), then each global ARG in order.

    >>> from dfc.source import Span
    >>> decl = lambda n, d: ast.ArgDecl(span=Span(1, 1, 1, 1), name=n, default=d)
    >>> arg = ast.Arg(span=Span(1, 1, 1, 1), keyword="ARG",
    ...               args=(decl("A", "x-$TARGETARCH"), decl("B", "$A"), decl("C", None)))
    >>> global_args([arg], {"B": "$verbatim"}, {"TARGETARCH": "arm64"}, "\\\\")
    {'TARGETARCH': 'arm64', 'A': 'x-arm64', 'B': '$verbatim'}
    """
    env = {name: build_args.get(name, value) for name, value in automatic.items()}
    for instruction in prelude:
        for decl in instruction.args:
            value = _value(decl, env, build_args, escape)
            if value is not None:
                env[decl.name] = value
    return env


def _value(
    decl: ast.ArgDecl, env: Mapping[str, str], build_args: Mapping[str, str], escape: str
) -> str | None:
    """An ARG's value: the build arg verbatim, else the default expanded, else None.
    The default is expanded only when no build arg is given, as in BuildKit."""
    if decl.name in build_args:
        return build_args[decl.name]
    if decl.default is not None:
        return expand_word(decl.default, env, escape).value
    return None


@dataclass
class Scope:
    """The ARG/ENV state of a stage while its instructions are lowered.

    `env` is the build env in BuildKit's order (first insertion keeps its place);
    `declared` the ARG names declared so far (own and inherited from a base stage),
    in first-declaration order, which RUN history lists.
    """

    env: dict[str, str]
    declared: list[str] = field(default_factory=list)

    def fork(self) -> Scope:
        """An independent copy, for a stage built FROM this one."""
        return Scope(dict(self.env), list(self.declared))

    def declare(
        self,
        decl: ast.ArgDecl,
        globals_: Mapping[str, str],
        build_args: Mapping[str, str],
        escape: str,
    ) -> str:
        """Declare one stage ARG; returns its history text. Like BuildKit's dispatchArg,
        that shows the Dockerfile's own default (expanded), never a build arg's or a global
        ARG's value: `k=default`, or `k` when the line has no default.

        >>> s = Scope({"PATH": "/bin"})
        >>> d = ast.ArgDecl(span=None, name="P", default="$PATH:/x")
        >>> s.declare(d, {}, {}, "\\\\"), s.env["P"]
        ('P=/bin:/x', '/bin:/x')
        >>> s.declare(d, {}, {"P": "given"}, "\\\\"), s.env["P"]
        ('P=/bin:/x', 'given')
        >>> s.declare(ast.ArgDecl(span=None, name="G", default=None), {"G": "g"}, {}, "\\\\")
        'G'
        """
        text = decl.name
        if decl.default is not None:
            text += "=" + expand_word(decl.default, self.env, escape).value
        value = _value(decl, self.env, build_args, escape)
        if value is None:
            value = globals_.get(decl.name)
        if decl.name not in self.declared:
            self.declared.append(decl.name)
        if value is not None:
            self.env[decl.name] = value
        return text

    def snapshot(self) -> dict[str, str]:
        """The env an instruction expands against (one snapshot per instruction)."""
        return dict(self.env)

    def env_list(self) -> tuple[str, ...]:
        return tuple(f"{key}={value}" for key, value in self.env.items())

    def history_args(self) -> str:
        """RUN history prefix `|N k=v ...` for the declared ARGs, or "" when none."""
        if not self.declared:
            return ""
        pairs = " ".join(f"{name}={self.env.get(name, '')}" for name in self.declared)
        return f"|{len(self.declared)} {pairs}"

    def proxy_env(self, build_args: Mapping[str, str]) -> tuple[str, ...]:
        """Proxy build args in both spellings, as RUN gets them, except names the
        env already sets (a declared ARG or an ENV of that name).

        >>> Scope({"HTTPS_PROXY": "q"}).proxy_env({"http_proxy": "p", "HTTPS_PROXY": "q"})
        ('HTTP_PROXY=p', 'http_proxy=p', 'https_proxy=q')
        """
        given = {key.upper(): build_args[key] for key in sorted(build_args, reverse=True)}
        return tuple(
            f"{key}={given[name]}"
            for name in PROXY_ARGS
            if name in given
            for key in (name, name.lower())
            if key not in self.env
        )


def unconsumed_build_args(declared: Iterable[str], build_args: Mapping[str, str]
                          ) -> list[str]:
    """`--build-arg` names no ARG declares (proxy and automatic platform args excepted):
    the classic builder's "were not consumed" warning, which BuildKit dropped.

    >>> unconsumed_build_args(["A"], {"A": "1", "B": "2", "http_proxy": "p"})
    ['B']
    """
    from dfc.compiler.platforms import AUTOMATIC_ARGS

    builtin = {*AUTOMATIC_ARGS, *PROXY_ARGS, *(name.lower() for name in PROXY_ARGS),
               "SOURCE_DATE_EPOCH"}
    known = set(declared)
    return sorted(name for name in build_args if name not in known and name not in builtin)
