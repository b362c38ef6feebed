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


def test_docker_and_dfc_share_a_credential_helper_login(
        docker_ready, basic_registry, image_store: Store, run_dfc, docker_config,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`docker login` stores through the helper; dfc pushes with that login; `dfc logout`
    asks the helper to erase what `docker logout` asks it to."""
    import os
    import stat
    import sys

    from .test_credential_helpers import HELPER

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker-credential-fake"
    script.write_text(HELPER.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_HELPER_DIR", str(tmp_path))
    (docker_config / "config.json").write_text(json.dumps({"credsStore": "fake"}))
    host = basic_registry.host
    login = subprocess.run([DOCKER, "login", host, "-u", "dfc", "--password-stdin"],
                           input="s3cret", capture_output=True, text=True, timeout=60)
    assert login.returncode == 0, login.stderr
    keychain = json.loads((tmp_path / "keychain.json").read_text())
    assert keychain == {host: {"Username": "dfc", "Secret": "s3cret"}}

    name = f"{host}/shared-login/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    pushed = run_dfc("push", name, "--root", str(image_store.root))
    assert pushed.returncode == 0, pushed.stderr

    def erased() -> set[str]:
        calls = [json.loads(line) for line in (tmp_path / "calls.log").read_text().splitlines()]
        (tmp_path / "calls.log").write_text("")
        return {c[2] for c in calls if c[1] == "erase"}

    ours = run_dfc("logout", host)
    assert ours.returncode == 0
    assert json.loads((tmp_path / "keychain.json").read_text()) == {}
    assert json.loads((docker_config / "config.json").read_text())["auths"] == {}
    by_dfc = erased()
    theirs = subprocess.run([DOCKER, "logout", host], capture_output=True, text=True,
                            timeout=60)
    assert theirs.stdout == ours.stdout
    assert erased() == by_dfc == {host, f"http://{host}", f"https://{host}"}


def test_other_tools_read_the_zstd_layers_dfc_pushed(
        registry, image_store: Store, run_dfc, docker_config, tmp_path: Path) -> None:
    """skopeo copies the image (checking every digest) and the zstd CLI with tar unpacks
    its layers. (dockerd 28 on its graphdriver store refuses zstd layers, skopeo's own
    included: "archive/tar: invalid tar header", so docker cannot be the reader here.)"""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY data /data\n")
    (ctx / "data").write_text("zstd from dfc\n")
    name = f"{registry.host}/interop/zstd-{uuid.uuid4().hex[:8]}:1"
    built = run_dfc("build", "--root", str(image_store.root), "-o",
                    f"type=registry,name={name},compression=zstd,force-compression=true",
                    str(ctx))
    assert built.returncode == 0, built.stderr
    layout = tmp_path / "layout"
    copied = sh("skopeo", "copy", "--src-tls-verify=false", f"docker://{name}",
                f"oci:{layout}:1")
    assert copied.returncode == 0, copied.stderr
    index = json.loads((layout / "index.json").read_text())
    manifest_digest = index["manifests"][0]["digest"].removeprefix("sha256:")
    manifest = json.loads((layout / "blobs" / "sha256" / manifest_digest).read_text())
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    for layer in manifest["layers"]:
        assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd"
        blob = layout / "blobs" / "sha256" / layer["digest"].removeprefix("sha256:")
        unpacked = subprocess.run(f"zstd -dc {blob} | tar -x -C {rootfs}", shell=True,
                                  capture_output=True, text=True, timeout=60)
        assert unpacked.returncode == 0, unpacked.stderr
    assert (rootfs / "data").read_text() == "zstd from dfc\n"
    assert (rootfs / "bin" / "busybox").exists()
