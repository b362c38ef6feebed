"""`--chmod` values: octal (`0755`) or symbolic (`u=rwX,go=rX`, `+x`), as BuildKit takes them."""

from __future__ import annotations

import re

import msgspec

from dfc.errors import DfcError

CLAUSE = re.compile(r"^([ugoa]*)([-+=])([rwxXst]*)$")
WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
PERMS = {"r": 0o444, "w": 0o222, "x": 0o111, "s": 0o6000, "t": 0o1000}


class Chmod(msgspec.Struct, frozen=True):
    """An absolute mode, or symbolic clauses applied to each file's own mode."""

    octal: int | None = None
    clauses: tuple[tuple[str, str, str], ...] = ()


def parse_chmod(text: str) -> Chmod:
    """Check and split a `--chmod` value.

    >>> parse_chmod("0755"), parse_chmod("u=rwX,go=rX").clauses
    (Chmod(octal=493, clauses=()), (('u', '=', 'rwX'), ('go', '=', 'rX')))
    """
    if re.fullmatch(r"[0-9]+", text):
        value = int(text, 8) if re.fullmatch(r"[0-7]+", text) else -1
        if not 0 <= value <= 0o7777:
            raise DfcError(f"invalid chmod parameter: '{text}'. it should be octal string and "
                           "between 0 and 07777")
        return Chmod(octal=value)
    clauses = []
    for part in text.split(","):
        match = CLAUSE.match(part)
        if match is None:
            raise DfcError(f"invalid chmod parameter: '{text}'. it should be octal string and "
                           "between 0 and 07777, or symbolic like u=rwX,go=rX")
        clauses.append((match.group(1) or "a", match.group(2), match.group(3)))
    return Chmod(clauses=tuple(clauses))


def apply_chmod(spec: Chmod, mode: int, is_dir: bool) -> int:
    """The permission bits `spec` gives a file whose current bits are `mode`.

    >>> oct(apply_chmod(parse_chmod("u=rwX,go=rX"), 0o600, False))
    '0o644'
    >>> oct(apply_chmod(parse_chmod("u=rwX,go=rX"), 0o700, True))
    '0o755'
    >>> oct(apply_chmod(parse_chmod("+x"), 0o644, False))
    '0o755'

    Octal values keep only the permission bits: BuildKit turns them into a Go
    os.FileMode, where 04000, 02000 and 01000 are not setuid, setgid and sticky
    (`--chmod=4755` gives 0755 with docker 20.10).

    >>> oct(apply_chmod(parse_chmod("4755"), 0o644, False))
    '0o755'
    """
    if spec.octal is not None:
        return spec.octal & 0o777
    mode &= 0o7777
    for who, op, perms in spec.clauses:
        mask = 0
        for w in "ugo" if "a" in who else who:
            mask |= WHO[w]
        bits = 0
        for p in perms:
            if p == "X":
                if is_dir or mode & 0o111:
                    bits |= 0o111
            else:
                bits |= PERMS[p]
        bits &= mask
        if op == "+":
            mode |= bits
        elif op == "-":
            mode &= ~bits
        else:
            mode = (mode & ~mask) | bits
    return mode
