"""The pass pipeline: each pass gets what it reads from its input or the context, not from
what an unrelated earlier pass happened to leave behind."""

from __future__ import annotations

from dfc.compiler.context import CompileContext
from dfc.compiler.ir import ImageConfig, ImageRef
from dfc.compiler.passes.expand_onbuild import expand_onbuild
from dfc.compiler.pipeline import PASSES, compile_text

TEXT = "FROM node AS unused\nFROM alpine AS a\nFROM alpine\nCOPY --from=a /x /y\nRUN env\n"


def test_base_configs_do_not_depend_on_expand_onbuild() -> None:
    ctx = CompileContext(resolver=lambda ref: ImageConfig(env=("FROM_IMAGE=1",), user="app"))
    full = compile_text(TEXT, ctx)
    without = compile_text(TEXT, ctx, passes=[p for p in PASSES if p is not expand_onbuild])
    assert without == full
    run = full.stages[2].steps[1]
    assert "FROM_IMAGE=1" in run.state.env and run.state.user == "app"


def test_each_base_image_is_resolved_once_and_only_when_needed() -> None:
    asked: list[str] = []

    def resolver(ref: ImageRef) -> ImageConfig:
        asked.append(ref.name)
        return ImageConfig(on_build=("RUN true",) if ref.name == "alpine" else ())

    plan = compile_text(TEXT, CompileContext(resolver=resolver))
    assert asked == ["alpine"]
    assert [stage.triggers for stage in plan.stages] == [0, 1, 1]
