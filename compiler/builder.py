"""The per-stage state while instructions are lowered: scope, image config, flags.

`expand_vars` creates one `StageBuilder` per reachable stage and hands it to each
`lower_<instruction>`; the builder is local to that pass, so the pass stays pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dfc.compiler.ir import (
    DEFAULT_PATH,
    DEFAULT_SHELL,
    ConfigPatch,
    History,
    ImageConfig,
    Plan,
    SetConfig,
    Stage,
    State,
)
from dfc.compiler.scope import Scope
from dfc.grammar import ast
from dfc.grammar.words import expand_word

SCRATCH_CONFIG = ImageConfig(env=(f"PATH={DEFAULT_PATH}",), working_dir="/")


def with_default_path(config: ImageConfig) -> ImageConfig:
    """BuildKit adds the default PATH to a base config that lacks one."""
    if any(item.startswith("PATH=") for item in config.env):
        return config
    return ConfigPatch(env=(*config.env, f"PATH={DEFAULT_PATH}")).apply(config)


def env_scope(config: ImageConfig) -> Scope:
    """The build env of a stage FROM an image: the image's Env, no declared ARGs."""
    env: dict[str, str] = {}
    for item in config.env:
        key, _, value = item.partition("=")
        env.setdefault(key, value)
    return Scope(env)


@dataclass
class StageBuilder:
    plan: Plan
    stage: Stage
    build_args: Mapping[str, str]
    scope: Scope
    config: ImageConfig
    cmd_set: bool = False

    def state(self) -> State:
        """The state the next step runs under."""
        return State(
            env=self.scope.env_list(),
            user=self.config.user,
            workdir=self.config.working_dir or "/",
            shell=self.shell(),
            platform=self.stage.platform,
        )

    def shell(self) -> tuple[str, ...]:
        return self.config.shell or DEFAULT_SHELL

    def expand(self, text: str, env: Mapping[str, str]) -> str:
        """ProcessWord against `env` (the instruction's snapshot)."""
        return expand_word(text, env, self.plan.escape).value

    def configure(
        self,
        instruction: ast.Instruction,
        patch: ConfigPatch,
        created_by: str | None,
        state: State | None = None,
    ) -> SetConfig:
        """A metadata step: record the state before it (`state` if the caller already
        changed the scope), then apply the patch."""
        history = None if created_by is None else History(created_by=created_by, empty_layer=True)
        step = SetConfig(
            span=instruction.span,
            state=state or self.state(),
            history=history,
            instruction=str(type(instruction).__struct_config__.tag),
            patch=patch,
        )
        self.config = patch.apply(self.config)
        return step
