"""Which variable names an instruction can see, from the AST (no compile needed).

A stage sees the ARGs and ENVs declared before the instruction in its own stage and in
the stages it is built on, and the base image's Env when the store has the image.
Global ARGs are visible only once redeclared: that is the point of DFC400.
"""

from __future__ import annotations

import re

import msgspec

from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.grammar.words import expand_word
from dfc.source import Span

ALWAYS = frozenset({"PATH", "HOME", "HOSTNAME", "PWD", "OLDPWD", "SHLVL", "IFS", "TERM",
                    "UID", "EUID", "PPID", "RANDOM", "LINENO", "BASH", "BASH_VERSION",
                    "SHELL", "USER", "OPTARG", "OPTIND", "PS1", "PS4", "BASH_SOURCE",
                    "FUNCNAME", "PIPESTATUS", "SECONDS", "REPLY", "LANG", "_"})
SHELL_PRAGMA = re.compile(r"^(?:hadolint|dfc)\s+shell\s*=\s*(\S+)")
PROXIES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
                     "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy"})


def names_before(lint: Lint, stage: StageFacts, node: ast.Instruction | None) -> set[str]:
    """ARG/ENV names declared before `node` (None: the end of the stage) in `stage` and
    its base stages, plus the base image's Env names when known."""
    names: set[str] = set()
    chain = lint.chain(stage)
    image = lint.base_image(stage)
    if image is not None:
        names.update(item.split("=", 1)[0] for item in image.config.env)
    for current in reversed(chain):
        for instruction in current.instructions:
            if current is stage and instruction is node:
                return names
            names.update(declared_by(instruction))
    return names


def declared_by(node: ast.Instruction) -> set[str]:
    if isinstance(node, ast.Arg):
        return {d.name for d in node.args}
    if isinstance(node, ast.Env):
        return {p.key for p in node.pairs}
    return set()


def shell_at(lint: Lint, stage: StageFacts, node: ast.Instruction) -> tuple[str, ...]:
    """The SHELL in effect at `node`: the last SHELL (or `# hadolint shell=X` / `# dfc
    shell=X` comment, hadolint's pragma) before it in the stage chain, else the base
    image's, else `/bin/sh -c`."""
    found: tuple[str, ...] | None = None
    for current in reversed(lint.chain(stage)):
        for instruction in current.instructions:
            for comment in instruction.comments:
                pragma = SHELL_PRAGMA.match(comment)
                if pragma:
                    found = (pragma.group(1), "-c")
            if current is stage and instruction is node:
                break
            if isinstance(instruction, ast.Shell):
                found = instruction.args
    if found is not None:
        return found
    image = lint.base_image(stage)
    if image is not None and image.config.shell:
        return image.config.shell
    return ("/bin/sh", "-c")


class Use(msgspec.Struct, frozen=True):
    """A variable read by an instruction: where, and whether a default covers it."""

    name: str
    span: Span
    guarded: bool = False


def _expanded(text: str, escape: str) -> frozenset[str]:
    try:
        return expand_word(text, {}, escape).used
    except DfcError:
        return frozenset()


def uses(lint: Lint, node: ast.Instruction) -> list[Use]:
    """The variables an instruction reads: the builder's expansions (COPY, ENV,
    WORKDIR...) and a shell-form RUN's own `$NAME`s (minus names the script assigns).
    CMD/ENTRYPOINT read theirs at run time, in the container: not counted."""
    escape = lint.tree.directives.escape
    if isinstance(node, ast.Run):
        script = lint.script(node)
        if script is None:
            return []
        return [Use(r.name, lint.span_in(node, r.start, r.end), r.guarded)
                for r in script.refs if r.name not in script.assigned]
    texts: list[tuple[str, Span]] = []
    if isinstance(node, ast.Copy | ast.Add):
        texts = [(t, node.span) for t in (*node.sources, node.dest, node.chown or "",
                                          node.chmod or "")]
    elif isinstance(node, ast.Env | ast.Label):
        texts = [(t, p.span) for p in node.pairs for t in (p.key, p.value)]
    elif isinstance(node, ast.Arg):
        texts = [(d.default, d.span) for d in node.args if d.default]
    elif isinstance(node, ast.Workdir):
        texts = [(node.path, node.span)]
    elif isinstance(node, ast.User):
        texts = [(node.user, node.span)]
    elif isinstance(node, ast.Expose):
        texts = [(p, node.span) for p in node.ports]
    elif isinstance(node, ast.Volume):
        texts = [(p, node.span) for p in node.paths]
    elif isinstance(node, ast.StopSignal):
        texts = [(node.signal, node.span)]
    out = []
    for text, span in texts:
        if "$" in text:
            guarded = re.search(r"\$\{\w+:?[-=?+]", text) is not None
            out += [Use(name, span, guarded) for name in sorted(_expanded(text, escape))]
    return out
