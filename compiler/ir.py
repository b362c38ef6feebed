"""The stage-DAG IR: what the compiler hands to cache keys and the runtime.

A `Plan` is a tuple of `Stage`s; after the pipeline every reachable stage holds fully
resolved `Step`s (variables expanded, shell wrapping done, paths made absolute, stage
names turned into `Ref`s), so the runtime never reads Dockerfile text. Each step also
records the config `State` it runs under and its history entry, so its meaning (and its
cache key, see cache/keys.py) never depends on the steps before it.

Encoding is deterministic: the same Dockerfile and options give byte-identical
`msgspec.json.encode(plan)`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from dfc.grammar import ast
from dfc.source import Span

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


class File(_Struct, frozen=True):
    """A file the runtime provides read-only to a RUN (a heredoc script with `#!`)."""

    path: str
    data: str
    mode: int = 0o755


class Step(_Struct, frozen=True, tag_field="kind"):
    """Fields common to every step."""

    span: Span
    state: State
    history: History | None = None


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

# --- stages and the plan --------------------------------------------------------------


class Dep(_Struct, frozen=True):
    """A stage this stage needs: as its base, or by the step at `at` (copy/mount)."""

    kind: Literal["base", "copy-from", "mount-from"]
    stage: int
    at: int | None = None


class Stage(_Struct, frozen=True):
    """One FROM block, as each pass leaves it. Lowering fills `instructions` (raw AST);
    resolve_from_args and link_stages the `base`, `platform` and `deps`; expand_onbuild
    puts the base's ONBUILD triggers first (`triggers` of them); prune_unreachable sets
    `reachable`; resolve_bases records `base_config` for the reachable stages FROM an
    image; expand_vars turns the reachable ones into `steps` (1:1, same indexes) and
    their final `config`. A pruned stage keeps its instructions and never gets a config:
    the runtime builds from `Plan.resolved_stages()`, where the config is always there.

    One record type serves every phase because `dfc compile --format json` and the plan
    cache encode and decode it: msgspec tells struct types in one list apart only by a
    tag, which the JSON would then show."""

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
    replaced: Literal["", "image", "folder"] = ""
    """A `--build-context` of the stage's name replaces it (link_stages): its base is the
    context (an image, or a local folder as its root filesystem), its instructions are
    dropped and its config is the context's own, as BuildKit leaves a stage it replaces."""

    @property
    def id(self) -> str:
        """The name users see: the stage name, or `stage-<index>`."""
        return self.name if self.name is not None else f"stage-{self.index}"


class ResolvedStage(_Struct, frozen=True):
    """A stage expand_vars lowered, with its final config: what the runtime builds."""

    stage: Stage
    config: ImageConfig


class Plan(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
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

    def resolved_stages(self) -> dict[int, ResolvedStage]:
        """The stages expand_vars lowered, by index, in file order: every stage the
        target needs (none before the pipeline's last pass)."""
        return {stage.index: ResolvedStage(stage=stage, config=stage.config)
                for stage in self.stages if stage.config is not None}
