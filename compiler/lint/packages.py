"""Package managers as RUN uses them: which commands install packages, which words are
the packages, and whether each is pinned to a version (hadolint DL3008 & co.).

One table, so that every manager's "install without -y", "without a version" and
"without cleaning up" rule reads the same facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import msgspec

from dfc.compiler.lint.commands import has_option, positionals, subcommand
from dfc.compiler.lint.fixes import insert_after
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.compiler.lint.shell import Command, Word
from dfc.compiler.lint.variables import names_before
from dfc.grammar import ast


class Manager(msgspec.Struct, frozen=True):
    """`names` run it, `install` are its install subcommands (empty: the command itself
    installs), `valued` the options that take a value."""

    names: frozenset[str]
    install: frozenset[str]
    valued: frozenset[str] = frozenset()


APT_GET = Manager(frozenset({"apt-get"}), frozenset({"install"}),
                  frozenset({"-o", "-c", "-t", "--target-release", "--option", "--config-file"}))
APK = Manager(frozenset({"apk"}), frozenset({"add"}),
              frozenset({"-t", "--virtual", "-X", "--repository", "-p", "--root", "--arch",
                         "--keys-dir", "--repositories-file", "--cache-dir"}))
PIP = Manager(frozenset({"pip", "pip3"} | {f"pip3.{n}" for n in range(6, 15)}),
              frozenset({"install"}),
              frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i",
                         "--index-url", "--extra-index-url", "-t", "--target", "--prefix",
                         "--root", "-f", "--find-links", "--trusted-host", "--platform",
                         "--python-version", "--implementation", "--abi", "--src",
                         "--upgrade-strategy", "--progress-bar", "--cache-dir", "--log",
                         "--proxy", "--retries", "--timeout", "--exists-action", "--cert",
                         "--client-cert", "--global-option", "--config-settings", "-C",
                         "--only-binary", "--no-binary", "--python"}))
NPM = Manager(frozenset({"npm"}), frozenset({"install", "i", "add", "isntall", "in"}),
              frozenset({"--prefix", "--registry", "--tag", "--cache", "-w", "--workspace"}))
GEM = Manager(frozenset({"gem"}), frozenset({"install", "i"}),
              frozenset({"-i", "--install-dir", "-n", "--bindir", "--source", "-s", "-P",
                         "--trust-policy", "--platform", "-g", "--file"}))
YUM = Manager(frozenset({"yum"}), frozenset({"install", "groupinstall", "localinstall"}),
              frozenset({"-c", "--config", "--installroot", "--enablerepo", "--disablerepo",
                         "-x", "--exclude", "--releasever", "--setopt"}))
DNF = Manager(frozenset({"dnf", "microdnf"}), frozenset({"install", "groupinstall",
                                                         "localinstall"}), YUM.valued)
ZYPPER = Manager(frozenset({"zypper"}), frozenset({"install", "in"}),
                 frozenset({"-r", "--repo", "--from", "-t", "--type", "--root", "-R"}))
GO = Manager(frozenset({"go"}), frozenset({"install", "get", "run"}),
             frozenset({"-C", "-p", "-o", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile",
                        "-asmflags", "-buildmode", "-compiler", "-gccgoflags", "-installsuffix",
                        "-pkgdir", "-toolexec", "-overlay", "-pgo", "-exec"}))


def pip_command(command: Command) -> Command | None:
    """`pip ...`, or `python -m pip ...` as if it were `pip ...`."""
    if command.name in PIP.names:
        return command
    if re.fullmatch(r"python[\d.]*", command.name):
        words = command.words
        for i, word in enumerate(words[1:-1], start=1):
            if word.value == "-m" and words[i + 1].value in ("pip", "pip3"):
                return Command(words[i + 1:], command.assigns, command.separator)
    return None


DASH_VARIABLE = re.compile(r"-\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def installs(lint: Lint, manager: Manager) -> Iterator[tuple[StageFacts, ast.Run, Command]]:
    """Every install command of `manager` in every RUN."""
    for stage, run in lint.runs():
        for command in lint.commands(run):
            found = pip_command(command) if manager is PIP else command
            if found is None or found.name not in manager.names:
                continue
            if not manager.install or subcommand(found, manager.valued) in manager.install:
                yield stage, run, found


def packages(command: Command, manager: Manager) -> list[Word]:
    """The package words of an install command (the subcommand left out)."""
    words = positionals(command, manager.valued)
    return words[1:] if manager.install else words


def rpm_pinned(word: str) -> bool:
    """yum and dnf: a `name-<digit>...` word, or an `.rpm` file with a `-` in its name,
    counts as pinned (hadolint 2.15's test: `epel-release` is not pinned, `nginx-1.20`
    and `foo-1.0.rpm` are).

    >>> [rpm_pinned(w) for w in ("epel-release", "nginx-1.20.1", "a-b.rpm", "a.rpm")]
    [False, True, True, False]
    """
    return re.search(r"-\d", word) is not None or ("-" in word and word.endswith(".rpm"))


def _dash_variable(word: str, declared: set[str]) -> bool:
    """Is the word `name-$VERSION` with an ARG/ENV of the Dockerfile? hadolint takes
    such a yum/dnf package (`"mysql-server-$MYSQL_VERSION"`) as pinned by it."""
    return any(name in declared for name in DASH_VARIABLE.findall(word))


def unpinned(lint: Lint, manager: Manager, pinned: Callable[[str], bool],
             message: str) -> Iterator[Hit]:
    """One hit per install command with a package `pinned` rejects."""
    for stage, run, command in installs(lint, manager):
        declared = names_before(lint, stage, run)
        loose = [w for w in packages(command, manager)
                 if not pinned(w.value) and not (manager in (YUM, DNF)
                                                 and _dash_variable(w.value, declared))]
        if loose:
            names = ", ".join(f"`{w.value}`" for w in loose)
            yield Hit(lint.span_in(run, loose[0].start, loose[-1].end), f"{message} ({names})")


def missing_option(lint: Lint, manager: Manager, short: str, long: tuple[str, ...],
                   message: str, insert: str, exempt: tuple[str, ...] = ()) -> Iterator[Hit]:
    """Install commands without `-<short>`/`--<long>`, with a fix inserting `insert`
    right after the subcommand; RUNs with a cache mount on `exempt` paths are fine."""
    for _, run, command in installs(lint, manager):
        if has_option(command, short, long) or (exempt and cache_mounted(run, *exempt)):
            continue
        anchor = subcommand_word(command, manager)
        span = lint.span_in(run, command.start, command.end)
        yield Hit(span, message, insert_after(lint, run, anchor, " " + insert, message))


def subcommand_word(command: Command, manager: Manager) -> Word:
    if not manager.install:
        return command.words[0]
    for word in positionals(command, manager.valued):
        if word.value in manager.install:
            return word
    return command.words[0]


def cleans(commands: list[Command], names: frozenset[str], subs: tuple[tuple[str, ...], ...],
           paths: tuple[str, ...]) -> bool:
    """Does a command clean the cache (`<name> <one of subs>` or `rm -rf <path>`)?"""
    for command in commands:
        words = tuple(a for a in command.args if not a.startswith("-"))
        if command.name in names and any(words[: len(sub)] == sub for sub in subs):
            return True
        if command.name == "rm" and any(a.rstrip("/*").startswith(p) for a in command.args
                                        for p in paths):
            return True
    return False


def cache_mounted(run: ast.Run, *paths: str) -> bool:
    """A cache or tmpfs mount over one of `paths` makes cleanup pointless."""
    for mount in run.mounts:
        if mount.type in ("cache", "tmpfs"):
            target = (mount.get("target", "dst", "destination") or "").rstrip("/")
            if any(target == p.rstrip("/") or p.startswith(target + "/") for p in paths):
                return True
    return False


def missing_clean(lint: Lint, manager: Manager, subs: tuple[tuple[str, ...], ...],
                  paths: tuple[str, ...], message: str) -> Iterator[Hit]:
    """RUNs that install with `manager` but never clean its cache in the same RUN."""
    seen: set[int] = set()
    for _, run, command in installs(lint, manager):
        if id(run) in seen or cache_mounted(run, *paths):
            continue
        seen.add(id(run))
        after = [c for c in lint.commands(run) if c.start > command.start]
        if not cleans(after, manager.names, subs, paths):
            yield Hit(lint.span_in(run, command.start, command.end), message)
