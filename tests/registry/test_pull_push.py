"""Push and pull against a real registry, through the `dfc` command, as a user runs them."""

from __future__ import annotations

import json
import urllib.request

from dfc.cache.store import Store


def test_push_then_pull_round_trips_the_image(registry, image_store: Store, empty_store: Store,
                                              run_dfc, docker_config) -> None:
    name = f"{registry.host}/team/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    pushed = run_dfc("push", name, "--root", str(image_store.root))
    assert pushed.returncode == 0, pushed.stderr
    lines = pushed.stdout.splitlines()
    assert lines[0] == f"The push refers to repository [{registry.host}/team/app]"
    digest = image_store.resolve(name).manifest.digest
    size = image_store.resolve(name).manifest.size
    assert lines[-1] == f"1: digest: {digest} size: {size}"
    assert sum(line.endswith(": Pushed") for line in lines) == 4  # 2 busybox + 2 app layers

    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert f"Digest: {digest}" in pulled.stdout
    assert f"Status: Downloaded newer image for {name}" in pulled.stdout
    assert pulled.stdout.splitlines()[-1] == name
    assert empty_store.resolve(name).manifest.digest == digest
    assert empty_store.check().ok

    again = run_dfc("pull", name, "--root", str(empty_store.root))
    assert f"Status: Image is up to date for {name}" in again.stdout
    assert again.stdout.count("Already exists") == 4


def test_second_push_skips_blobs_and_mounts_across_repositories(
        registry, image_store: Store, run_dfc, docker_config) -> None:
    first, second = f"{registry.host}/mount/a:1", f"{registry.host}/mount/b:1"
    for name in (first, second):
        image_store.tag(name, image_store.resolve("app:1").manifest)
    assert run_dfc("push", first, "--root", str(image_store.root)).returncode == 0
    again = run_dfc("push", first, "--root", str(image_store.root))
    assert again.stdout.count("Layer already exists") == 4
    other = run_dfc("push", second, "--root", str(image_store.root))
    assert other.returncode == 0, other.stderr
    assert other.stdout.count("Mounted from mount/a") == 4


def test_chunked_upload_of_a_large_blob(registry, image_store: Store, empty_store: Store) -> None:
    from dfc.reference import parse_reference
    from dfc.runtime.registry.config import RegistrySettings
    from dfc.runtime.registry.pull import pull
    from dfc.runtime.registry.push import push

    ref = parse_reference(f"{registry.host}/chunked/app:1")
    image_store.tag(str(ref), image_store.resolve("app:1").manifest)
    events: list = []
    push(image_store, ref, RegistrySettings(), events.append, chunk_size=64 * 1024)
    pushing = [e for e in events if getattr(e, "status", "") == "Pushing"]
    assert max(e.current for e in pushing) > 300_000  # the random layer went in chunks
    pull(empty_store, ref, RegistrySettings(), lambda e: None)
    assert empty_store.check().ok
    pushed = image_store.resolve(str(ref)).manifest.digest
    assert empty_store.resolve(str(ref)).manifest.digest == pushed


def test_pull_by_digest_and_default_tag(registry, image_store: Store, empty_store: Store,
                                        run_dfc, docker_config) -> None:
    name = f"{registry.host}/digest/app"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    assert run_dfc("push", name, "--root", str(image_store.root)).returncode == 0
    digest = image_store.resolve(name).manifest.digest
    by_digest = run_dfc("pull", f"{name}@{digest}", "--root", str(empty_store.root))
    assert by_digest.returncode == 0, by_digest.stderr
    assert by_digest.stdout.splitlines()[-1] == f"{name}@{digest}"
    assert empty_store.resolve(f"{name}@{digest}").manifest.digest == digest
    by_name = run_dfc("pull", name, "--root", str(empty_store.root))
    assert by_name.stdout.splitlines()[0] == "Using default tag: latest"
    assert by_name.stdout.splitlines()[-1] == f"{name}:latest"


def test_pull_picks_the_platform_from_a_manifest_list(
        registry, image_store: Store, empty_store: Store, make_image, run_dfc,
        docker_config) -> None:
    repo = f"{registry.host}/multi/app"
    make_image(image_store, "busybox", f"{repo}:arm64", {"arch": b"arm64\n"}, arch="arm64")
    image_store.tag(f"{repo}:amd64", image_store.resolve("app:1").manifest)
    for tag in ("amd64", "arm64"):
        assert run_dfc("push", f"{repo}:{tag}", "--root", str(image_store.root)).returncode == 0
    root = ["--root", str(image_store.root)]
    made = run_dfc("manifest", "create", f"{repo}:all", f"{repo}:amd64", f"{repo}:arm64", *root)
    assert made.returncode == 0, made.stderr
    assert run_dfc("manifest", "push", f"{repo}:all", *root).returncode == 0

    arm = run_dfc("pull", "--platform", "linux/arm64", f"{repo}:all", "--root",
                  str(empty_store.root))
    assert arm.returncode == 0, arm.stderr
    arm_image = image_store.resolve(f"{repo}:arm64").config  # the same image, its manifest
    assert empty_store.resolve(f"{repo}:all").config == arm_image  # now Docker schema 2
    missing = run_dfc("pull", "--platform", "linux/s390x", f"{repo}:all", "--root",
                      str(empty_store.root))
    assert missing.returncode == 1
    assert "no matching manifest for linux/s390x" in missing.stderr


def test_missing_manifest_is_a_clear_error(registry, empty_store: Store, run_dfc,
                                           docker_config) -> None:
    done = run_dfc("pull", f"{registry.host}/nothing/here:1", "--root", str(empty_store.root))
    assert done.returncode == 1
    assert done.stderr.strip() == (f"error: manifest for {registry.host}/nothing/here:1 not "
                                   "found: manifest unknown: manifest unknown")
    assert empty_store.index().manifests == ()


def test_push_of_an_unknown_image_says_so(registry, empty_store: Store, run_dfc) -> None:
    done = run_dfc("push", f"{registry.host}/x:1", "--root", str(empty_store.root))
    assert done.returncode == 1
    assert f"An image does not exist locally with the tag: {registry.host}/x:1" in done.stderr


def test_registry_stores_what_dfc_sends_byte_for_byte(registry, image_store: Store,
                                                      run_dfc, docker_config) -> None:
    name = f"{registry.host}/bytes/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    assert run_dfc("push", name, "--root", str(image_store.root)).returncode == 0
    request = urllib.request.Request(
        f"{registry.url}/v2/bytes/app/manifests/1",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    with urllib.request.urlopen(request) as r:
        body, kind = r.read(), r.headers["Content-Type"]
    digest = image_store.resolve(name).manifest.digest
    with image_store.open_blob(digest) as f:
        assert body == f.read()
    assert kind == json.loads(body)["mediaType"]


def test_push_and_pull_all_tags(registry, image_store: Store, empty_store: Store, run_dfc,
                                docker_config) -> None:
    import subprocess

    repo = f"{registry.host}/alltags/app"
    for tag in ("1", "2", "latest"):
        image_store.tag(f"{repo}:{tag}", image_store.resolve("app:1").manifest)
    image_store.tag(f"{registry.host}/alltags/other:1", image_store.resolve("busybox").manifest)
    refused = run_dfc("push", "-a", f"{repo}:1", "--root", str(image_store.root))
    assert refused.returncode == 1
    assert refused.stderr == "error: tag can't be used with --all-tags/-a\n"
    pushed = run_dfc("push", "--all-tags", repo, "--root", str(image_store.root))
    assert pushed.returncode == 0, pushed.stderr
    assert [line.split(":")[0] for line in pushed.stdout.splitlines()
            if ": digest: " in line] == ["1", "2", "latest"]
    pulled = run_dfc("pull", "-a", repo, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.splitlines()[-1] == repo
    assert sorted(n for r in empty_store.images() for n in r.names) == [
        f"{repo}:1", f"{repo}:2", f"{repo}:latest"]
    # the docker engine sees the same tags with the same image
    try:
        subprocess.run(["docker", "pull", "-q", "-a", repo], check=True, capture_output=True)
        listed = subprocess.run(["docker", "images", "--format", "{{.Tag}} {{.ID}}", repo],
                                capture_output=True, text=True, check=True).stdout.split("\n")
        image_id = image_store.resolve("app:1").config.removeprefix("sha256:")[:12]
        assert sorted(line for line in listed if line) == [
            f"1 {image_id}", f"2 {image_id}", f"latest {image_id}"]
    finally:
        subprocess.run(["docker", "rmi", "-f", f"{repo}:1", f"{repo}:2", f"{repo}:latest"],
                       capture_output=True, check=False)
