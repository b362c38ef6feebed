"""BuildKit's instruction layer: the checks the parser leaves to compiling.

The parser keeps every instruction BuildKit's parser accepts; one its instruction layer
refuses (a bad flag, a missing argument, an unknown instruction...) is a
`Dockerfile.rejected` node carrying that layer's error. Compiling fails on the first one,
then on what only whole files get wrong (an instruction before FROM, no FROM at all), with
the same messages, locations and exit code a parse error has.
"""

from __future__ import annotations

from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.source import Source


def check_instructions(dockerfile: ast.Dockerfile, source: Source | None = None) -> None:
    """Raise the instruction layer's first error, located in `source`."""
    try:
        if dockerfile.rejected:
            first = min(dockerfile.rejected, key=lambda node: (node.span.line, node.span.column))
            raise ParseError(first.error, first.error_span)
        check_stages(dockerfile.instructions)
    except ParseError as exc:
        raise exc.located(exc.span, source) from None


def check_stages(instructions: tuple[ast.AnyInstruction, ...]) -> None:
    """Only ARG may come before the first FROM, and there must be a FROM (BuildKit: no
    build stage in current context / no stages to build)."""
    for node in instructions:
        if isinstance(node, ast.From):
            return
        if not isinstance(node, ast.Arg):
            raise ParseError("no build stage in current context", node.span)
    raise ParseError("dockerfile contains no stages to build")


def parse_checked(data: str | bytes, filename: str = "Dockerfile") -> ast.Dockerfile:
    """Parse, then make the instruction layer's checks: a Dockerfile ready to compile."""
    from dfc.grammar.parser import parse_dockerfile

    dockerfile = parse_dockerfile(data, filename)
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    check_instructions(dockerfile, Source(filename, text))
    return dockerfile
