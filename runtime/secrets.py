"""Build secrets (`--secret id=ID,src=PATH|env=VAR`): where a secret's value comes from.

Only the source is kept; the value is read when a RUN mounts it, goes to that RUN alone, and
never reaches a cache key, a layer, the history or any record in the store.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence

import msgspec

from dfc.errors import DfcError


class Secret(msgspec.Struct, frozen=True):
    """A secret's id and its source: a file, or an environment variable of dfc."""

    id: str
    file: str = ""
    env: str = ""


def parse_secret(text: str) -> Secret:
    """Docker's `--secret` value: CSV of `id`, `src`/`source`, `env`, `type=file|env`.
    With no source, the variable named like the id if it is set, else the file of that name
    (BuildKit's secrets provider).

    >>> parse_secret("id=npm,src=/tmp/npmrc")
    Secret(id='npm', file='/tmp/npmrc', env='')
    >>> parse_secret("id=tok,env=TOKEN"), parse_secret("type=env,id=TOKEN,src=TK")
    (Secret(id='tok', file='', env='TOKEN'), Secret(id='TOKEN', file='', env='TK'))
    """
    fields: dict[str, str] = {}
    for item in next(csv.reader([text])):
        key, sep, value = item.partition("=")
        if not sep:
            raise DfcError(f"invalid --secret {text!r}: {item!r} is not KEY=VALUE")
        key = key.strip().lower()
        if key not in ("id", "src", "source", "env", "type"):
            raise DfcError(f"invalid --secret {text!r}: unexpected key {key!r}")
        fields["src" if key == "source" else key] = value
    kind = fields.get("type", "file")
    if kind not in ("file", "env"):
        raise DfcError(f"invalid --secret {text!r}: type must be file or env")
    ident = fields.get("id") or fields.get("src") or fields.get("env") or ""
    if not ident:
        raise DfcError(f"invalid --secret {text!r}: an id is required")
    env = fields.get("env") or (fields.get("src", "") if kind == "env" else "")
    path = "" if env else fields.get("src", "")
    if not env and not path:
        env, path = (ident, "") if ident in os.environ else ("", ident)
    return Secret(id=ident, file=path, env=env)


def secret_value(secrets: Sequence[Secret], ident: str) -> bytes | None:
    """The value of secret `ident`, or None when the build was given no such secret."""
    found = next((s for s in reversed(secrets) if s.id == ident), None)
    if found is None:
        return None
    if found.env:
        value = os.environ.get(found.env)
        return None if value is None else os.fsencode(value)
    try:
        with open(found.file, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise DfcError(f"secret {ident}: cannot read {found.file}: {exc.strerror}") from None


class SshAgent(msgspec.Struct, frozen=True):
    """`--ssh ID[=SOCKET]`: an ssh-agent socket RUN --mount=type=ssh,id=ID may use."""

    id: str
    socket: str


def parse_ssh(text: str) -> SshAgent:
    """`default`, `default=SOCKET`, `ID=SOCKET`: an agent socket (`default` alone is
    $SSH_AUTH_SOCK, as buildx reads it). Key files, which buildx loads into an agent of
    its own, are refused: start `ssh-agent` and `ssh-add` them."""
    import stat

    ident, sep, paths = text.partition("=")
    if not ident:
        raise DfcError(f"invalid --ssh {text!r}: expected default|ID[=SOCKET]")
    if not sep:
        paths = os.environ.get("SSH_AUTH_SOCK", "")
        if not paths:
            raise DfcError("invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set")
    if "," in paths:
        raise DfcError(f"--ssh {text!r}: dfc forwards one agent socket per id (key files "
                       "are not supported: load them into ssh-agent with ssh-add)")
    try:
        mode = os.stat(paths).st_mode
    except OSError as exc:
        raise DfcError(f"--ssh {text!r}: {paths}: {exc.strerror}") from None
    if not stat.S_ISSOCK(mode):
        raise DfcError(f"--ssh {text!r}: {paths} is not an agent socket (key files are not "
                       "supported: load them into ssh-agent with ssh-add)")
    return SshAgent(ident, paths)
