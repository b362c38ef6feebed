"""Grammar tokens -> AST nodes: the inline callbacks of the LALR parser (no parse tree is
built). The grammar gives each instruction its keyword, flag words and argument text;
grammar/instructions.py shapes them into nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Token, Transformer

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.arguments import Args
from dfc.grammar.flags import extract_flags
from dfc.grammar.instructions import (
    Trigger,
    build_add,
    build_arg,
    build_cmd,
    build_copy,
    build_entrypoint,
    build_env,
    build_expose,
    build_from,
    build_healthcheck,
    build_label,
    build_maintainer,
    build_onbuild,
    build_run,
    build_shell,
    build_stopsignal,
    build_unknown,
    build_user,
    build_volume,
    build_workdir,
)
from dfc.grammar.lines import LogicalLine
from dfc.grammar.nodes import parser_error

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
        try:
            return builder(args)
        except ParseError as exc:
            return self._rejected(args, exc)

    def _rejected(self, args: Args, exc: ParseError) -> ast.Rejected:
        """The instruction as BuildKit's parser keeps it when only its instruction layer
        refuses it; an error BuildKit's parser makes too (nodes.py) stays a parse error."""
        text = args.line.text
        error = parser_error(text, self.escape, exc, args.span)
        if error is not None:
            raise error from None
        after = (args.keyword.column or 1) - 1 + len(args.keyword.value)
        return ast.Rejected(**args.common(), text=extract_flags(text[after:])[1].rstrip(),
                            error=exc.message, error_span=exc.span)

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
                           lambda args: build_onbuild(args, trigger[0] if trigger else None,
                                                      self.escape))

    def unknown(self, c: list[Any]) -> Any:
        return self._build(c, build_unknown)
