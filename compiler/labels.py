"""Short one-line descriptions of stages and steps, for graphs and the text dump."""

from __future__ import annotations

from dfc.compiler.ir import (
    AnyStep,
    Copy,
    CopySource,
    ImageRef,
    InlineSource,
    Mkdir,
    PathSource,
    Ref,
    Run,
    Scratch,
    Stage,
    StageRef,
)
from dfc.source import Source

WIDTH = 48


def shorten(text: str, width: int = WIDTH) -> str:
    """First line, at most `width` characters.

    >>> shorten("RUN make all\\n  install", 8)
    'RUN mak…'
    """
    line = text.splitlines()[0] if text else ""
    if len(line) > width or "\n" in text.strip():
        return line[: width - 1].rstrip() + "…"
    return line


def ref_label(ref: Ref) -> str:
    if isinstance(ref, StageRef):
        return ref.name
    if isinstance(ref, ImageRef):
        return ref.name
    if isinstance(ref, Scratch):
        return "scratch"
    return "context"


def base_label(stage: Stage) -> str:
    """`FROM <base>` as resolved (the raw text before link_stages)."""
    return f"FROM {ref_label(stage.base) if stage.base is not None else stage.image}"


def _source_label(source: CopySource) -> str:
    if isinstance(source, PathSource):
        return source.path
    if isinstance(source, InlineSource):
        return f"<<{source.name}"
    return source.url


def step_label(step: AnyStep) -> str:
    """What a step does, without the default shell and history decorations."""
    if isinstance(step, Run):
        shell = step.state.shell
        argv = step.argv[len(shell):] if step.argv[: len(shell)] == shell else step.argv
        return shorten("RUN " + " ".join(argv))
    if isinstance(step, Copy):
        origin = "" if step.origin.__struct_config__.tag == "context" else (
            f"--from={ref_label(step.origin)} ")
        sources = " ".join(_source_label(s) for s in step.sources)
        return shorten(f"{step.instruction} {origin}{sources} {step.dest}")
    if isinstance(step, Mkdir):
        return shorten(f"WORKDIR {step.path}")
    if step.history is not None:
        return shorten(step.history.created_by)
    return shorten(f"ONBUILD {step.patch.on_build[-1]}" if step.patch.on_build else "ONBUILD")


def node_labels(stage: Stage, source: Source | None) -> list[str]:
    """One label per step, or per raw instruction for a stage that was not lowered
    (its source line when the text is known, else its keyword)."""
    if stage.steps:
        return [step_label(step) for step in stage.steps]
    return [
        shorten(source.line_text(i.span.line).strip()) if source else i.keyword.upper()
        for i in stage.instructions
    ]
