"""Progress names of steps (runtime/titles.py): BuildKit's display rules on cases its 20.10
frontend cannot build (heredocs, secret env mounts), and ONBUILD triggers. The shapes
dockerd can build are compared with it in tests/interop/differential/test_progress_names.py."""

from __future__ import annotations

from pathlib import Path

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.runtime import events


def names(store: Store, tmp_path: Path, dockerfile: str, tag: str = "") -> list[str]:
    context = tmp_path / (tag or "ctx")
    context.mkdir()
    (context / "Dockerfile").write_text(dockerfile)
    seen: list[events.AnyEvent] = []
    build(BuildRequest(context=str(context), tags=(tag,) if tag else ()), store, seen.append)
    return [e.name for e in seen if isinstance(e, events.Started)]


def test_heredoc_secret_env_and_padding(fresh_store: Store, tmp_path: Path) -> None:
    dockerfile = (
        "FROM busybox\n"
        "ENV WHO=world\n"
        "RUN <<EOF\necho hello $WHO\necho again\nEOF\n"
        "RUN <<EOF\necho one line\nEOF\n"
        "RUN --mount=type=secret,id=tok,env=TOKEN echo \"$TOKEN\" $WHO\n"
        + "".join(f"RUN echo {i} >> /n\n" for i in range(8)))
    got = names(fresh_store, tmp_path, dockerfile)
    assert got[:4] == [
        "[ 2/12] RUN <<EOF (echo hello world...)",
        "[ 3/12] RUN <<EOF (echo one line)",
        '[ 4/12] RUN --mount=type=secret,id=tok,env=TOKEN echo "****" world',
        "[ 5/12] RUN echo 0 >> /n"]
    assert got[-1] == "[12/12] RUN echo 7 >> /n"


def test_onbuild_triggers_are_named_by_their_own_text(fresh_store: Store,
                                                      tmp_path: Path) -> None:
    names(fresh_store, tmp_path, "FROM busybox\nWORKDIR /app\n"
          "ONBUILD RUN echo \"from $HOME\" > /t\nONBUILD COPY Dockerfile ./\n", "parent")
    got = names(fresh_store, tmp_path, "FROM parent AS child\nFROM child\nRUN cat /t\n")
    assert got == ["[child 2/3] RUN echo \"from $HOME\" > /t",
                   "[child 3/3] COPY Dockerfile ./",
                   "[stage-1 2/2] RUN cat /t"]
