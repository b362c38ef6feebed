"""`dfc build` end to end: a real multi-stage build from the busybox base, into a store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build, read_image
from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.runtime import events

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class Recorder:
    def __init__(self) -> None:
        self.events: list[events.AnyEvent] = []

    def __call__(self, event: events.AnyEvent) -> None:
        self.events.append(event)

    def names(self, kind: type) -> list[str]:
        started = {e.step: e.name for e in self.events if isinstance(e, events.Started)}
        return [started[e.step] for e in self.events if isinstance(e, kind)]


def run_build(store: Store, context: Path, **options: object) -> tuple[str, Recorder]:
    recorder = Recorder()
    result = build(BuildRequest(context=str(context), **options), store, recorder)
    return result.image_id, recorder


def unpack(store: Store, ref: str, dest: Path) -> Path:
    subprocess.run(["umoci", "unpack", "--image", f"{store.root}:{ref}", str(dest)],
                   check=True, capture_output=True)
    return dest / "rootfs"


@pytest.mark.interop  # umoci unpacks the result
def test_multistage_example_builds_a_runnable_image(fresh_store: Store, tmp_path: Path) -> None:
    image_id, recorder = run_build(fresh_store, EXAMPLES / "multistage", tags=("demo",))
    assert recorder.names(events.Done) == [
        "[build 2/4] WORKDIR /src", "[build 3/4] COPY app.sh .",
        "[build 4/4] RUN chmod 0755 app.sh &&     mkdir -p /out && cp app.sh "
        "/out/app",
        "[stage-1 2/2] COPY --from=build /out/app /usr/local/bin/app"]
    config = read_image(fresh_store, "demo")
    assert config.config.cmd == ("app",)
    assert config.config.user == "1000:1000"
    assert config.config.labels == {"org.opencontainers.image.title": "dfc example"}
    assert [(h.created_by, h.empty_layer) for h in config.history[1:]] == [
        ("LABEL org.opencontainers.image.title=dfc example", True),
        ("COPY /out/app /usr/local/bin/app # buildkit", False),
        ("USER 1000:1000", True),
        ('CMD ["app"]', True)]
    rootfs = unpack(fresh_store, "docker.io/library/demo:latest", tmp_path / "bundle")
    app = rootfs / "usr" / "local" / "bin" / "app"
    assert app.stat().st_mode & 0o777 == 0o755
    out = subprocess.run(["chroot", str(rootfs), "/usr/local/bin/app"], capture_output=True,
                         text=True, check=True).stdout
    assert out == "hello from a dfc-built image\n"
    assert config.rootfs.diff_ids[-1] and len(config.rootfs.diff_ids) == 2
    assert image_id == fresh_store.resolve("demo").config


def test_rebuild_is_all_cached_and_gives_the_same_image_id(fresh_store: Store) -> None:
    first, _ = run_build(fresh_store, EXAMPLES / "multistage", tags=("demo",))
    second, recorder = run_build(fresh_store, EXAMPLES / "multistage", tags=("demo",))
    assert recorder.names(events.Done) == []
    assert len(recorder.names(events.Cached)) == 4
    assert second == first


def test_failing_run_reports_exit_code_and_location(fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo out; exit 3\n")
    from dfc.errors import DfcError

    with pytest.raises(DfcError) as info:
        run_build(fresh_store, tmp_path)
    assert info.value.message == "RUN /bin/sh -c 'echo out; exit 3' returned a non-zero code: 3"
    assert (info.value.span.line, info.value.span.column) == (2, 1)
    assert fresh_store.check().ok


def test_missing_base_image_says_how_to_get_it(fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM nothere:1\n")
    from dfc.errors import DfcError

    with pytest.raises(DfcError, match="dfc pull nothere:1"):
        run_build(fresh_store, tmp_path)


@pytest.mark.slow
def test_cli_build_quiet_prints_the_id(fresh_store: Store, dfc_cmd: list[str]) -> None:
    done = subprocess.run([*dfc_cmd, "build", "--root", str(fresh_store.root), "-q", "-t", "x",
                           str(EXAMPLES / "multistage")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == fresh_store.resolve("x").config


def test_network_none_is_the_default_of_every_run(fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN ls /sys/class/net > /nets\n"
                                         "RUN --network=host ls /sys/class/net > /host\n")
    _, first = run_build(fresh_store, tmp_path, tags=("net",), network="none")
    from dfc.runtime.fs.rootview import RootView
    from dfc.runtime.fs.snapshots import snapshot_dirs

    config = read_image(fresh_store, "net")
    manifest = fresh_store.read_json(fresh_store.resolve("net").manifest.digest,
                                     Manifest)
    view = RootView(list(reversed(snapshot_dirs(fresh_store, manifest.layers,
                                                config.rootfs.diff_ids))))
    assert view.read_text("nets") == "lo\n"
    assert view.read_text("host") != "lo\n"  # the host has more than loopback
    _, again = run_build(fresh_store, tmp_path, tags=("net",))
    assert len(again.names(events.Done)) == 2  # the network mode is part of the first key
    _, same = run_build(fresh_store, tmp_path, tags=("net",), network="none")
    assert same.names(events.Done) == []


@pytest.mark.slow
def test_add_host_reaches_etc_hosts_and_keys_by_name(fresh_store: Store, tmp_path: Path,
                                                     dfc_cmd: list[str]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN grep db.local /etc/hosts\n")
    base = [*dfc_cmd, "build", "--root", str(fresh_store.root), "-t", "hosts", "--progress",
            "plain"]
    done = subprocess.run([*base, "--add-host", "db.local:10.1.2.3", str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "10.1.2.3\tdb.local" in done.stderr
    moved = subprocess.run([*base, "--add-host", "db.local:10.9.9.9", str(tmp_path)],
                           capture_output=True, text=True)
    assert "CACHED" in moved.stderr  # addresses do not key the step, names do
    bad = subprocess.run([*base, "--add-host", "nope", str(tmp_path)], capture_output=True,
                         text=True)
    assert bad.returncode == 125 and "invalid argument 'nope' for --add-host" in bad.stderr
