"""The stage-DAG IR: what the compiler hands to cache keys and the runtime.

A `Plan` is a tuple of `Stage`s; after the pipeline every reachable stage holds fully
resolved `Step`s (variables expanded, shell wrapping done, paths made absolute, stage
names turned into `Ref`s), so the runtime never reads Dockerfile text. Each step also
records the config `State` it runs under and its history entry, so its meaning (and its
cache key, see `keyed`) never depends on the steps before it.

Encoding is deterministic: the same Dockerfile and options give byte-identical
`msgspec.json.encode(plan)`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec

from dfc.grammar import ast
from dfc.source import Span

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_SHELL = ("/bin/sh", "-c")
HISTORY_COMMENT = "buildkit.dockerfile.v0"


class _Struct(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The IR's struct options in one place: frozen, keyword-only, defaults left out of
    the encoding (so plans stay small and byte-identical)."""


# --- where a base or files come from -------------------------------------------------


class ContextRef(_Struct, frozen=True, tag="context"):
    """The build context (after .dockerignore)."""


class StageRef(_Struct, frozen=True, tag="stage"):
    """An earlier stage of the same plan, by index (name kept for display)."""

    index: int
    name: str


class ImageRef(_Struct, frozen=True, tag="image"):
    """An image reference to pull, for the platform it is needed on."""

    name: str
    platform: str


class Scratch(_Struct, frozen=True, tag="scratch"):
    """The empty image."""


Ref = ContextRef | StageRef | ImageRef | Scratch


# --- image config ---------------------------------------------------------------------


class Healthcheck(msgspec.Struct, frozen=True, rename="pascal", omit_defaults=True):
    """OCI/Docker `Healthcheck`; durations in nanoseconds, 0 = runtime default."""

    test: tuple[str, ...]
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0


class ImageConfig(msgspec.Struct, frozen=True, rename="pascal", omit_defaults=True):
    """The image config fields a Dockerfile can change (Docker's JSON names).

    Maps are kept as sorted tuples (`exposed_ports`, `volumes`) or insertion-ordered
    dicts (`labels`) so encoding stays deterministic. `author` is the image-level
    `Author` field (MAINTAINER), kept here because it evolves the same way.
    """

    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    working_dir: str = ""
    labels: dict[str, str] = {}
    stop_signal: str = ""
    args_escaped: bool = False
    healthcheck: Healthcheck | None = None
    on_build: tuple[str, ...] = ()
    shell: tuple[str, ...] = ()
    author: str = ""


_UNSET = msgspec.UNSET
_Unset = msgspec.UnsetType


class ConfigPatch(msgspec.Struct, frozen=True, rename="pascal", omit_defaults=True):
    """The fields of `ImageConfig` one SetConfig step replaces (new whole values)."""

    user: str | _Unset = _UNSET
    exposed_ports: tuple[str, ...] | _Unset = _UNSET
    env: tuple[str, ...] | _Unset = _UNSET
    entrypoint: tuple[str, ...] | _Unset = _UNSET
    cmd: tuple[str, ...] | _Unset = _UNSET
    volumes: tuple[str, ...] | _Unset = _UNSET
    working_dir: str | _Unset = _UNSET
    labels: dict[str, str] | _Unset = _UNSET
    stop_signal: str | _Unset = _UNSET
    args_escaped: bool | _Unset = _UNSET
    healthcheck: Healthcheck | None | _Unset = _UNSET
    on_build: tuple[str, ...] | _Unset = _UNSET
    shell: tuple[str, ...] | _Unset = _UNSET
    author: str | _Unset = _UNSET

    def apply(self, config: ImageConfig) -> ImageConfig:
        """`config` with this patch's fields replaced."""
        changes = {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not _UNSET
        }
        return msgspec.structs.replace(config, **changes)


# --- steps ----------------------------------------------------------------------------


class State(_Struct, frozen=True):
    """The config state a step runs under. `env` is the build env (base Env + ENV +
    declared ARG values, later wins), which is what RUN sees, not `Config.Env`."""

    env: tuple[str, ...]
    user: str
    workdir: str
    shell: tuple[str, ...]
    platform: str


class History(_Struct, frozen=True):
    """The image history entry of a step (BuildKit's `created_by` text)."""

    created_by: str
    empty_layer: bool = False
    comment: str = HISTORY_COMMENT


class Mount(_Struct, frozen=True):
    """A resolved `RUN --mount`. `origin` is where bind/cache sources come from."""

    type: Literal["bind", "cache", "tmpfs", "secret", "ssh"]
    target: str
    source: str = ""
    origin: Ref | None = None
    readonly: bool = False
    id: str = ""
    sharing: Literal["shared", "private", "locked"] | None = None
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    size: int | None = None
    required: bool = False
    env: str = ""

    @property
    def keyed_by_content(self) -> bool:
        """Does the content of the source key the step? Binds and caches seeded `from=` a
        source, by its content (BuildKit's content-based mount deps); the contents of a
        cache, a tmpfs or a secret never do."""
        return self.origin is not None and self.type in ("bind", "cache")


class File(_Struct, frozen=True):
    """A file the runtime provides read-only to a RUN (a heredoc script with `#!`)."""

    path: str
    data: str
    mode: int = 0o755


class Step(_Struct, frozen=True, tag_field="kind"):
    """Fields common to every step. `keyed_state` names the `state` fields the step's
    result depends on; see `keyed`."""

    span: Span
    state: State
    history: History | None = None

    keyed_state: ClassVar[tuple[str, ...]] = ()


class Run(Step, frozen=True, kw_only=True, tag="run"):
    """RUN: `argv` is final (shell wrapping done). `args` lists the ARGs declared in
    scope (they are in `state.env`); `proxy_env` holds undeclared proxy build args,
    passed to the process but left out of history and of the cache key."""

    argv: tuple[str, ...]
    args: tuple[str, ...] = ()
    proxy_env: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    files: tuple[File, ...] = ()
    network: Literal["default", "none", "host"] = "default"
    security: Literal["sandbox", "insecure"] = "sandbox"
    devices: tuple[str, ...] = ()

    keyed_state: ClassVar[tuple[str, ...]] = ("env", "user", "workdir", "platform")


class PathSource(_Struct, frozen=True, tag="path"):
    """A path (or wildcard pattern) in the origin, as written after expansion."""

    path: str


class UrlSource(_Struct, frozen=True, tag="url"):
    """An http(s) URL (ADD only)."""

    url: str


class GitSource(_Struct, frozen=True, tag="git"):
    """A git repository reference (ADD only)."""

    url: str


class InlineSource(_Struct, frozen=True, tag="inline"):
    """A heredoc: file `name` with `data` (expanded unless the delimiter was quoted)."""

    name: str
    data: str


CopySource = PathSource | UrlSource | GitSource | InlineSource


class Copy(Step, frozen=True, kw_only=True, tag="copy"):
    """COPY or ADD. `dest` is absolute; a trailing `/` marks it as a directory."""

    instruction: Literal["COPY", "ADD"]
    origin: Ref
    sources: tuple[CopySource, ...]
    dest: str
    chown: str = ""
    chmod: str = ""
    link: bool = False
    parents: bool = False
    exclude: tuple[str, ...] = ()
    checksum: str = ""
    unpack: bool | None = None
    keep_git_dir: bool = False


class Mkdir(Step, frozen=True, kw_only=True, tag="mkdir"):
    """WORKDIR's `mkdir -p`, owned by the USER in effect (resolved in the image)."""

    path: str
    user: str
    mode: int = 0o755


class SetConfig(Step, frozen=True, kw_only=True, tag="config"):
    """A metadata-only instruction: no layer and no key of its own. What it changes
    reaches later steps through their recorded `state` (so ENV before a RUN changes the
    RUN's key, LABEL does not) and the stage's final `config`."""

    instruction: str
    patch: ConfigPatch = ConfigPatch()


AnyStep = Run | Copy | Mkdir | SetConfig

UNKEYED_FIELDS = frozenset({"span", "state", "history", "proxy_env"})


def keyed(step: AnyStep) -> dict[str, object]:
    """The parts of a step its result depends on: what a cache key must hash.

    >>> s = State(env=("A=1",), user="", workdir="/", shell=DEFAULT_SHELL, platform="p")
    >>> keyed(Run(span=Span(1, 1, 1, 2), state=s, argv=("true",), proxy_env=("x=1",)))
    {'kind': 'run', 'argv': ('true',), 'state': {'env': ('A=1',), 'user': '', \
'workdir': '/', 'platform': 'p'}}
    """
    view: dict[str, object] = {"kind": type(step).__struct_config__.tag}
    defaults = dict(zip(step.__struct_fields__, _defaults(type(step)), strict=True))
    for name in step.__struct_fields__:
        value = getattr(step, name)
        if name not in UNKEYED_FIELDS and value != defaults[name]:
            view[name] = value
    if step.keyed_state:
        view["state"] = {name: getattr(step.state, name) for name in step.keyed_state}
    return view


def _defaults(cls: type[Step]) -> tuple[object, ...]:
    info = cls.__struct_defaults__
    padding = (msgspec.NODEFAULT,) * (len(cls.__struct_fields__) - len(info))
    return padding + info


# --- stages and the plan --------------------------------------------------------------


class Dep(_Struct, frozen=True):
    """A stage this stage needs: as its base, or by the step at `at` (copy/mount)."""

    kind: Literal["base", "copy-from", "mount-from"]
    stage: int
    at: int | None = None


class Stage(_Struct, frozen=True):
    """One FROM block. Lowering fills `instructions` (raw AST); `expand_vars` turns the
    reachable ones into `steps` (1:1, same indexes) and the final `config`. The first
    `triggers` instructions/steps came from ONBUILD triggers of the base."""

    index: int
    name: str | None
    span: Span
    image: str
    platform_text: str | None = None
    base: Ref | None = None
    platform: str = ""
    instructions: tuple[ast.AnyInstruction, ...] = ()
    triggers: int = 0
    deps: tuple[Dep, ...] = ()
    reachable: bool = True
    base_config: ImageConfig | None = None
    steps: tuple[AnyStep, ...] = ()
    config: ImageConfig | None = None

    @property
    def id(self) -> str:
        """The name users see: the stage name, or `stage-<index>`."""
        return self.name if self.name is not None else f"stage-{self.index}"


class Plan(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, dict=True):
    """The whole build: stages in file order, the target index, the platforms, the
    resolved global (meta) ARGs used by FROM lines, and the file's escape token."""

    stages: tuple[Stage, ...]
    target: int
    build_platform: str
    platform: str
    escape: str = "\\"
    prelude: tuple[ast.Arg, ...] = ()
    globals: dict[str, str] = {}
    declared: tuple[str, ...] = ()
    """Every ARG name declared anywhere in the file (for the unused build-arg warning)."""

    @cached_property
    def graph(self) -> nx.DiGraph[str]:
        """Stage nodes (`s<i>`, the stage's result) and step nodes (`s<i>_<j>`), edges
        tagged `kind`: `step` within a stage, `base`/`copy-from`/`mount-from` across."""
        from dfc.compiler.graph import plan_graph

        return plan_graph(self)

    def topological_generations(self) -> list[list[int]]:
        """Stage indexes grouped so that each group only needs earlier groups: the
        stages of one group can build in parallel."""
        from dfc.compiler.graph import stage_generations

        return stage_generations(self)
