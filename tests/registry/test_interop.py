"""dfc and the real tools read each other's pushes: docker pulls and runs what dfc
pushed, skopeo copies it; dfc builds FROM what skopeo and docker pushed; docker and
skopeo read dfc's manifest lists."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from dfc.cache.store import Store

DOCKER = "/usr/bin/docker"


def sh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=180)


@pytest.fixture
def docker_ready() -> None:
    done = sh(DOCKER, "info")
    assert done.returncode == 0, "dockerd must be running for the interop tests: " + done.stderr


def test_docker_pulls_and_runs_what_dfc_pushed(docker_ready, registry, image_store: Store,
                                               run_dfc, docker_config, tmp_path: Path) -> None:
    name = f"{registry.host}/interop/dfc-{uuid.uuid4().hex[:8]}:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    assert run_dfc("push", name, "--root", str(image_store.root)).returncode == 0
    try:
        pulled = sh(DOCKER, "pull", name)
        assert pulled.returncode == 0, pulled.stderr
        ran = sh(DOCKER, "run", "--rm", name, "cat", "/app/two")
        assert ran.returncode == 0 and ran.stdout == "two\n", ran.stderr
    finally:
        sh(DOCKER, "rmi", "-f", name)
    copied = sh("skopeo", "copy", "--src-tls-verify=false", f"docker://{name}",
                f"oci:{tmp_path / 'copy'}:1")
    assert copied.returncode == 0, copied.stderr
    digest = sh("skopeo", "inspect", "--format", "{{.Digest}}", f"oci:{tmp_path / 'copy'}:1")
    assert digest.stdout.strip() == image_store.resolve(name).manifest.digest


def test_dfc_builds_from_images_skopeo_and_docker_pushed(
        docker_ready, registry, busybox_image, empty_store: Store, run_dfc, docker_config,
        tmp_path: Path) -> None:
    base = f"{registry.host}/interop/skopeo-base:1"
    layout = f"oci:{busybox_image.store.root}:{busybox_image.ref}"
    copied = sh("skopeo", "copy", "--dest-tls-verify=false", "--format", "v2s2", layout,
                f"docker://{base}")
    assert copied.returncode == 0, copied.stderr
    tagged = f"{registry.host}/interop/docker-base:1"
    try:
        assert sh(DOCKER, "pull", base).returncode == 0
        assert sh(DOCKER, "tag", base, tagged).returncode == 0
        pushed = sh(DOCKER, "push", tagged)
        assert pushed.returncode == 0, pushed.stderr
    finally:
        sh(DOCKER, "rmi", "-f", base, tagged)
    for source in (base, tagged):
        (tmp_path / "Dockerfile").write_text(f"FROM {source}\nRUN echo built > /built\n")
        done = run_dfc("build", "--root", str(empty_store.root), "-t", "out:1", "--progress",
                       "plain", str(tmp_path))
        assert done.returncode == 0, done.stderr
        assert f"Status: Downloaded newer image for {source}" in done.stderr
    kind = empty_store.resolve(tagged).manifest.media_type
    assert kind == "application/vnd.docker.distribution.manifest.v2+json"
    assert empty_store.check().ok


def test_docker_and_skopeo_read_dfc_manifest_lists(
        docker_ready, registry, image_store: Store, make_image, run_dfc, docker_config) -> None:
    repo = f"{registry.host}/interop/list"
    make_image(image_store, "busybox", f"{repo}:arm", {"arch": b"arm\n"}, arch="arm")
    image_store.tag(f"{repo}:amd64", image_store.resolve("app:1").manifest)
    root = ["--root", str(image_store.root)]
    for tag in ("amd64", "arm"):
        assert run_dfc("push", f"{repo}:{tag}", *root).returncode == 0
    for kind, flag in (("application/vnd.docker.distribution.manifest.list.v2+json", []),
                       ("application/vnd.oci.image.index.v1+json", ["--oci"])):
        made = run_dfc("manifest", "create", *flag, f"{repo}:all", f"{repo}:amd64",
                       f"{repo}:arm", *root)
        assert made.returncode == 0, made.stderr
        annotated = run_dfc("manifest", "annotate", f"{repo}:all", f"{repo}:arm", "--variant",
                            "v7", *root)
        assert annotated.returncode == 0, annotated.stderr
        local = json.loads(run_dfc("manifest", "inspect", f"{repo}:all", *root).stdout)
        assert local["mediaType"] == kind
        pushed = run_dfc("manifest", "push", "--purge", f"{repo}:all", *root)
        assert pushed.returncode == 0, pushed.stderr
        digest = pushed.stdout.strip()

        raw = sh("skopeo", "inspect", "--raw", "--tls-verify=false", f"docker://{repo}:all")
        assert raw.returncode == 0, raw.stderr
        listed = json.loads(raw.stdout)
        assert listed == local and listed["mediaType"] == kind
        platforms = {(m["platform"]["architecture"], m["platform"].get("variant"))
                     for m in listed["manifests"]}
        assert platforms == {("amd64", None), ("arm", "v7")}
        if kind.startswith("application/vnd.docker"):
            seen = sh(DOCKER, "manifest", "inspect", "--insecure", f"{repo}:all")
            assert seen.returncode == 0, seen.stderr
            assert json.loads(seen.stdout)["manifests"][0]["digest"] in {
                m["digest"] for m in listed["manifests"]}
        remote = json.loads(run_dfc("manifest", "inspect", f"{repo}:all", *root).stdout)
        assert remote == listed
        assert digest.startswith("sha256:")
        gone = run_dfc("manifest", "rm", f"{repo}:all", *root)
        assert gone.returncode == 1 and "No such manifest" in gone.stderr
