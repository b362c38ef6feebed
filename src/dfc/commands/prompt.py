"""Docker's confirmation prompt: `[y/N] ` on one line; only y or Y is a yes, and the end
of input is a no (the command then does nothing and succeeds, as docker's does)."""

from __future__ import annotations

import sys


def confirmed(message: str) -> bool:
    """Ask `message` and read one answer line from standard input."""
    sys.stdout.write(f"{message} [y/N] ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    return answer.strip() in ("y", "Y")
