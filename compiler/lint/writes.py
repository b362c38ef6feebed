"""What each instruction of a stage writes to the image's filesystem, as far as can be
told from the text.

COPY/ADD write their destination, WORKDIR its folder; RUN commands are modelled when
their effect is known (mkdir, cp, wget -O, tar -C, git clone, package managers write
the system folders and their caches...). Any other command may write anywhere: then
the stage's writes are "unbounded" and path rules say nothing rather than guess.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

import msgspec

from dfc.compiler.lint.commands import positionals, subcommand
from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.compiler.lint.shell import Command
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.grammar.words import expand_word

SYSTEM = ("/usr", "/etc", "/var", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
          "/opt", "/root", "/home", "/run", "/srv")
QUIET = frozenset({"echo", "printf", "true", "false", "set", "export", "test", "[", "ls", "cat",
                   "grep", "id", "whoami", "which", "command", "env", "sleep", "chmod", "chown",
                   "chgrp", "rm", "head", "tail", "sort", "uname", "date", "exit", "cd", ":",
                   "pwd", "stat", "file", "du", "df", "find", "wc", "awk", "cut", "tr", "xargs",
                   "type", "hash", "sh", "bash", "readlink", "realpath", "dirname", "basename",
                   "sha256sum", "md5sum", "gpg", "ldconfig", "update-ca-certificates",
                   "locale-gen"})
CACHES = {"apt-get": ("/var/lib/apt/lists", "/var/cache/apt"), "apt": ("/var/lib/apt/lists",
          "/var/cache/apt"), "apk": ("/var/cache/apk",), "pip": ("/root/.cache/pip",),
          "npm": ("/root/.npm",), "yarn": ("/usr/local/share/.cache/yarn",),
          "yum": ("/var/cache/yum",), "dnf": ("/var/cache/dnf",), "zypper": ("/var/cache/zypp",)}
SYSTEM_WRITERS = frozenset({"apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "pip",
                            "pip3", "useradd", "adduser", "groupadd", "addgroup", "usermod",
                            "dpkg", "rpm", "gem", "update-alternatives", "cargo", "go"})


class Write(msgspec.Struct, frozen=True):
    """`path` written by the instruction on `line`; `specific` when it is that path and
    not a broad guess (a package manager's "somewhere under /usr")."""

    path: str
    line: int
    specific: bool = True


class StageWrites(msgspec.Struct, frozen=True):
    writes: tuple[Write, ...]
    bounded: bool


def _abs(path: str, workdir: str) -> str:
    return posixpath.normpath(posixpath.join(workdir, path)) if path else workdir


def _command_writes(command: Command, workdir: str) -> list[tuple[str, bool]] | None:
    """(path, specific) pairs a command writes; None when it is not known."""
    name = command.name
    out = [(_abs(w.value, workdir), True) for w in command.writes]
    args = [w.value for w in positionals(command)]
    if name in ("mkdir", "touch"):
        return out + [(_abs(a, workdir), True) for a in args]
    if name in ("cp", "mv", "install", "ln") and args:
        return out + [(_abs(args[-1], workdir), True)]
    if name in ("wget", "curl"):
        for i, arg in enumerate(command.args[:-1]):
            if arg in ("-O", "-o", "--output", "--output-document"):
                return out + [(_abs(command.args[i + 1], workdir), True)]
        urls = [a for a in args if "://" in a]
        return out + [(_abs(posixpath.basename(u.split("?")[0]), workdir), True) for u in urls]
    if name in ("tar", "unzip"):
        for i, arg in enumerate(command.args[:-1]):
            if arg in ("-C", "--directory", "-d"):
                return out + [(_abs(command.args[i + 1], workdir), True)]
        return out + [(workdir, False)]
    if name == "git" and subcommand(command) == "clone":
        rest = args[1:]
        target = rest[1] if len(rest) > 1 else posixpath.basename(rest[0]).removesuffix(".git") \
            if rest else ""
        return out + [(_abs(target, workdir), True)]
    if name in ("npm", "yarn", "pnpm") and (subcommand(command) in ("ci", "install", "i", "add")
                                            or not args):
        return out + [(_abs("node_modules", workdir), True),
                      *((c, True) for c in CACHES.get(name, ()))]
    if name == "go" and "-o" in command.args[:-1]:
        out.append((_abs(command.args[command.args.index("-o") + 1], workdir), True))
    if name in SYSTEM_WRITERS or name.startswith("pip"):
        caches = CACHES.get(name, ()) if name != "apt-get" or "update" in args else \
            ("/var/cache/apt",)
        return out + [(p, False) for p in SYSTEM] + [(c, True) for c in caches]
    if name in QUIET:
        return out
    return None


def stage_writes(lint: Lint, stage: StageFacts) -> StageWrites:
    """Everything the stage and the stages under it write (the base image excluded)."""
    return lint.memo("writes", stage, lambda: _stage_writes(lint, stage))


def _stage_writes(lint: Lint, stage: StageFacts) -> StageWrites:
    writes: list[Write] = []
    bounded = True
    for current in reversed(lint.chain(stage)):
        for node, workdir in _with_workdir(lint, current):
            found = _writes_of(lint, node, workdir)
            if found is None:
                bounded = False
                continue
            writes += [Write(path, node.span.line, specific) for path, specific in found]
    return StageWrites(tuple(writes), bounded)


def _with_workdir(lint: Lint, stage: StageFacts) -> Iterator[tuple[ast.Instruction, str]]:
    image = lint.base_image(stage) if stage.base is not None else None
    workdir = image.config.working_dir if image is not None and image.config.working_dir \
        else "/"
    for node in stage.instructions:
        if isinstance(node, ast.Workdir):
            workdir = _abs(_expand(lint, node.path), workdir)
        yield node, workdir


def _expand(lint: Lint, text: str) -> str:
    try:
        return expand_word(text, {}, lint.tree.directives.escape, skip_unset=True).value
    except DfcError:
        return text


def _writes_of(lint: Lint, node: ast.Instruction, workdir: str) -> list[tuple[str, bool]] | None:
    if isinstance(node, ast.Copy | ast.Add):
        dest = _expand(lint, node.dest)
        base = _abs(dest, workdir)
        if dest.endswith("/") or len(node.sources) > 1:
            return [(posixpath.join(base, posixpath.basename(s.rstrip("/"))), True)
                    for s in node.sources] + [(base, False)]
        return [(base, True)]
    if isinstance(node, ast.Workdir):
        return [(workdir, True)]
    if isinstance(node, ast.Run):
        if not isinstance(node.command, ast.ShellForm):
            return None
        out: list[tuple[str, bool]] = []
        for command in lint.commands(node):
            found = _command_writes(command, workdir)
            if found is None:
                return None
            out += found
        return out
    return []


def covers(written: str, wanted: str) -> bool:
    """Does writing `written` account for `wanted` (same path, inside, or containing)?"""
    return written == wanted or wanted.startswith(written.rstrip("/") + "/") or \
        written.startswith(wanted.rstrip("/") + "/")
