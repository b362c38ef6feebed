"""Step names in plain progress, side by side with BuildKit's (dockerd's, DOCKER_BUILDKIT=1):
the instruction as written, variables expanded the way BuildKit expands them for display,
the stage left out of a one-stage Dockerfile, positions padded to the total's width."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.runtime import events

from .conftest import ALIAS, BASE, docker

pytestmark = pytest.mark.interop

STEP = re.compile(r"^#\d+ (\[(?!internal\]).*)$")

CASES = {
    "one-stage": f"""\
FROM {ALIAS} AS only
ARG X
ENV Y=why
RUN echo $X "$Y" '$Y' \\
    && echo $NOPE a\\ b
RUN ["echo", "$Y"]
COPY --chown=1:1 a.txt /$Y/
WORKDIR /w/${{Y}}
ADD "a.txt" ${{Y}}2
""",
    "stages": f"""\
FROM {ALIAS} AS build
WORKDIR /src
COPY a.txt ./
RUN cat a.txt > out
RUN echo 1 >> out
RUN echo 2 >> out
RUN echo 3 >> out
RUN echo 4 >> out
RUN echo 5 >> out
RUN echo 6 >> out
RUN echo 7 >> out
FROM {ALIAS}
ARG TAG=t1
COPY --from=build /src/out /out-$TAG
RUN --mount=type=cache,target=/c cat /out-$TAG
""",
}


def _names(output: str) -> list[str]:
    """The step lines (FROM and internal steps left out), once each, in order."""
    seen: list[str] = []
    for line in output.splitlines():
        match = STEP.match(line)
        if match and " FROM " not in match.group(1) and match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


@pytest.mark.parametrize("name", sorted(CASES))
def test_step_names_are_buildkits(name: str, docker_base: str, fresh_store: Store,
                                  tmp_path: Path) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(CASES[name])
    (context / "a.txt").write_text("a\n")
    for _ in range(3):  # this dockerd now and then fails a build it has all it needs for
        theirs = docker("build", "--no-cache", "--progress=plain", "--build-arg", "X=hi",
                        "-t", f"dfc-difftest-names-{name}", str(context), check=False)
        if theirs.returncode == 0:
            break
    assert theirs.returncode == 0, theirs.stderr
    docker("rmi", f"dfc-difftest-names-{name}", check=False)
    fresh_store.tag(ALIAS, fresh_store.resolve(BASE).manifest)
    seen: list[events.AnyEvent] = []
    build(BuildRequest(context=str(context), build_args={"X": "hi"}), fresh_store, seen.append)
    ours = [e.name for e in seen if isinstance(e, events.Started)]
    assert sorted(ours) == sorted(_names(theirs.stderr))
