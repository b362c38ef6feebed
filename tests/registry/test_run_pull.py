"""`dfc run --pull` and `dfc create --pull` against a real registry: an image the store
lacks is pulled (progress on stderr) and runs; `always` pulls a moved tag; `never`
refuses; docker says the same first line for the same registry image."""

from __future__ import annotations

import subprocess
import uuid

from dfc.cache.store import Store


def _push(run_dfc, store: Store, source: str, name: str) -> None:
    store.tag(name, store.resolve(source).manifest)
    pushed = run_dfc("push", name, "--root", str(store.root))
    assert pushed.returncode == 0, pushed.stderr


def test_run_pulls_a_missing_image_and_always_pulls_a_moved_tag(
        registry, image_store: Store, empty_store: Store, run_dfc, make_image,
        docker_config) -> None:
    name = f"{registry.host}/runpull/app:1"
    _push(run_dfc, image_store, "app:1", name)
    root = ("--root", str(empty_store.root))

    first = run_dfc("run", "--rm", *root, name, "cat", "/app/two")
    assert (first.returncode, first.stdout) == (0, "two\n"), first.stderr
    lines = first.stderr.splitlines()
    assert lines[0] == f"Unable to find image '{name}' locally"
    assert f"Status: Downloaded newer image for {name}" in lines
    assert empty_store.resolve(name).manifest.digest == image_store.resolve(name).manifest.digest

    present = run_dfc("run", "--rm", *root, name, "cat", "/app/two")
    assert (present.returncode, present.stdout, present.stderr) == (0, "two\n", "")

    make_image(image_store, "app:1", "app:2", {"app/two": b"second\n"})
    _push(run_dfc, image_store, "app:2", name)  # the tag moves in the registry
    stale = run_dfc("run", "--rm", *root, name, "cat", "/app/two")
    assert (stale.stdout, stale.stderr) == ("two\n", "")
    fresh = run_dfc("run", "--rm", "--pull", "always", *root, name, "cat", "/app/two")
    assert (fresh.returncode, fresh.stdout) == (0, "second\n"), fresh.stderr
    assert "Unable to find image" not in fresh.stderr
    assert f"Status: Downloaded newer image for {name}" in fresh.stderr.splitlines()
    again = run_dfc("run", "--rm", "--pull=always", "-q", *root, name, "cat", "/app/two")
    assert (again.returncode, again.stdout, again.stderr) == (0, "second\n", "")


def test_create_pulls_and_quiet_prints_only_the_id(registry, image_store: Store,
                                                   empty_store: Store, run_dfc,
                                                   docker_config) -> None:
    name = f"{registry.host}/runpull/created:1"
    _push(run_dfc, image_store, "app:1", name)
    made = run_dfc("create", "-q", "--root", str(empty_store.root), name, "true")
    assert made.returncode == 0, made.stderr
    assert made.stderr == "" and len(made.stdout.strip()) == 64
    run_dfc("rm", "--root", str(empty_store.root), made.stdout.strip())


def test_pull_never_and_bad_policy_are_docker_errors(registry, empty_store: Store,
                                                     run_dfc) -> None:
    root = ("--root", str(empty_store.root))
    missing = f"{registry.host}/runpull/absent"
    never = run_dfc("run", "--rm", "--pull", "never", *root, missing, "true")
    assert (never.returncode, never.stdout) == (125, "")
    assert never.stderr == f"error: No such image: {missing}:latest\n"
    created = run_dfc("create", "--pull", "never", *root, missing, "true")
    assert (created.returncode, created.stderr) == (1, never.stderr)
    bad = run_dfc("run", "--pull", "sometimes", *root, missing, "true")
    assert bad.returncode == 125
    assert bad.stderr == ("error: invalid pull option: 'sometimes': must be one of "
                          "\"always\", \"missing\" or \"never\"\n")
    unreachable = run_dfc("run", "--rm", *root, f"{registry.host}/runpull/absent:1", "true")
    assert unreachable.returncode == 125
    err = unreachable.stderr.splitlines()
    assert err[0] == f"Unable to find image '{registry.host}/runpull/absent:1' locally"
    assert err[-1].startswith("error: ") and "absent" in err[-1]
    assert empty_store.root.joinpath("containers").exists() is False or not [
        p for p in empty_store.root.joinpath("containers").iterdir() if p.name != ".lock"]


def test_docker_says_the_same_for_the_same_registry_image(
        registry, image_store: Store, empty_store: Store, run_dfc, docker_config) -> None:
    name = f"{registry.host}/runpull/docker-{uuid.uuid4().hex[:8]}:1"
    _push(run_dfc, image_store, "app:1", name)
    ours = run_dfc("run", "--rm", "--root", str(empty_store.root), name, "cat", "/app/two")
    theirs = subprocess.run(["docker", "run", "--rm", name, "cat", "/app/two"],
                            capture_output=True, text=True, timeout=120)
    try:
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout) == (0, "two\n")
        assert ours.stderr.splitlines()[0] == theirs.stderr.splitlines()[0]
        assert f"Status: Downloaded newer image for {name}" in theirs.stderr.splitlines()
        assert f"Status: Downloaded newer image for {name}" in ours.stderr.splitlines()
        never = subprocess.run(["docker", "run", "--rm", "--pull", "never", name + "x", "true"],
                               capture_output=True, text=True, timeout=60)
        ours_never = run_dfc("run", "--rm", "--pull", "never", "--root",
                             str(empty_store.root), name + "x", "true")
        assert never.returncode == ours_never.returncode == 125
        assert f"No such image: {name}x" in never.stderr
        assert ours_never.stderr == f"error: No such image: {name}x\n"
    finally:
        subprocess.run(["docker", "rmi", "-f", name], capture_output=True)
