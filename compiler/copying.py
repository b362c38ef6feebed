"""COPY and ADD to a `Copy` step (reference sections 2.4 and 7).

Sources, dest, `--chown`, `--chmod` and ADD `--checksum` are expanded; `--exclude` is
not; heredoc bodies are expanded unless the delimiter was quoted. Each source is
classified once here (path, URL, git, inline), so the runtime never sniffs strings.
"""

from __future__ import annotations

import re
from typing import Literal

from dfc.compiler.builder import StageBuilder
from dfc.compiler.history import copy_text
from dfc.compiler.ir import (
    ContextRef,
    Copy,
    CopySource,
    GitSource,
    History,
    InlineSource,
    PathSource,
    Ref,
    UrlSource,
)
from dfc.compiler.values import chomp, copy_dest
from dfc.errors import CompileError
from dfc.grammar import ast
from dfc.grammar.words import expand_heredoc

_HEREDOC_WORD = re.compile(r"^\d*<<")


def classify(source: str) -> CopySource:
    """Git refs and http(s) URLs are remote; anything else is a path.

    >>> [type(classify(s)).__name__ for s in ("a/b", "https://x/f.tgz",
    ...  "https://github.com/o/r.git#main", "git@github.com:o/r.git")]
    ['PathSource', 'UrlSource', 'GitSource', 'GitSource']
    """
    lower = source.lower()
    if lower.startswith(("git://", "git@", "ssh://", "github.com/")):
        return GitSource(url=source)
    if lower.startswith(("http://", "https://")):
        path = source.split("#", 1)[0].split("?", 1)[0]
        return GitSource(url=source) if path.endswith(".git") else UrlSource(url=source)
    return PathSource(path=source)



def _inline(doc: ast.Heredoc, env: dict[str, str]) -> InlineSource:
    data = chomp(doc.body) if doc.chomp else doc.body
    if doc.expand:
        data = expand_heredoc(data, env).value
    return InlineSource(name=doc.name, data=data)


def lower_copy_like(node: ast.Copy | ast.Add, b: StageBuilder, origin: Ref | None) -> Copy:
    """One Copy step; `origin` is the resolved `--from` (None: the build context)."""
    instruction: Literal["COPY", "ADD"] = "COPY" if isinstance(node, ast.Copy) else "ADD"
    env = b.scope.snapshot()
    state = b.state()
    words = [word for word in node.sources if not (node.heredocs and _HEREDOC_WORD.match(word))]
    expanded = [b.expand(word, env) for word in words]
    sources: list[CopySource] = [classify(word) for word in expanded]
    if isinstance(node, ast.Copy):
        for source in sources:
            if isinstance(source, UrlSource):
                raise CompileError("source can't be a URL for COPY")
            if isinstance(source, GitSource):
                raise CompileError("source can't be a git ref for COPY")
    sources += [_inline(doc, env) for doc in node.heredocs]
    dest = b.expand(node.dest, env)
    chown = b.expand(node.chown, env) if node.chown else ""
    chmod = b.expand(node.chmod, env) if node.chmod else ""
    parents = bool(node.parents) if isinstance(node, ast.Copy) else False
    flags = [
        *(["--parents"] if parents else []),
        *([f"--chown={chown}"] if chown else []),
        *([f"--chmod={chmod}"] if chmod else []),
    ]
    shown = expanded + [f"<<{doc.name}" for doc in node.heredocs]
    checksum = ""
    if isinstance(node, ast.Add) and node.checksum:
        if any(isinstance(s, PathSource | InlineSource) for s in sources):
            raise CompileError("checksum can't be specified for non-HTTP(S) sources")
        checksum = b.expand(node.checksum, env)
    return Copy(
        span=node.span,
        state=state,
        history=History(created_by=copy_text(instruction, flags, shown, dest)),
        instruction=instruction,
        origin=origin or ContextRef(),
        sources=tuple(sources),
        dest=copy_dest(state.workdir, dest),
        chown=chown,
        chmod=chmod,
        link=bool(node.link),
        parents=parents,
        exclude=node.exclude,
        checksum=checksum,
        unpack=node.unpack if isinstance(node, ast.Add) else None,
        keep_git_dir=bool(node.keep_git_dir) if isinstance(node, ast.Add) else False,
    )
