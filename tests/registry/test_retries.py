"""Retries as docker makes them: a reset connection, a 5xx or a 429 on a manifest or blob
request is tried again (up to 5 attempts), a blob cut off mid-way resumes with a Range
request from where it stopped, and a registry that stays broken is one clear error.
The faults come from a proxy in front of a real registry."""

from __future__ import annotations

import os
import time

from dfc.cache.store import Store


def _seed(run_dfc, store: Store, host: str, repo: str) -> str:  # type: ignore[no-untyped-def]
    name = f"{host}/{repo}:1"
    store.tag(name, store.resolve("app:1").manifest)
    done = run_dfc("push", name, "--root", str(store.root))
    assert done.returncode == 0, done.stderr
    return name


def _pull(run_dfc, proxy, repo: str, store: Store, **env: str):  # type: ignore[no-untyped-def]
    return run_dfc("pull", f"{proxy.host}/{repo}:1", "--root", str(store.root), env=env)


def test_manifest_requests_are_retried(own_registry, fault_proxy, image_store: Store,
                                       empty_store: Store, run_dfc, docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "retry/manifest")
    fault_proxy.faults["manifest"] = ["503", "reset", "429", "cut"]
    done = _pull(run_dfc, fault_proxy, "retry/manifest", empty_store)
    assert done.returncode == 0, done.stderr
    manifests = [s for s in fault_proxy.seen if "/manifests/" in s[1]]
    assert [s[3] for s in manifests[:4]] == [503, 0, 429, 200]  # the cut one was a 200
    assert fault_proxy.faults["manifest"] == []
    assert empty_store.check().ok
    expected = image_store.resolve("app:1").manifest.digest
    assert empty_store.resolve(f"{fault_proxy.host}/retry/manifest:1").manifest.digest \
        == expected


def test_a_cut_blob_resumes_with_a_range_request(
        own_registry, fault_proxy, image_store: Store, empty_store: Store, run_dfc,
        docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "retry/resume")
    fault_proxy.faults["blob"] = ["cut", "cut"]
    done = _pull(run_dfc, fault_proxy, "retry/resume", empty_store)
    assert done.returncode == 0, done.stderr
    ranged = [s for s in fault_proxy.seen if s[2]]
    assert len(ranged) == 2, fault_proxy.seen
    for method, path, header, status in ranged:
        assert method == "GET" and "/blobs/sha256:" in path and status == 206
        assert header.startswith("bytes=") and int(header[6:-1]) > 0
    assert empty_store.check().ok
    assert os.listdir(empty_store.root / "ingest") == []


def test_resets_and_server_errors_on_blobs_are_retried(
        own_registry, fault_proxy, image_store: Store, empty_store: Store, run_dfc,
        docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "retry/blobs")
    fault_proxy.faults["blob"] = ["reset", "502", "reset", "500"]
    done = _pull(run_dfc, fault_proxy, "retry/blobs", empty_store)
    assert done.returncode == 0, done.stderr
    assert fault_proxy.faults["blob"] == [] and empty_store.check().ok


def test_uploads_and_manifest_puts_are_retried(
        own_registry, fault_proxy, image_store: Store, empty_store: Store, run_dfc,
        docker_config) -> None:
    """A push meets a 503 and a reset on its blob uploads and a 502 on the manifest PUT:
    each upload starts again in a new session, the PUT is sent again, the image arrives."""
    name = f"{fault_proxy.host}/retry/push:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    fault_proxy.faults["upload"] = ["503", "reset"]
    fault_proxy.faults["manifest"] = ["502"]
    done = run_dfc("push", name, "--root", str(image_store.root))
    assert done.returncode == 0, done.stderr
    assert fault_proxy.faults["upload"] == [] and fault_proxy.faults["manifest"] == []
    statuses = [s[3] for s in fault_proxy.seen if "/blobs/uploads/" in s[1]
                and s[0] in ("PATCH", "PUT")]
    assert 503 in statuses and 0 in statuses and 201 in statuses
    assert [s[3] for s in fault_proxy.seen if s[0] == "PUT" and "/manifests/" in s[1]] \
        == [502, 201]
    pulled = run_dfc("pull", f"{own_registry.host}/retry/push:1", "--root",
                     str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert empty_store.check().ok


def test_retry_after_is_honoured(own_registry, fault_proxy, image_store: Store,
                                 empty_store: Store, run_dfc, docker_config) -> None:
    """With a minute of backoff, a 429 saying `Retry-After: 0` is asked again at once."""
    _seed(run_dfc, image_store, own_registry.host, "retry/after")
    fault_proxy.faults["blob"] = ["429", "429"]
    fault_proxy.faults["manifest"] = ["429"]
    start = time.monotonic()
    done = _pull(run_dfc, fault_proxy, "retry/after", empty_store,
                 DFC_REGISTRY_RETRY_DELAY="60")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 50
    assert fault_proxy.faults["blob"] == []


def test_a_registry_that_stays_broken_is_one_clear_error(
        own_registry, fault_proxy, image_store: Store, empty_store: Store, run_dfc,
        docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "retry/down")
    fault_proxy.faults["blob"] = ["503"] * 50
    done = _pull(run_dfc, fault_proxy, "retry/down", empty_store)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, done.stderr
    assert "503 Service Unavailable (gave up after 5 attempts)" in lines[0]
    assert "Traceback" not in done.stderr
    assert empty_store.check().ok and empty_store.index().manifests == ()
    assert os.listdir(empty_store.root / "ingest") == []
    per_blob: dict[str, int] = {}
    for _method, path, _range, status in fault_proxy.seen:
        if status == 503:
            per_blob[path] = per_blob.get(path, 0) + 1
    assert per_blob and max(per_blob.values()) == 5


def test_a_busy_ping_is_asked_again(own_registry, fault_proxy, image_store: Store,
                                               empty_store: Store, run_dfc,
                                               docker_config) -> None:
    """A busy `/v2/` (503) is asked again (a refused one fails at once: test_faults)."""
    _seed(run_dfc, image_store, own_registry.host, "retry/ping")
    fault_proxy.faults["ping"] = ["503", "503"]
    assert _pull(run_dfc, fault_proxy, "retry/ping", empty_store).returncode == 0
    assert fault_proxy.faults["ping"] == []


def test_the_httpx_path_resumes_too(own_registry, fault_proxy, image_store: Store,
                                    empty_store: Store, run_dfc, docker_config,
                                    monkeypatch) -> None:
    """With a proxy configured, blobs go through httpx instead of http.client: a cut blob
    resumes there as well, and a registry that ignores Range (200) has the kept part
    skipped rather than stored twice."""
    from dfc.cache.oci import Manifest
    from dfc.runtime.registry import client as client_module
    from dfc.runtime.registry.client import connect
    from dfc.runtime.registry.config import RegistrySettings

    _seed(run_dfc, image_store, own_registry.host, "retry/httpx")
    manifest = image_store.read_json(image_store.resolve("app:1").manifest.digest, Manifest)
    layer = max(manifest.layers, key=lambda d: d.size)
    monkeypatch.setattr(client_module, "direct_reads_allowed", lambda: False)
    for faults in (["cut"], ["cut", "cut"]):
        store = Store(empty_store.root.parent / f"httpx-{len(faults)}")
        fault_proxy.faults["blob"] = list(faults)
        fault_proxy.seen.clear()
        with connect(fault_proxy.host, RegistrySettings(), None, set()) as client, \
                store.writer(expected=layer.digest) as writer:
            client.download("retry/httpx", layer.digest, layer.size, writer, lambda n: None)
        assert store.has_blob(layer.digest) and store.check().ok
        ranged = [s for s in fault_proxy.seen if s[2]]
        assert len(ranged) == len(faults) and all(s[3] == 206 for s in ranged)


def test_a_registry_that_ignores_range_is_read_again_from_the_start(
        own_registry, fault_proxy, image_store: Store, empty_store: Store, run_dfc,
        docker_config) -> None:
    _seed(run_dfc, image_store, own_registry.host, "retry/norange")
    fault_proxy.faults["blob"] = ["cut"]
    fault_proxy.ignore_range = True
    done = _pull(run_dfc, fault_proxy, "retry/norange", empty_store)
    assert done.returncode == 0, done.stderr
    assert [s[3] for s in fault_proxy.seen if s[2]] == [200]
    assert empty_store.check().ok
