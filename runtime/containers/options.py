"""`docker run` options turned into a container's config: the command (ENTRYPOINT/CMD
rules), the environment, capabilities and the stop signal, as Docker computes them."""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.sandbox.policy import ALL_CAPABILITIES, CAP_MASK

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_STOP_TIMEOUT = 10

def command(entrypoint: Sequence[str] | None, cmd: Sequence[str] | None, args: Sequence[str],
            entrypoint_flag: str | None) -> tuple[list[str] | None, list[str] | None]:
    """The container's (Entrypoint, Cmd). The image config already holds shell forms as
    `[SHELL..., "text"]`, so a shell-form ENTRYPOINT ignores CMD and arguments by itself
    (they become the shell's `$0`...). `--entrypoint E` replaces the entrypoint with `[E]`
    and drops the image's CMD; `--entrypoint ""` clears it. Arguments replace CMD."""
    if entrypoint_flag is not None:
        entrypoint = [entrypoint_flag] if entrypoint_flag else None
        cmd = None
    if args:
        cmd = list(args)
    return (list(entrypoint) if entrypoint else None), (list(cmd) if cmd is not None else None)


def argv(entrypoint: Sequence[str] | None, cmd: Sequence[str] | None) -> list[str]:
    found = [*(entrypoint or ()), *(cmd or ())]
    if not found:
        raise ContainerError("No command specified")
    return found


def read_env_file(path: str) -> list[str]:
    """Docker's `--env-file`: `K=V` lines, `K` alone copies the caller's value (or is
    dropped), `#` comments and blank lines skipped."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ContainerError(f"open {path}: {exc.strerror.lower() if exc.strerror else exc}"
                             ) from None
    items = []
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        items.append(line)
    return items


def environment(image_env: Sequence[str], env_files: Sequence[str], flags: Sequence[str],
                caller: Mapping[str, str] | None = None) -> list[str]:
    """`--env-file` lines, then `-e` (a later value replaces an earlier one in place),
    then the image's Env for the names they do not set: the order of Docker's
    `Config.Env`, which `inspect` shows and `commit` keeps. `NAME` alone takes the
    caller's value and is left out when the caller has none."""
    caller = os.environ if caller is None else caller
    merged: dict[str, str] = {}
    items: list[str] = []
    for path in env_files:
        items.extend(read_env_file(path))
    items.extend(flags)
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise ContainerError(f"invalid environment variable: {item}")
        if not sep:
            if key not in caller:
                continue
            value = caller[key]
        merged[key] = value
    for item in image_env:
        key, _, value = item.partition("=")
        merged.setdefault(key, value)
    return [f"{k}={v}" for k, v in merged.items()]


def process_env(env: Sequence[str], hostname: str) -> tuple[str, ...]:
    """What pid 1 gets: HOSTNAME first (Docker adds it), PATH defaulted when the image
    sets none; HOME is defaulted from the user by the sandbox."""
    items = [f"HOSTNAME={hostname}", *env]
    if not any(item.startswith("PATH=") for item in env):
        items.append(f"PATH={DEFAULT_PATH}")
    return tuple(items)


def _cap_bit(name: str) -> int:
    bare = name.upper().removeprefix("CAP_")
    if bare not in ALL_CAPABILITIES:
        raise ContainerError(f"invalid capability: {name}")  # hint: docker names them CAP_X
    return ALL_CAPABILITIES.index(bare)


def capabilities(add: Sequence[str], drop: Sequence[str]) -> int:
    """Docker's default set with `--cap-add` then `--cap-drop` applied (`ALL` allowed)."""
    every = (1 << len(ALL_CAPABILITIES)) - 1
    mask = CAP_MASK
    for name in add:
        mask |= every if name.upper() == "ALL" else 1 << _cap_bit(name)
    for name in drop:
        mask &= 0 if name.upper() == "ALL" else ~(1 << _cap_bit(name))
    return mask


def signal_number(name: str) -> int:
    """`SIGTERM`, `TERM`, `term` or `15` as a number (Docker's signal.ParseSignal)."""
    text = name.strip()
    if text.isdigit():
        number = int(text)
        if number in {int(s) for s in signal.valid_signals()} and number > 0:
            return number
    else:
        upper = text.upper()
        upper = upper if upper.startswith("SIG") else "SIG" + upper
        found = getattr(signal.Signals, upper, None) if upper.isidentifier() else None
        if isinstance(found, signal.Signals):
            return int(found)
    raise ContainerError(f"Invalid signal: {name}")
