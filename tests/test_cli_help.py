"""What a docker user meets first: every command's and group's `--help` renders (help texts
once went through rich markup, where `[/variant]` is a closing tag), positional arguments
show their help, a typo gets one suggestion, `--version`/`version`, docker's exit codes for
usage errors, and shell completion scripts."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess

import click
import pytest

from dfc import cli


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


ROOT = cli.command()  # the group `dfc` runs (lazy), not a separately built one
PATHS = command_paths(ROOT)


def help_text(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "100")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        ROOT([*path, "--help"], prog_name="dfc", standalone_mode=True)
    assert exited.value.code == 0
    return out.getvalue()


def test_the_tree_is_walked() -> None:
    assert {("build",), ("image", "ls"), ("manifest", "create"), ("version",),
            ("completion",)} <= set(PATHS)


@pytest.mark.parametrize("path", [(), *PATHS], ids=lambda p: " ".join(p) or "dfc")
def test_help_renders(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    text = help_text(path, monkeypatch)
    assert text.startswith(f"Usage: dfc {' '.join(path)}".rstrip() + " ")
    assert "\\[" not in text  # no markup escapes left in plain-text help


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_arguments_show_their_help(path: tuple[str, ...],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    command: click.Command = ROOT
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    documented = [p for p in command.params if isinstance(p, click.Argument)
                  and getattr(p, "help", None)]
    text = help_text(path, monkeypatch)
    for argument in documented:
        first_words = " ".join(str(getattr(argument, "help", "")).split()[:3])
        assert first_words in " ".join(text.split()), (argument.name, text)
    assert text.count("Arguments:") <= 1 and "Positional arguments" not in text


def test_search_term_help_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "TERM  Text to look for in repository names." in help_text(("search",), monkeypatch)
    assert "os/arch[/variant]" in help_text(("pull",), monkeypatch)


def dfc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cli_cmd(), *args], capture_output=True, text=True,
                          env={**os.environ, "DFC_NO_DAEMON": "1", **(env or {})})


def cli_cmd() -> list[str]:
    import sys

    return [sys.executable, "-m", "dfc"]


def test_a_typo_gets_one_suggestion() -> None:
    proc = dfc("biuld")
    assert proc.returncode == 1  # docker: "unknown command", exit 1
    assert proc.stderr.count("Did you mean") == 1 and "'build'" in proc.stderr


@pytest.mark.parametrize(("args", "code"), [
    (("build", "--bogus", "."), 125),          # unknown flag
    (("build", "--progress", "nope", "."), 125),  # bad flag value
    (("images", "--filter"), 125),             # flag without its value
    (("inspect",), 1),                         # missing argument
    (("image", "nope"), 1),                    # unknown subcommand
])
def test_usage_errors_exit_as_dockers(args: tuple[str, ...], code: int) -> None:
    assert dfc(*args).returncode == code


@pytest.mark.parametrize("args", [(), ("image",)])
def test_a_group_without_a_command_prints_its_help(args: tuple[str, ...]) -> None:
    proc = dfc(*args)
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: dfc")  # docker: exit 0


def test_version() -> None:
    from dfc.version import VERSION

    assert dfc("--version").stdout == f"dfc version {VERSION}\n"
    out = dfc("version").stdout
    assert out.startswith("Client:\n Version:           " + VERSION + "\n")
    assert dfc("version", "--format", "{{.Client.Version}}|{{.Server}}").stdout == \
        f"{VERSION}|<no value>\n"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_complete_commands(shell: str) -> None:
    script = dfc("completion", shell)
    assert script.returncode == 0 and "_DFC_COMPLETE" in script.stdout
    words = {"bash": {"COMP_WORDS": "dfc bui", "COMP_CWORD": "1"},
             "zsh": {"COMP_WORDS": "dfc bui", "COMP_CWORD": "1"},
             "fish": {"COMP_WORDS": "dfc bui", "COMP_CWORD": "bui"}}[shell]
    answer = dfc(env={"_DFC_COMPLETE": f"{shell}_complete", **words})
    assert answer.returncode == 0
    assert "build" in answer.stdout and "builder" in answer.stdout
    assert "images" not in answer.stdout


def test_bash_completion_completes_options() -> None:
    answer = dfc(env={"_DFC_COMPLETE": "bash_complete", "COMP_WORDS": "dfc build --pro",
                      "COMP_CWORD": "2"})
    assert answer.stdout.splitlines() == ["plain,--progress"]
