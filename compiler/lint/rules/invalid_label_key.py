"""Invalid LABEL key (hadolint DL3048).

Keys should be lowercase letters, digits, `.` and `-`, start and end with a letter or
digit, without `..` or `--`, and stay out of the reserved `com.docker.*`,
`io.docker.*` and `org.dockerproject.*` namespaces.

Catches:

    LABEL Maintainer_Email=me@example.com
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast

VALID = re.compile(r"^[a-z0-9](?:[a-z0-9.\-]*[a-z0-9])?$")
RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")


def invalid_label_key(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Label):
        for pair in node.pairs:
            key = pair.key.strip("\"'")
            if "$" in key:
                continue
            if not VALID.match(key) or ".." in key or "--" in key or key.startswith(RESERVED):
                yield Hit(pair.span, f"Invalid label key {key!r}")
