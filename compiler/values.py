"""Validation and normalisation of config values: ports, signals, paths.

These are the checks BuildKit performs while converting (they are errors at build
time there too), kept free of Dockerfile syntax so each is testable on its own.
"""

from __future__ import annotations

import ipaddress
import posixpath

from dfc.errors import CompileError

_SIGNALS = frozenset(
    "ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT "
    "SEGV STKFLT STOP SYS TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ "
    "RTMIN RTMAX".split()
    + [f"RTMIN+{i}" for i in range(1, 16)]
    + [f"RTMAX-{i}" for i in range(1, 15)]
)
_PROTOCOLS = ("tcp", "udp", "sctp")


def check_signal(text: str) -> str:
    """Validate a STOPSIGNAL value like moby's `signal.ParseSignal`; returns it as written.

    >>> [check_signal(s) for s in ("SIGKILL", "kill", "9")]
    ['SIGKILL', 'kill', '9']
    >>> check_signal("0")
    Traceback (most recent call last):
    dfc.errors.CompileError: error: Invalid signal: 0
    """
    if text.isdigit():
        if int(text) == 0:
            raise CompileError(f"Invalid signal: {text}")
        return text
    name = text.upper()
    if name.startswith("SIG"):
        name = name[3:]
    if name not in _SIGNALS:
        raise CompileError(f"Invalid signal: {text}")
    return text


def normalize_ports(spec: str) -> list[str]:
    """EXPOSE item `[ip:][hostPort:]containerPort[-end][/proto]` -> `port/proto` keys.

    Host IP and port parts are dropped (lint reports them); ranges are expanded.

    >>> normalize_ports("80/TCP"), normalize_ports("8000-8001"), normalize_ports("1.2.3.4:9000:90")
    (['80/tcp'], ['8000/tcp', '8001/tcp'], ['90/tcp'])
    >>> normalize_ports("80/icmp")
    Traceback (most recent call last):
    dfc.errors.CompileError: error: invalid proto: icmp
    """
    rest, _, proto = spec.rpartition("/") if "/" in spec else (spec, "", "tcp")
    proto = proto.lower()
    if proto not in _PROTOCOLS:
        raise CompileError(f"invalid proto: {proto}")
    ip = ""
    if rest.startswith("["):
        ip, _, rest = rest[1:].partition("]")
        rest = rest.removeprefix(":")
    parts = rest.split(":")
    if len(parts) > 3 or (ip and len(parts) > 2):
        raise CompileError(f"invalid port specification: {spec!r}")
    if len(parts) == 3:
        ip = parts.pop(0)
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise CompileError(f"invalid IP address: {ip}") from None
    if len(parts) == 2:
        _port_range(parts.pop(0), "hostPort", allow_empty=True)
    start, end = _port_range(parts[0], "containerPort", allow_empty=False)
    return [f"{port}/{proto}" for port in range(start, end + 1)]


def _port_range(text: str, what: str, *, allow_empty: bool) -> tuple[int, int]:
    if not text and allow_empty:
        return (0, 0)
    low, sep, high = text.partition("-")
    if not low.isdigit() or (sep and not high.isdigit()):
        raise CompileError(f"invalid {what}: {text}")
    start, end = int(low), int(high) if sep else int(low)
    if start > 65535 or end > 65535:
        raise CompileError(f"invalid {what}: {text}")
    if end < start:
        raise CompileError(f"invalid range specified for {what}: {text}")
    return start, end


def join_workdir(current: str, path: str) -> str:
    """WORKDIR: a relative path joins the previous WORKDIR; the result is cleaned.

    >>> join_workdir("/a", "../b"), join_workdir("/a", "b/./c/"), join_workdir("", "x")
    ('/b', '/a/b/c', '/x')
    """
    return posixpath.normpath(posixpath.join("/", current or "/", path)).replace("//", "/")


def copy_dest(workdir: str, dest: str) -> str:
    """COPY/ADD destination made absolute against WORKDIR; a trailing `/` (also for
    `""`, `.`, and `/.`) marks a directory and is kept.

    >>> copy_dest("/app", "."), copy_dest("/app", "x"), copy_dest("/", "/opt/"), copy_dest("/w", "")
    ('/app/', '/app/x', '/opt/', '/w/')
    """
    joined = join_workdir(workdir, dest)
    is_dir = dest in ("", ".") or dest.endswith(("/", "/."))
    if is_dir and not joined.endswith("/"):
        joined += "/"
    return joined


def chomp(body: str) -> str:
    """A `<<-` heredoc body: leading tabs (only tabs) stripped from every line.

    >>> chomp("\\tx\\n \\ty\\n")
    'x\\n \\ty\\n'
    """
    return "".join(line.lstrip("\t") for line in body.splitlines(keepends=True))
