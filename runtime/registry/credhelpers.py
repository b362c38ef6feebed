"""Docker credential helpers: `docker-credential-NAME get|store|erase|list`.

`credsStore` (every registry) or `credHelpers` (one registry) in config.json name a
helper program; the secret then lives in the helper's keychain, never in config.json.
The protocol is docker-credential-helpers' (dfc needs get, store and erase; docker's
`list` serves only its build-time credential dump): the action is the one argument, the input
comes on stdin (a server URL, or a JSON object for `store`), the answer on stdout; a
failure exits non-zero with its message on stdout, and "credentials not found" means
there is no login (anonymous), not an error. A helper that stores an identity token
(an OAuth refresh token) names the user `<token>`.
"""

from __future__ import annotations

import subprocess

import msgspec

from dfc.errors import DfcError

TOKEN_USER = "<token>"
TIMEOUT = 60.0


class HelperError(DfcError):
    """A helper program is missing, or failed at what it was asked."""


class HelperCredentials(msgspec.Struct, frozen=True, rename="pascal"):
    """What `get` prints and `store` reads."""

    server_url: str = msgspec.field(name="ServerURL", default="")
    username: str = ""
    secret: str = ""


def program(name: str) -> str:
    return f"docker-credential-{name}"


def _call(name: str, action: str, data: bytes) -> tuple[int, str]:
    """Run the helper; (exit status, stdout). A missing program is a HelperError worded
    as docker words it."""
    try:
        done = subprocess.run([program(name), action], input=data, capture_output=True,
                              timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise HelperError(f'exec: "{program(name)}": executable file not found in $PATH, '
                          "out: ``") from None
    except subprocess.TimeoutExpired:
        raise HelperError(f"{program(name)} {action}: no answer in {TIMEOUT:.0f}s") from None
    except OSError as exc:
        raise HelperError(f"exec: {program(name)}: {exc.strerror or exc}, out: ``") from None
    return done.returncode, done.stdout.decode(errors="replace").strip()


class NotFound(HelperError):
    """The helper keeps no login for that server."""


def _failure(status: int, out: str) -> HelperError:
    kind = NotFound if "credentials not found" in out.lower() else HelperError
    return kind(f"exit status {status}, out: `{out}`")


def get(name: str, server: str) -> HelperCredentials | None:
    """The login the helper keeps for `server`; None when it has none."""
    status, out = _call(name, "get", server.encode())
    if status != 0:
        failure = _failure(status, out)
        if isinstance(failure, NotFound):
            return None
        raise failure
    try:
        found = msgspec.json.decode(out.encode(), type=HelperCredentials)
    except msgspec.DecodeError:
        raise HelperError(f"{program(name)} get: not a JSON answer: `{out}`") from None
    if not found.username and not found.secret:
        return None
    return found


def store(name: str, server: str, username: str, secret: str) -> None:
    data = msgspec.json.encode(HelperCredentials(server, username, secret))
    status, out = _call(name, "store", data)
    if status != 0:
        raise _failure(status, out)


def erase(name: str, server: str) -> None:
    status, out = _call(name, "erase", server.encode())
    if status != 0:
        raise _failure(status, out)

