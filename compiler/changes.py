"""`docker commit --change` and `docker import --change`: Dockerfile config instructions
applied to an image config, outside any build.

Docker parses the changes as Dockerfile lines, refuses every instruction but the ten
below (`run is not a valid change command`), and dispatches the rest as a build would,
variables expanded against the config's Env. The lowering of each instruction here is
the compiler's own (lower.py), run over a one-stage builder whose config is the given
one, so ENV, EXPOSE, ENTRYPOINT and the others behave exactly as in a Dockerfile.
"""

from __future__ import annotations

from collections.abc import Sequence

from dfc.compiler.builder import StageBuilder, env_scope
from dfc.compiler.ir import ImageConfig, Plan, Stage
from dfc.errors import DfcError, ParseError
from dfc.grammar import ast

ALLOWED = ("cmd", "entrypoint", "env", "expose", "healthcheck", "label", "onbuild", "user",
           "volume", "workdir")
"""Docker's validCommitCommands."""


class ChangeError(DfcError):
    """A `--change` docker refuses (the daemon's error: exit 1)."""

    exit_code = 1


def _instructions(changes: Sequence[str]) -> list[ast.AnyInstruction]:
    from dfc.compiler.checks import parse_checked
    from dfc.grammar.lines import prelex

    text = "\n".join(changes) + "\n"
    for line in prelex(text).lines:
        word = line.text.split(None, 1)[0].lower() if line.text.strip() else ""
        if word and word not in ALLOWED:
            raise ChangeError(f"{word} is not a valid change command")
    try:
        parsed = parse_checked("FROM scratch\n" + text, "--change")
    except ParseError as exc:
        raise ChangeError(exc.message) from None
    return list(parsed.instructions[1:])


def apply_changes(config: ImageConfig, changes: Sequence[str], platform: str) -> ImageConfig:
    """`config` with the `--change` instructions applied in order."""
    from dfc.compiler.lower import LOWER

    instructions = _instructions(changes)
    if not instructions:
        return config
    span = instructions[0].span
    stage = Stage(index=0, name=None, span=span, image="scratch", platform=platform)
    plan = Plan(stages=(stage,), target=0, build_platform=platform, platform=platform)
    builder = StageBuilder(plan=plan, stage=stage, build_args={}, scope=env_scope(config),
                           config=config)
    for instruction in instructions:
        try:
            LOWER[type(instruction)](instruction, builder)
        except DfcError as exc:
            raise ChangeError(exc.message) from None
    return builder.config



