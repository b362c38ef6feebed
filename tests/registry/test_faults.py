"""A registry that dies mid-transfer, or serves wrong bytes: a clear error, a non-zero
exit, a store with nothing corrupt or partial in it, and a retry that succeeds."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from dfc.cache.store import Store

from ..conftest import small_disk  # noqa: TID252 - tests/ is no package (importlib mode)


def _blobs(store: Store) -> set[str]:
    return {p.name for p in (store.root / "blobs" / "sha256").iterdir()}


def _seed(run_dfc, store: Store, host: str, repo: str) -> str:  # type: ignore[no-untyped-def]
    name = f"{host}/{repo}:1"
    store.tag(name, store.resolve("app:1").manifest)
    done = run_dfc("push", name, "--root", str(store.root))
    assert done.returncode == 0, done.stderr
    return name


def _in_background(run_dfc, *args: str):  # type: ignore[no-untyped-def]
    result: list = []
    thread = threading.Thread(target=lambda: result.append(run_dfc(*args)))
    thread.start()
    return thread, result


def test_corrupted_blob_is_refused(own_registry, fault_proxy, image_store: Store,
                                   empty_store: Store, run_dfc, docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "corrupt/app")
    before = _blobs(empty_store)
    fault_proxy.mode = "corrupt"
    done = run_dfc("pull", f"{fault_proxy.host}/corrupt/app:1", "--root", str(empty_store.root))
    assert done.returncode == 1
    assert "filesystem layer verification failed for digest sha256:" in done.stderr
    assert empty_store.check().ok
    assert _blobs(empty_store) == before and empty_store.index().manifests == ()
    assert os.listdir(empty_store.root / "ingest") == []

    fault_proxy.mode = "pass"
    retry = run_dfc("pull", f"{fault_proxy.host}/corrupt/app:1", "--root", str(empty_store.root))
    assert retry.returncode == 0, retry.stderr
    assert empty_store.check().ok


def test_registry_stopped_mid_pull(own_registry, fault_proxy, image_store: Store,
                                   empty_store: Store, run_dfc, docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "midpull/app")
    name = f"{fault_proxy.host}/midpull/app:1"
    fault_proxy.mode = "cut-download"
    thread, result = _in_background(run_dfc, "pull", name, "--root", str(empty_store.root))
    assert fault_proxy.halfway.wait(30)
    own_registry.stop()
    fault_proxy.resume.set()
    thread.join(60)
    done = result[0]
    assert done.returncode == 1
    assert "registry" in done.stderr and "lost" in done.stderr, done.stderr
    assert empty_store.check().ok and empty_store.index().manifests == ()
    assert os.listdir(empty_store.root / "ingest") == []

    down = run_dfc("pull", name, "--root", str(empty_store.root))
    assert down.returncode == 1
    fault_proxy.mode = "pass"
    own_registry.start()
    retry = run_dfc("pull", name, "--root", str(empty_store.root))
    assert retry.returncode == 0, retry.stderr
    assert empty_store.check().ok


def test_registry_stopped_mid_push(own_registry, fault_proxy, image_store: Store,
                                   empty_store: Store, run_dfc, docker_config) -> None:
    name = f"{fault_proxy.host}/midpush/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    fault_proxy.mode = "cut-upload"
    thread, result = _in_background(run_dfc, "push", name, "--root", str(image_store.root))
    assert fault_proxy.halfway.wait(30)
    own_registry.stop()
    fault_proxy.resume.set()
    thread.join(60)
    done = result[0]
    assert done.returncode == 1
    assert "registry" in done.stderr, done.stderr
    assert image_store.check().ok

    fault_proxy.mode = "pass"
    own_registry.start()
    retry = run_dfc("push", name, "--root", str(image_store.root))
    assert retry.returncode == 0, retry.stderr
    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert empty_store.resolve(name).manifest.digest == image_store.resolve(name).manifest.digest


def test_unreachable_registry(empty_store: Store, run_dfc, docker_config, tmp_path: Path
                              ) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run_dfc("pull", f"127.0.0.1:{port}/app:1", "--root", str(empty_store.root))
    assert done.returncode == 1
    assert f"cannot reach registry 127.0.0.1:{port}" in done.stderr
    assert "Connection refused" in done.stderr or "connection refused" in done.stderr


def test_a_pull_onto_a_full_disk(own_registry, image_store: Store, run_dfc, docker_config,
                                 make_image, tmp_path: Path) -> None:
    """A 12 MiB layer pulled into an empty store on an 8 MiB disk: one line, exit 1, no
    debris, nothing named, `system check` clean; once the disk grows the pull succeeds."""
    make_image(image_store, "busybox", "big:1", {"big": os.urandom(12 << 20)})
    name = f"{own_registry.host}/full/big:1"
    image_store.tag(name, image_store.resolve("big:1").manifest)
    assert run_dfc("push", name, "--root", str(image_store.root)).returncode == 0
    with small_disk(tmp_path / "disk", 8) as grow:
        store = Store(tmp_path / "disk" / "store")
        done = run_dfc("pull", name, "--root", str(store.root))
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip().splitlines()[-1].endswith("no space left on device")
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        assert store.index().manifests == () and store.check().ok
        assert os.listdir(store.root / "ingest") == []
        checked = run_dfc("system", "check", "--root", str(store.root))
        assert checked.returncode == 0, checked.stdout
        grow(64)
        retry = run_dfc("pull", name, "--root", str(store.root))
        assert retry.returncode == 0, retry.stderr
        assert store.resolve(name) and store.check().ok
