"""`RUN --mount` and `#!` heredoc scripts in real builds, on every sandbox backend: what the
command sees, what the layer, the history and the cache keys keep (nothing of the mounts),
and what changes a key (the content of bound sources only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build, read_image
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import events
from dfc.runtime.fs.layer import decompressed
from dfc.runtime.images import config as image
from dfc.runtime.secrets import Secret

# slow: each test runs builds with RUN steps, on every backend
pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.geteuid() != 0, reason="RUN needs root")]
BACKENDS = [
    pytest.param("native"),
    pytest.param("runc", marks=pytest.mark.skipif(not shutil.which("runc"), reason="no runc")),
    pytest.param("crun", marks=pytest.mark.skipif(not shutil.which("crun"), reason="no crun")),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


class Built:
    """One build's events: step output, executed and cached step counts."""

    def __init__(self) -> None:
        self.events: list[events.AnyEvent] = []

    def __call__(self, event: events.AnyEvent) -> None:
        self.events.append(event)

    @property
    def output(self) -> str:
        return b"".join(e.data for e in self.events if isinstance(e, events.Output)).decode()

    def count(self, kind: type) -> int:
        return sum(isinstance(e, kind) for e in self.events)


def dfc_build(store: Store, context: Path, dockerfile: str, backend: str,
              **options: object) -> Built:
    (context / "Dockerfile").write_text(dockerfile)
    built = Built()
    build(BuildRequest(context=str(context), tags=("out",), backend=backend, **options),
          store, built)
    return built


def last_layer(store: Store) -> dict[str, bytes]:
    """name -> content of the entries of the image's top layer."""
    record = store.resolve("out")
    manifest = store.read_json(record.manifest.digest, image.Manifest)
    with store.open_blob(manifest.layers[-1].digest) as f, \
            tarfile.open(fileobj=decompressed(f), mode="r|") as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
                for m in tar}


@pytest.fixture
def context(tmp_path: Path) -> Path:
    path = tmp_path / "context"
    (path / "dir").mkdir(parents=True)
    (path / "f.txt").write_text("hello\n")
    (path / "dir/g.txt").write_text("g\n")
    (path / "dir/ignored.txt").write_text("no\n")
    (path / ".dockerignore").write_text("dir/ignored.txt\n")
    return path


def test_binds_of_the_context_are_readable_and_leave_nothing(
        fresh_store: Store, context: Path, backend: str) -> None:
    built = dfc_build(fresh_store, context, (
        "FROM busybox\n"
        "RUN --mount=source=f.txt,target=/tmp/f.txt --mount=source=dir,target=/new/dir,rw \\\n"
        "    cat /tmp/f.txt /new/dir/g.txt && ls /new/dir && echo more >> /new/dir/g.txt && "
        "stat -c '%u:%g' /new/dir/g.txt && "
        "(touch /tmp/f.txt 2>/dev/null || echo read-only) && echo made > /made\n"), backend)
    assert built.output == "hello\ng\ng.txt\n0:0\nread-only\n"
    assert last_layer(fresh_store) == {"made": b"made\n"}
    assert (context / "dir/g.txt").read_text() == "g\n"


def test_a_bound_source_keys_the_step_by_content(
        fresh_store: Store, context: Path, backend: str) -> None:
    dockerfile = "FROM busybox\nRUN --mount=source=f.txt,target=/f cat /f\n"
    assert dfc_build(fresh_store, context, dockerfile, backend).count(events.Done) == 1
    (context / "dir/g.txt").write_text("unrelated change\n")
    assert dfc_build(fresh_store, context, dockerfile, backend).count(events.Cached) == 1
    (context / "f.txt").write_text("changed\n")
    built = dfc_build(fresh_store, context, dockerfile, backend)
    assert (built.count(events.Done), built.output) == (1, "changed\n")


def test_bind_from_a_stage_misses_only_when_its_source_changes(
        fresh_store: Store, context: Path, backend: str) -> None:
    dockerfile = (
        "FROM busybox AS src\nARG DATA OTHER\n"
        "RUN mkdir /data && echo $DATA > /data/x && echo $OTHER > /other\n"
        "FROM busybox\nRUN --mount=from=src,source=/data,target=/stage,rw \\\n"
        "    cat /stage/x && echo overwritten > /stage/x\n"
        "RUN --mount=from=src,source=/data,target=/stage cat /stage/x\n")

    def run(data: str, other: str) -> Built:
        return dfc_build(fresh_store, context, dockerfile, backend,
                         build_args={"DATA": data, "OTHER": other})

    assert run("a", "1").output == "a\na\n"
    again = run("a", "2")
    assert (again.count(events.Done), again.count(events.Cached)) == (1, 2)
    changed = run("b", "2")
    assert changed.count(events.Done) == 3 and changed.output.endswith("b\nb\n")


def test_a_cache_mount_outlives_the_build_and_never_keys_it(
        fresh_store: Store, context: Path, backend: str) -> None:
    writer = ("FROM busybox\nRUN --mount=type=cache,target=/var/cache/app,uid=65534,mode=0700 "
              "date +%N >> /var/cache/app/runs && stat -c '%u %a' /var/cache/app\n")
    assert dfc_build(fresh_store, context, writer, backend).output == "65534 700\n"
    assert "var/cache/app/runs" not in last_layer(fresh_store)
    assert dfc_build(fresh_store, context, writer, backend).count(events.Cached) == 1
    reader = ("FROM busybox\nRUN --mount=type=cache,target=/var/cache/app,uid=65534,mode=0700 "
              "wc -l < /var/cache/app/runs > /seen\n")
    dfc_build(fresh_store, context, reader, backend)
    assert last_layer(fresh_store) == {"seen": b"1\n"}
    other_id = ("FROM busybox\nRUN --mount=type=cache,target=/var/cache/app,id=other "
                "ls -A /var/cache/app\n")
    assert dfc_build(fresh_store, context, other_id, backend).output == ""


def test_tmpfs_is_empty_every_time(fresh_store: Store, context: Path, backend: str) -> None:
    built = dfc_build(fresh_store, context, (
        "FROM busybox\n"
        "RUN --mount=type=tmpfs,target=/scratch ls -A /scratch && echo x > /scratch/x\n"
        "RUN --mount=type=tmpfs,target=/scratch,size=1m ls -A /scratch && "
        "grep ' /scratch ' /proc/mounts | grep -o size=1024k\n"), backend)
    assert built.output == "size=1024k\n"


def test_secrets_are_readable_but_kept_out_of_layers_history_and_keys(
        fresh_store: Store, context: Path, backend: str, tmp_path: Path,
        dfc_cmd: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "token").write_text("s3cret-value")
    monkeypatch.setenv("API_KEY", "env-s3cret")
    secrets = (Secret(id="token", file=str(tmp_path / "token")), Secret(id="api", env="API_KEY"))
    dockerfile = (
        "FROM busybox\n"
        "RUN --mount=type=secret,id=token --mount=type=secret,id=api,env=API \\\n"
        "    stat -c '%a %u' /run/secrets/token && cat /run/secrets/token && echo \" $API\" && "
        "cp /run/secrets/token /copied\n")
    built = dfc_build(fresh_store, context, dockerfile, backend, secrets=secrets)
    assert built.output == "400 0\ns3cret-value env-s3cret\n"
    assert last_layer(fresh_store) == {"copied": b"s3cret-value"}
    history = [h.created_by for h in read_image(fresh_store, "out").history]
    inspected = subprocess.run([*dfc_cmd, "inspect", "--root", str(fresh_store.root), "out"],
                               capture_output=True, text=True, check=True).stdout
    assert not any("s3cret" in (text or "") for text in (*history, inspected))
    (tmp_path / "token").write_text("another value")
    assert dfc_build(fresh_store, context, dockerfile, backend,
                     secrets=secrets).count(events.Cached) == 1


def test_a_missing_secret_is_skipped_unless_required(
        fresh_store: Store, context: Path, backend: str) -> None:
    optional = ("FROM busybox\nRUN --mount=type=secret,id=absent "
                "ls /run/secrets 2>/dev/null || echo none\n")
    assert dfc_build(fresh_store, context, optional, backend).output == "none\n"
    required = "FROM busybox\nRUN --mount=type=secret,id=absent,required=true cat /run/secrets/x\n"
    with pytest.raises(DfcError, match="secret absent not found"):
        dfc_build(fresh_store, context, required, backend)


def test_cli_secret_flag(fresh_store: Store, context: Path, tmp_path: Path,
                         dfc_cmd: list[str]) -> None:
    (tmp_path / "npmrc").write_text("token=1\n")
    (context / "Dockerfile").write_text(
        "FROM busybox\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc "
        "cat /root/.npmrc\n")
    done = subprocess.run([*dfc_cmd, "build", "--root", str(fresh_store.root), "--progress",
                           "plain", "--secret", f"id=npmrc,src={tmp_path / 'npmrc'}",
                           str(context)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "token=1" in done.stdout + done.stderr


def test_a_shebang_heredoc_runs_as_a_script_and_leaves_no_trace(
        fresh_store: Store, context: Path, backend: str) -> None:
    built = dfc_build(fresh_store, context, (
        "FROM busybox\n"
        "RUN <<EOF\n#!/bin/sh\nset -e\necho \"script $0\"\n"
        "(echo x > /dev/pipes/EOF) 2>/dev/null || echo read-only\necho ran > /ran\nEOF\n"),
        backend)
    assert built.output == "script /dev/pipes/EOF\nread-only\n"
    assert last_layer(fresh_store) == {"ran": b"ran\n"}


def test_ssh_mount_without_an_agent_is_skipped_unless_required(fresh_store: Store,
                                                                context: Path) -> None:
    """(forwarding an agent: tests/test_build_ssh.py)"""
    built = dfc_build(fresh_store, context, "FROM busybox\nRUN --mount=type=ssh "
                      "test ! -e /run/buildkit/ssh_agent.0 && echo skipped\n", "native")
    assert built.output == "skipped\n"
    with pytest.raises(DfcError, match="no SSH key 'default' forwarded from the client"):
        dfc_build(fresh_store, context, "FROM busybox\nRUN --mount=type=ssh,required true\n",
                  "native")
