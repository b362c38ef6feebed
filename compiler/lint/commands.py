"""What a RUN actually runs: commands seen through wrappers, and their options.

`RUN sudo pip install flask` runs pip; `env X=1 nice apt-get ...` runs apt-get;
`sh -c "apt-get install x"` runs apt-get too. Rules look at `effective` commands so a
wrapper never hides a problem (hadolint misses `sudo pip install`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dfc.compiler.lint.shell import ASSIGNMENT, Command, Script, Word, read_script

# wrapper name -> its options that take a value
WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "nohup": frozenset(),
    "time": frozenset({"-f", "-o"}),
    "command": frozenset(),
    "exec": frozenset({"-a"}),
    "xargs": frozenset({"-I", "-L", "-n", "-P", "-s", "-d", "-E", "-a", "--max-args",
                       "--max-procs", "--delimiter", "--arg-file"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
}
SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "zsh"})


def _strip(command: Command) -> Command | None:
    """The command a wrapper runs (None when there is none), else None for a
    non-wrapper."""
    name = command.name
    if name not in WRAPPERS:
        return None
    takes_value = WRAPPERS[name]
    words = list(command.words[1:])
    while words:
        value = words[0].value
        if name == "env" and ASSIGNMENT.match(value):
            words.pop(0)
        elif value.startswith("-") and value != "-":
            words.pop(0)
            if value in takes_value and words:
                words.pop(0)
        elif name == "timeout" and value[:1].isdigit():
            words.pop(0)
        else:
            break
    return Command(tuple(words), command.assigns, command.separator) if words else None


def _inner_script(command: Command) -> Script | None:
    """`sh -c 'TEXT'`: TEXT read as a script (offsets approximate inside escapes)."""
    if command.name not in SHELLS:
        return None
    words = command.words[1:]
    for index, word in enumerate(words[:-1]):
        if word.value.startswith("-") and "c" in word.value.lstrip("-") and \
                not word.value.startswith("--"):
            text: Word = words[index + 1]
            return read_script(text.value, text.start + 1)
    return None


def effective(commands: Iterable[Command]) -> Iterator[Command]:
    """Every command that runs, wrappers removed and `sh -c` scripts opened.

    >>> from dfc.compiler.lint.shell import read_script
    >>> s = read_script("sudo -u x env A=1 pip install flask && bash -c 'cd /x'")
    >>> [(c.name, c.args) for c in effective(s.commands)]
    [('pip', ('install', 'flask')), ('cd', ('/x',))]
    """
    for command in commands:
        while (inner := _strip(command)) is not None:
            command = inner
        if command.name in WRAPPERS:
            continue
        script = _inner_script(command)
        if script is not None:
            yield from effective(script.commands)
        else:
            yield command


def short_flags(command: Command) -> set[str]:
    """Single-letter options, combined ones split (`-yq` -> {"y", "q"})."""
    found: set[str] = set()
    for arg in command.args:
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            found.update(arg[1:])
    return found


def has_option(command: Command, short: str = "", long: Iterable[str] = ()) -> bool:
    """Does the command pass `-<short>` (alone or combined) or `--<long>[=...]`?"""
    if short and any(ch in short_flags(command) for ch in short):
        return True
    names = tuple(long)
    return any(arg.startswith("--") and arg[2:].split("=", 1)[0] in names
               for arg in command.args)


def positionals(command: Command, takes_value: Iterable[str] = ()) -> list[Word]:
    """The non-option arguments, skipping the values of options in `takes_value`."""
    valued = frozenset(takes_value)
    out: list[Word] = []
    skip = False
    for word in command.words[1:]:
        if skip:
            skip = False
            continue
        value = word.value
        if value == "--":
            continue
        if value.startswith("-") and len(value) > 1:
            skip = value in valued
            continue
        out.append(word)
    return out


def subcommand(command: Command, takes_value: Iterable[str] = ()) -> str:
    """The first non-option argument (`apt-get -q install` -> `install`)."""
    found = positionals(command, takes_value)
    return found[0].value if found else ""


def runs(commands: Iterable[Command], name: str, *subcommands: str) -> bool:
    """Is `name` (with one of `subcommands`, when given) among the commands?"""
    return any(c.name == name and (not subcommands or subcommand(c) in subcommands)
               for c in commands)
