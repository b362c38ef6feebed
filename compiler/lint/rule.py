"""The rule interface: a rule is a function from the `Lint` facts to `Hit`s.

`Lint` is everything a rule may look at, computed once per file: the source, the AST
(whatever parsed), the Plan when the file compiles (every stage lowered, reachable or
not), per-stage facts (reachability, whether it ships as the final image, its base
image when the store has it), the shell commands of each RUN and a source map to point
inside them. Rules never parse text or compile anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from dfc.compiler.ir import AnyStep, ImageRef, Plan, Ref, StageRef
from dfc.compiler.lint.commands import effective
from dfc.compiler.lint.images import BaseImage, ImageLookup
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.runtext import POSIX_SHELLS, bodies, is_lone_heredoc
from dfc.compiler.lint.shell import Command, Script, read_script
from dfc.compiler.lint.sourcemap import SourceMap, heredoc_position
from dfc.grammar import ast
from dfc.source import Source, Span

N = TypeVar("N", bound=ast.Instruction)
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Rule options from the config: trusted registries (DL3026), label schema
    (DL3049-DL3058), strict labels (DL3050), and the build's target and build args."""

    trusted_registries: tuple[str, ...] = ()
    label_schema: dict[str, str] = field(default_factory=dict)
    strict_labels: bool = False
    target: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)


ContextFiles = Callable[[str], Iterator[str]]
"""The build context's files under a relative path that `.dockerignore` keeps (the
front end walks the folder)."""


@dataclass(frozen=True)
class Surroundings:
    """What lint may know besides the Dockerfile: the files of the build context, its
    `.dockerignore` decision (path -> excluded), and the base images it knows."""

    context_files: ContextFiles | None = None
    ignored: Callable[[str], bool] | None = None
    ignore_has_exceptions: bool = False
    images: ImageLookup | None = None


@dataclass(frozen=True)
class StageFacts:
    """One stage as lint sees it. `steps` are the IR steps (None when the file did not
    compile), aligned with `instructions` after the first `triggers` trigger steps."""

    index: int
    node: ast.From
    instructions: tuple[ast.AnyInstruction, ...]
    reachable: bool
    shipped: bool
    base: Ref | None = None
    steps: tuple[AnyStep, ...] | None = None
    triggers: int = 0

    @property
    def name(self) -> str | None:
        return self.node.name.lower() if self.node.name else None

    @property
    def id(self) -> str:
        return self.name if self.name is not None else f"stage-{self.index}"

    @property
    def last_line(self) -> int:
        last = self.instructions[-1] if self.instructions else self.node
        return last.span.end_line

    def step(self, position: int) -> AnyStep | None:
        """The IR step of `instructions[position]`, when compiled."""
        if self.steps is None:
            return None
        at = self.triggers + position
        return self.steps[at] if at < len(self.steps) else None


class Lint:
    """The facts of one file. Built by the engine; rules only read it."""

    def __init__(self, source: Source, tree: ast.Dockerfile, plan: Plan | None,
                 stages: tuple[StageFacts, ...], settings: Settings,
                 surroundings: Surroundings, parsed: str | None = None) -> None:
        self.source = source
        self.parsed = source.text if parsed is None else parsed
        self.tree = tree
        self.plan = plan
        self.stages = stages
        self.settings = settings
        self.surroundings = surroundings
        self._scripts: dict[int, Script] = {}
        self._commands: dict[int, list[Command]] = {}
        self._images: dict[str, BaseImage | None] = {}
        self._memo: dict[tuple[str, int], object] = {}

    @cached_property
    def source_map(self) -> SourceMap:
        return SourceMap(self.parsed)

    @property
    def prelude(self) -> tuple[ast.Arg, ...]:
        """The global ARGs (before the first FROM)."""
        out = []
        for node in self.tree.instructions:
            if isinstance(node, ast.From):
                break
            if isinstance(node, ast.Arg):
                out.append(node)
        return tuple(out)

    # --- walking ---------------------------------------------------------------------

    def nodes(self, kind: type[N]) -> Iterator[tuple[StageFacts, N]]:
        """Every instruction of type `kind` in the stages, with its stage."""
        for stage in self.stages:
            for node in stage.instructions:
                if isinstance(node, kind):
                    yield stage, node

    def runs(self) -> Iterator[tuple[StageFacts, ast.Run]]:
        """Every RUN, ONBUILD RUN triggers included (they run in a child build)."""
        for stage in self.stages:
            for node in stage.instructions:
                if isinstance(node, ast.Onbuild) and isinstance(node.trigger, ast.Run):
                    yield stage, node.trigger
                elif isinstance(node, ast.Run):
                    yield stage, node

    # --- shell -----------------------------------------------------------------------

    def script(self, run: ast.Run) -> Script | None:
        """The shell reading of a shell-form RUN (None for exec form): its command line
        (unless it is a lone `<<EOF`) and its POSIX-shell heredoc bodies."""
        if not isinstance(run.command, ast.ShellForm):
            return None
        key = id(run)
        if key not in self._scripts:
            parts = [] if is_lone_heredoc(run) else [read_script(run.command.text)]
            parts += [read_script(body.doc.body, body.base) for body in bodies(run)
                      if body.shell is None or body.shell in POSIX_SHELLS]
            self._scripts[key] = Script(
                tuple(c for part in parts for c in part.commands),
                tuple(r for part in parts for r in part.refs),
                frozenset(n for part in parts for n in part.assigned),
            )
        return self._scripts[key]

    def commands(self, run: ast.Run) -> list[Command]:
        """The commands a RUN runs, wrappers (sudo, env, sh -c) seen through."""
        key = id(run)
        if key not in self._commands:
            script = self.script(run)
            self._commands[key] = list(effective(script.commands)) if script else []
        return self._commands[key]

    def memo(self, name: str, stage: StageFacts, compute: Callable[[], T]) -> T:
        """A per-stage fact computed once per file (several rules share it)."""
        key = (name, stage.index)
        if key not in self._memo:
            self._memo[key] = compute()
        # one store for every fact; the name keeps each entry to the T its computation gave
        return self._memo[key]  # type: ignore[return-value]

    def span_in(self, run: ast.Run, start: int, end: int) -> Span:
        """The source span of offsets `start:end` of a RUN (see runtext)."""
        assert isinstance(run.command, ast.ShellForm)
        text = run.command.text
        if start <= len(text):
            return self.source_map.text_span(run.command, start, min(end, len(text)))
        for body in bodies(run):
            offset = start - body.base
            if 0 <= offset < len(body.doc.body):
                lines = body.doc.body[:offset].split("\n")
                line, column = heredoc_position(body.doc, len(lines), len(lines[-1]) + 1)
                width = max(1, min(end - start, len(body.doc.body) - offset))
                return Span(line, column, line, column + width)
        return run.span

    # --- stages and images -----------------------------------------------------------

    def stage_named(self, name: str) -> StageFacts | None:
        """`--from`/FROM name or index lookup (names are case-insensitive)."""
        if name.isdigit():
            index = int(name)
            return self.stages[index] if index < len(self.stages) else None
        wanted = name.lower()
        return next((s for s in self.stages if s.name == wanted), None)

    def root_image(self, stage: StageFacts) -> str | None:
        """The image name a stage ultimately builds on (through base stages); None
        for scratch or when not compiled."""
        seen = 0
        base = stage.base
        while isinstance(base, StageRef) and seen < len(self.stages):
            base = self.stages[base.index].base
            seen += 1
        return base.name if isinstance(base, ImageRef) else None

    def base_image(self, stage: StageFacts) -> BaseImage | None:
        """The base image under `stage` (through base stages) when the store has it."""
        name = self.root_image(stage)
        lookup = self.surroundings.images
        if name is None or lookup is None:
            return None
        if name not in self._images:
            self._images[name] = lookup(name)
        return self._images[name]

    def base_known(self, stage: StageFacts) -> bool:
        """Is everything under `stage` known: scratch, or an image in the store?"""
        return self.root_image(stage) is None and stage.base is not None or \
            self.base_image(stage) is not None

    def layers_ship(self, stage: StageFacts) -> bool:
        """Do the stage's layers end up in an image: it ships, or a later stage is built
        FROM it (a stage only copied from ships just the copied files)?"""
        if stage.shipped:
            return True
        later = self.stages[stage.index + 1:]
        return any(isinstance(s.base, StageRef) and s.base.index == stage.index or
                   (s.base is None and stage.name is not None and s.node.image.lower() ==
                    stage.name) for s in later)

    def chain(self, stage: StageFacts) -> list[StageFacts]:
        """`stage` and the stages it is built on, nearest first."""
        out = [stage]
        while isinstance(out[-1].base, StageRef) and len(out) <= len(self.stages):
            out.append(self.stages[out[-1].base.index])
        return out


Rule = Callable[[Lint], Iterable[Hit]]
