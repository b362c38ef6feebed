"""CMD/ENTRYPOINT in shell form (hadolint DL3025, BuildKit: JSONArgsRecommended).

In shell form the command runs under `/bin/sh -c`, which becomes PID 1 and does not
pass signals on: `docker stop` waits ten seconds, then kills. As in BuildKit, a stage
that sets SHELL on purpose is not told to avoid it.

Catches:

    CMD node server.js

Fix (safe when the command is plain words, no quotes, variables or operators):

    CMD ["node", "server.js"]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from dfc.compiler.lint.fixes import replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast

PLAIN = re.compile(r"^[A-Za-z0-9_./:=,@%+\-]+(?:[ \t]+[A-Za-z0-9_./:=,@%+\-]+)*$")


def json_args_recommended(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        shell_set = False
        for node in stage.instructions:
            if isinstance(node, ast.Shell):
                shell_set = True
            if not isinstance(node, ast.Cmd | ast.Entrypoint) or shell_set:
                continue
            command = node.command
            if not isinstance(command, ast.ShellForm):
                continue
            kind = node.keyword.upper()
            fix = None
            if PLAIN.match(command.text) and command.span.line == command.span.end_line:
                array = json.dumps(command.text.split())
                fix = replace(command.span, array, "use the JSON (exec) form")
            yield Hit(node.span, f"JSON arguments recommended for {kind} to prevent unintended "
                      "behavior related to OS signals", fix)
