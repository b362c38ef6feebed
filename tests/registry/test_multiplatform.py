"""Multi-platform images through a registry: a two-platform build pushed as one index that
skopeo and docker read, pulled by platform into another store; and a build FROM a list in
a registry into an empty store, each platform taking its own image of the list."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from dfc.cache.oci import Index
from dfc.cache.store import Store
from tests.conftest import MultiPlatformBase

TWO = "linux/amd64,linux/arm64"
INDEX = "application/vnd.oci.image.index.v1+json"


def sh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


@pytest.fixture
def store(multiplatform_base: MultiPlatformBase, tmp_path: Path) -> Store:
    shutil.copytree(multiplatform_base.store.root, tmp_path / "store", symlinks=True,
                    ignore=shutil.ignore_patterns("snapshots", "tmp", "keys"))
    return Store(tmp_path / "store")


def dfc(run_dfc, store: Store, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    done: subprocess.CompletedProcess[str] = run_dfc(*args, "--root", str(store.root))
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.slow
def test_two_platform_build_is_pushed_as_one_index_and_pulled_by_platform(
        registry, store: Store, run_dfc, docker_config, tmp_path: Path) -> None:
    name = f"{registry.host}/multi/probe-{uuid.uuid4().hex[:8]}:1"
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        "FROM busybox:multi\nARG TARGETARCH\nRUN echo \"$(uname -m) $TARGETARCH\" > /arch\n")
    dfc(run_dfc, store, "build", "--platform", TWO, "-t", name, "--push", str(ctx))
    built = store.resolve(name).manifest

    raw = sh("skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{name}")
    assert raw.returncode == 0, raw.stderr
    listed = json.loads(raw.stdout)
    assert listed["mediaType"] == INDEX
    assert [(m["platform"]["os"], m["platform"]["architecture"])
            for m in listed["manifests"]] == [("linux", "amd64"), ("linux", "arm64")]
    assert [m["digest"] for m in listed["manifests"]] == [
        m.digest for m in store.read_json(built.digest, Index).manifests]
    seen = sh("docker", "manifest", "inspect", "--insecure", name)
    assert seen.returncode == 0, seen.stderr
    assert {m["platform"]["architecture"] for m in json.loads(seen.stdout)["manifests"]} == {
        "amd64", "arm64"}

    other = Store(tmp_path / "other")
    dfc(run_dfc, other, "pull", "--platform", "linux/arm64", name)
    pulled = json.loads(dfc(run_dfc, other, "image", "inspect", name).stdout)[0]
    assert pulled["Architecture"] == "arm64"
    arm = next(m for m in listed["manifests"] if m["platform"]["architecture"] == "arm64")
    assert other.resolve(name).manifest.digest == arm["digest"]


@pytest.mark.slow
def test_build_from_a_registry_list_takes_each_platforms_image(
        registry, multiplatform_base: MultiPlatformBase, run_dfc, docker_config,
        tmp_path: Path) -> None:
    base = multiplatform_base.store
    repo = f"{registry.host}/multi/base-{uuid.uuid4().hex[:8]}"
    pusher = Store(tmp_path / "pusher")
    shutil.copytree(base.root, pusher.root, dirs_exist_ok=True, symlinks=True,
                    ignore=shutil.ignore_patterns("snapshots", "tmp", "keys"))
    for arch in ("amd64", "arm64"):
        pusher.tag(f"{repo}:{arch}", pusher.resolve(f"busybox:{arch}").manifest)
        dfc(run_dfc, pusher, "push", f"{repo}:{arch}")
    dfc(run_dfc, pusher, "manifest", "create", "--oci", f"{repo}:all", f"{repo}:amd64",
        f"{repo}:arm64")
    refused = run_dfc("manifest", "annotate", f"{repo}:all", f"{repo}:amd64", "--arch",
                      "x86_64", "--root", str(pusher.root))
    assert refused.returncode == 1
    assert "unsupported os/arch combination: linux/x86_64" in refused.stderr
    dfc(run_dfc, pusher, "manifest", "push", "--purge", f"{repo}:all")

    empty = Store(tmp_path / "empty")
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {repo}:all\nRUN uname -m > /machine\n")
    out = tmp_path / "out"
    dfc(run_dfc, empty, "build", "--platform", TWO, "-o", f"type=local,dest={out}", str(ctx))
    assert (out / "linux_amd64/machine").read_text() == "x86_64\n"
    assert (out / "linux_arm64/machine").read_text() == "aarch64\n"
    # The store keeps the list under its name, with the images of the platforms built.
    kept = empty.resolve(f"{repo}:all").manifest
    assert kept.media_type == INDEX
    assert all(empty.has_blob(m.digest) for m in empty.read_json(kept.digest, Index).manifests)
    assert empty.check().ok
    missing = run_dfc("build", "--platform", "linux/s390x", str(ctx), "--root",
                      str(empty.root))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "linux/s390x" in missing.stderr, missing.stderr
