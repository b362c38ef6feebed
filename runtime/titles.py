"""Progress names of build steps, as BuildKit prints them: `[stage 2/5] RUN echo hi`.

BuildKit names a step by its instruction as written (continuation lines joined, flags
kept), the keyword upper-cased and variables expanded with the step's environment: for
RUN, quotes are kept and unknown variables left as written (`$X`), and a secret mounted
as an environment variable shows as `****`; for COPY, ADD and WORKDIR the text is
expanded as a shell word (quotes removed). A RUN whose command is a single heredoc adds
the heredoc's first line. The prefix carries the stage name unless the Dockerfile has one
stage, and the position padded to the width of the total (`[ 2/10]`).

ONBUILD triggers have no line of their own in the Dockerfile: they are named from the
step itself (RUN's command without the shell, COPY's history text).
"""

from __future__ import annotations

from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.grammar.lines import LogicalLine, prelex
from dfc.grammar.words import expand_word

SECRET_MASK = "****"


class StepTitles:
    """The names of one Dockerfile's steps."""

    def __init__(self, dockerfile: str, stage_count: int) -> None:
        lines = prelex(dockerfile)
        self.escape = lines.directives.escape
        self.by_line: dict[int, LogicalLine] = {line.places[0][0]: line for line in lines.lines}
        self.named = stage_count > 1

    def prefix(self, label: str, stage: str, position: int, total: int) -> str:
        """`[label stage i/n] `, the stage left out of a one-stage Dockerfile."""
        name = f"{stage} " if self.named else ""
        return f"[{label}{name}{position:>{len(str(total))}}/{total}] "

    def title(self, step: ir.AnyStep, trigger: bool) -> str:
        line = None if trigger else self.by_line.get(step.span.line)
        if line is None or not _same_keyword(line.text, step):
            return fallback_title(step)
        text = line.text.strip()
        env = dict(item.split("=", 1) for item in step.state.env if "=" in item)
        if isinstance(step, ir.Run):
            for mount in step.mounts:
                if mount.type == "secret" and mount.env:
                    env[mount.env] = SECRET_MASK
            if len(line.heredocs) == 1 and _heredoc_only(text):
                text += f" ({_summary(line.heredocs[0].body)})"
            expanded = _expand(text, env, self.escape, raw=True)
        else:
            expanded = _expand(text, env, self.escape, raw=False)
        keyword, _, rest = expanded.partition(" ")
        return f"{keyword.upper()} {rest}" if rest else keyword.upper()


def _expand(text: str, env: dict[str, str], escape: str, *, raw: bool) -> str:
    """BuildKit's processCmdEnv: the text as one shell word; unchanged if it fails."""
    try:
        return expand_word(text, env, escape, skip_unset=raw, raw_quotes=raw).value
    except DfcError:
        return text


def _same_keyword(text: str, step: ir.AnyStep) -> bool:
    keyword = text.split(None, 1)[0].upper() if text.strip() else ""
    if isinstance(step, ir.Run):
        return keyword == "RUN"
    if isinstance(step, ir.Copy):
        return keyword == step.instruction
    if isinstance(step, ir.Mkdir):
        return keyword == "WORKDIR"
    return False


def _heredoc_only(text: str) -> bool:
    """Is the command just one heredoc marker (`RUN <<EOF`, `RUN <<-"EOF"`)?"""
    words = text.split()
    return len(words) == 2 and words[1].startswith("<<")


def _summary(body: str) -> str:
    """The heredoc's first line, `...` when more follow."""
    lines = body.strip().replace("\r\n", "\n").split("\n")
    return lines[0] + ("..." if len(lines) > 1 else "")


def fallback_title(step: ir.AnyStep) -> str:
    """A name from the step alone: RUN's command without the default shell, else the
    history text without BuildKit's suffix."""
    if isinstance(step, ir.Run):
        shell = step.state.shell
        argv = step.argv[len(shell):] if step.argv[: len(shell)] == shell else step.argv
        return "RUN " + " ".join(argv)
    text = step.history.created_by if step.history else type(step).__name__.upper()
    return text.removesuffix(" # buildkit")

