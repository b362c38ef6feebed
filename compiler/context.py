"""The options a compilation depends on (besides the Dockerfile itself)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from dfc.compiler.ir import ImageConfig, ImageRef

Resolver = Callable[[ImageRef], ImageConfig | None]


@dataclass(frozen=True)
class CompileContext:
    """Build args (`--build-arg`, values verbatim), `--target`, `--platform`, the build
    platform (None: this host), and a base-image resolver.

    `resolver` returns an image's config, or None when unknown; `dfc build` provides
    one (it pulls). Without it (lint, graph, compile) image bases count as empty images,
    so their Env/WorkingDir/User/OnBuild do not show in the plan.
    """

    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    platform: str | None = None
    build_platform: str | None = None
    resolver: Resolver | None = None
    contexts: frozenset[str] = frozenset()
    """`--build-context` names: a stage of one of these names is replaced by the context
    (BuildKit runs none of its instructions); the resolver gives their configs."""
    folder_contexts: frozenset[str] = frozenset()
    """The `contexts` that are local folders: a stage they replace has an empty config."""

    def base_config(self, ref: ImageRef) -> ImageConfig | None:
        """The config of a base image (None: unknown, or no resolver)."""
        return self.resolver(ref) if self.resolver is not None else None

    def resolving_once(self) -> CompileContext:
        """This context with a resolver that asks about each image once (the passes
        that read a base's config share the answer)."""
        if self.resolver is None:
            return self
        return replace(self, resolver=functools.cache(self.resolver))
