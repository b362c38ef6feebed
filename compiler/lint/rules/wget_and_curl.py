"""Both wget and curl in one stage (hadolint DL4001).

Two download tools where one would do: more packages, two sets of flags to get right.

Catches:

    RUN wget -q https://a.example/x && curl -fsSLO https://b.example/y
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def wget_and_curl(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        seen: set[str] = set()
        for run_stage, run in lint.runs():
            if run_stage is not stage:
                continue
            for command in lint.commands(run):
                if command.name not in ("wget", "curl"):
                    continue
                other = "curl" if command.name == "wget" else "wget"
                if other in seen and command.name not in seen:
                    yield Hit(lint.span_in(run, command.start, command.end),
                              "Either use Wget or Curl but not both")
                seen.add(command.name)
