"""The root click group, each subcommand built from its typer definition only when used.

Calling a typer app builds the click command of every registered command first, reading
each signature's annotations (~30 ms for dfc's ~30 commands, half of a no-op rebuild's
work); one invocation needs one command. Help and typo suggestions still see them all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, MutableMapping
from typing import Any

import click
import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup
from typer.main import (
    get_command_from_info,
    get_command_name,
    get_group,
    get_group_from_info,
    solve_typer_info_defaults,
)
from typer.models import CommandInfo, TyperInfo


def _keep_argument_help() -> None:
    """typer (< 0.25) stores an argument's help before calling click's Argument.__init__,
    which since click 8.3 (arguments gained `help`) sets it back to None: the help of every
    positional argument vanished from `--help`. Store it again afterwards."""
    init = TyperArgument.__init__
    if getattr(init, "keeps_help", False):
        return

    def init_keeping_help(self: TyperArgument, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.help = kwargs.get("help")

    init_keeping_help.keeps_help = True  # type: ignore[attr-defined]
    TyperArgument.__init__ = init_keeping_help  # type: ignore[method-assign]
    # typer writes its own "Arguments" section; click >= 8.5 would add a second one
    for command_class in (TyperCommand, TyperGroup):
        if hasattr(click.Command, "format_arguments"):
            command_class.format_arguments = _no_section  # type: ignore[method-assign]


def _no_section(self: click.Command, ctx: click.Context, formatter: click.HelpFormatter) -> None:
    """click's positional-arguments section, left to typer's."""


_keep_argument_help()


class LazyCommands(MutableMapping[str, click.Command]):
    """An app's commands and sub-apps by name, in typer's order (commands, then groups);
    each is built on first lookup and kept."""

    def __init__(self, app: typer.Typer):
        self.app = app
        self.infos: dict[str, CommandInfo | TyperInfo] = {}
        for info in app.registered_commands:
            assert info.callback is not None, "a command has a callback"
            self.infos[info.name or get_command_name(info.callback.__name__)] = info
        for group in app.registered_groups:
            name = solve_typer_info_defaults(group).name
            assert name, "lazy sub-apps need a name (typer merges unnamed ones)"
            self.infos[name] = group
        self.built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        command = self.built.get(name)
        if command is None:
            command = self.built[name] = self._build(self.infos[name])
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.infos.setdefault(name, CommandInfo(name=name))
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        del self.infos[name]
        self.built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.infos)

    def __len__(self) -> int:
        return len(self.infos)

    def _build(self, info: CommandInfo | TyperInfo) -> click.Command:
        app = self.app
        if isinstance(info, CommandInfo):
            return get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                         rich_markup_mode=app.rich_markup_mode)
        return get_group_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                   rich_markup_mode=app.rich_markup_mode,
                                   suggest_commands=app.suggest_commands)


def lazy_group(app: typer.Typer) -> click.Group:
    """The click group `app()` would run, with its subcommands built on demand."""
    shell = copy.copy(app)
    shell.registered_commands = []
    shell.registered_groups = []
    group = get_group(shell)
    group.commands = LazyCommands(app)
    return group
