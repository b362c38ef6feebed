"""Docker's command flags scripts use (issue 16): `history -H=false`, `save REPO`,
`inspect --type`, prompts at end of input, `rmi --no-prune`; compared with the docker CLI
where the machine's engine has the behaviour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfc.cache.store import Store
from tests.test_images_cli import build_child, run

pytestmark = pytest.mark.slow  # each test runs the console script several times

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def docker(*args: str, stdin: bytes = b"") -> str:
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, check=True
                          ).stdout.decode()


@pytest.fixture
def docker_repo() -> Iterator[str]:
    """A repository name of this test alone in the docker engine, removed afterwards."""
    name = f"dfc-test-{uuid.uuid4().hex[:10]}"
    yield name
    tags = docker("images", "--format", "{{.Repository}}:{{.Tag}}", name).split()
    if tags:
        subprocess.run(["docker", "rmi", "-f", *tags], capture_output=True, check=False)


def usage_error(dfc_cmd: list[str], store: Store, *args: str) -> str:
    """The message of a usage error (its exit code is the CLI's usage code, 2 or docker's
    125 depending on the CLI wiring)."""
    proc = subprocess.run([*dfc_cmd, *args], capture_output=True, text=True,
                          env={**os.environ, "DFC_ROOT": str(store.root)})
    assert proc.returncode in (2, 125) and proc.stdout == ""
    return proc.stderr


def archive_members(archive: bytes | Path) -> dict[str, object]:
    import io

    fileobj = io.BytesIO(archive) if isinstance(archive, bytes) else open(archive, "rb")
    with fileobj, tarfile.open(fileobj=fileobj) as tar:
        return {name: json.load(tar.extractfile(name))  # type: ignore[arg-type]
                for name in ("manifest.json", "repositories") if name in tar.getnames()}


def test_history_not_human_prints_bytes_and_dates(fresh_store: Store,
                                                  dfc_cmd: list[str]) -> None:
    rows = [line.split("|") for line in run(
        dfc_cmd, fresh_store, "history", "-H=false", "--format",
        "{{.CreatedSince}}|{{.CreatedAt}}|{{.Size}}", "busybox").splitlines()]
    assert rows and all(RFC3339.match(since) and since == at and size.isdigit()
                        for since, at, size in rows)
    assert run(dfc_cmd, fresh_store, "history", "--human=false", "-q", "busybox") == \
        run(dfc_cmd, fresh_store, "history", "-q", "busybox")
    human = run(dfc_cmd, fresh_store, "history", "-H=true", "--format", "{{.Size}}",
                "busybox").splitlines()
    assert human and all(size.endswith("B") for size in human)
    assert usage_error(dfc_cmd, fresh_store, "history", "-H=maybe", "busybox") == \
        'error: invalid argument "maybe" for "-H, --human" flag: strconv.ParseBool: ' \
        'parsing "maybe": invalid syntax\n'


@pytest.mark.interop
def test_history_not_human_matches_docker(fresh_store: Store, dfc_cmd: list[str],
                                          tmp_path: Path, docker_repo: str) -> None:
    name = f"{docker_repo}:h"
    build_child(fresh_store, tmp_path, name)
    archive = tmp_path / "h.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), name)
    docker("load", "-i", str(archive))
    template = "{{.CreatedSince}}|{{.Size}}|{{.CreatedBy}}|{{.Comment}}"
    assert run(dfc_cmd, fresh_store, "history", "-H=false", "--format", template, name) == \
        docker("history", "-H=false", "--format", template, name)


def test_save_repository_saves_every_tag(fresh_store: Store, dfc_cmd: list[str],
                                         tmp_path: Path) -> None:
    run(dfc_cmd, fresh_store, "tag", "busybox", "repo:one")
    run(dfc_cmd, fresh_store, "tag", "busybox", "repo:two")
    build_child(fresh_store, tmp_path, "repo:three")
    build_child(fresh_store, tmp_path, "other:1")
    archive = tmp_path / "repo.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), "repo")
    members = archive_members(archive)
    tags = sorted(sorted(m["RepoTags"]) for m in members["manifest.json"])  # type: ignore
    assert tags == [["repo:one", "repo:two"], ["repo:three"]]
    assert sorted(members["repositories"]["repo"]) == ["one", "three", "two"]  # type: ignore
    assert run(dfc_cmd, fresh_store, "save", "-o", str(tmp_path / "one.tar"), "repo:one") \
        == ""
    one_tag = archive_members(tmp_path / "one.tar")
    assert [m["RepoTags"] for m in one_tag["manifest.json"]] == [["repo:one"]]  # type: ignore
    assert run(dfc_cmd, fresh_store, "save", "-o", str(tmp_path / "no.tar"), "nothing",
               code=1) == "error: No such image: nothing\n"


@pytest.mark.interop
def test_save_repository_names_as_docker_does(fresh_store: Store, dfc_cmd: list[str],
                                              tmp_path: Path, docker_repo: str) -> None:
    for tag in ("one", "two"):
        run(dfc_cmd, fresh_store, "tag", "busybox", f"{docker_repo}:{tag}")
    build_child(fresh_store, tmp_path, f"{docker_repo}:three")
    archive = tmp_path / "all.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), docker_repo)
    docker("load", "-i", str(archive))
    ours = archive_members(archive)
    theirs = archive_members(subprocess.run(["docker", "save", docker_repo],
                                            capture_output=True, check=True).stdout)

    def names(members: dict[str, object]) -> list[list[str]]:
        return sorted(sorted(m["RepoTags"]) for m in members["manifest.json"])  # type: ignore

    assert names(ours) == names(theirs)
    # (the values are v1 layer IDs, which each writer derives its own way)
    assert {repo: sorted(tags) for repo, tags in ours["repositories"].items()} == \
        {repo: sorted(tags) for repo, tags in theirs["repositories"].items()}  # type: ignore


def test_prompts_at_end_of_input_do_nothing_and_succeed(fresh_store: Store,
                                                        dfc_cmd: list[str],
                                                        tmp_path: Path) -> None:
    """docker prints the prompt, reads no answer and exits 0 without a newline."""
    build_child(fresh_store, tmp_path, "child:1", "one")
    build_child(fresh_store, tmp_path, "child:1", "two")  # the first is now dangling
    before = fresh_store.images()
    assert run(dfc_cmd, fresh_store, "image", "prune") == (
        "WARNING! This will remove all dangling images.\n"
        "Are you sure you want to continue? [y/N] ")
    assert run(dfc_cmd, fresh_store, "builder", "prune") == (
        "WARNING! This will remove all dangling build cache. Are you sure you want to "
        "continue? [y/N] ")
    assert run(dfc_cmd, fresh_store, "image", "prune", stdin=b"no\n").endswith("[y/N] ")
    assert fresh_store.images() == before
    out = run(dfc_cmd, fresh_store, "image", "prune", stdin=b"y\n")
    assert "Deleted Images:" in out and len(fresh_store.images()) == len(before) - 1


@pytest.mark.interop
def test_image_prune_prompt_matches_docker(fresh_store: Store, dfc_cmd: list[str]) -> None:
    theirs = subprocess.run(["docker", "image", "prune"], input=b"", capture_output=True)
    ours = subprocess.run([*dfc_cmd, "image", "prune"], input=b"", capture_output=True,
                          env={**os.environ, "DFC_ROOT": str(fresh_store.root)})
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)


def test_inspect_type(fresh_store: Store, dfc_cmd: list[str]) -> None:
    [image] = json.loads(run(dfc_cmd, fresh_store, "inspect", "--type", "image", "busybox"))
    assert image["RepoTags"] == ["busybox:latest"]
    proc = subprocess.run([*dfc_cmd, "inspect", "--type", "container", "busybox"],
                          capture_output=True, text=True,
                          env={**os.environ, "DFC_ROOT": str(fresh_store.root)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1, "[]\n", "error: No such container: busybox\n")
    proc = subprocess.run([*dfc_cmd, "inspect", "--type", "volume", "v1"],
                          capture_output=True, text=True,
                          env={**os.environ, "DFC_ROOT": str(fresh_store.root)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1, "[]\n", "error: get v1: no such volume\n")
    run(dfc_cmd, fresh_store, "volume", "create", "v1")
    assert run(dfc_cmd, fresh_store, "inspect", "--type", "volume", "-f", "{{.Name}} {{.Driver}}",
               "v1") == "v1 local\n"
    assert usage_error(dfc_cmd, fresh_store, "inspect", "--type", "bogus", "x") == (
        'error: unknown type: "bogus": must be one of "config", "container", "image", '
        '"network", "node", "plugin", "secret", "service", "task", "volume"\n')


def test_rmi_no_prune_removes_the_image(fresh_store: Store, dfc_cmd: list[str],
                                        tmp_path: Path) -> None:
    image_id = build_child(fresh_store, tmp_path, "child:1")
    assert run(dfc_cmd, fresh_store, "rmi", "--no-prune", "child:1") == (
        f"Untagged: child:1\nDeleted: {image_id}\n")
    assert [r.names for r in fresh_store.images()] == [("docker.io/library/busybox:latest",)]


def test_system_df_build_cache_is_what_builder_prune_frees(fresh_store: Store,
                                                           dfc_cmd: list[str],
                                                           tmp_path: Path) -> None:
    from dfc.cache.gc import usage
    from dfc.commands.formatting import human_size

    build_child(fresh_store, tmp_path, "child:1", "one")
    build_child(fresh_store, tmp_path, "child:1", "two")  # one's image is dangling now
    run(dfc_cmd, fresh_store, "image", "prune", "-f")  # one's layer: only the cache has it
    cache = usage(fresh_store)
    assert (fresh_store.root / "snapshots").exists() and cache.reclaimable > 0
    row = run(dfc_cmd, fresh_store, "system", "df", "--format",
              "{{.Type}}|{{.TotalCount}}|{{.Size}}|{{.Reclaimable}}").splitlines()[-1]
    assert row == f"Build Cache|2|{human_size(cache.size)}|{human_size(cache.reclaimable)}"
    du = run(dfc_cmd, fresh_store, "builder", "du").splitlines()
    assert du[-2:] == [f"Reclaimable:\t{human_size(cache.reclaimable)}",
                       f"Total:\t\t{human_size(cache.size)}"]
    assert du[0].split() == ["ID", "RECLAIMABLE", "SIZE", "LAST", "ACCESSED"]
    from dfc.cache.gc import prune

    assert prune(fresh_store).reclaimed == cache.reclaimable
    assert usage(fresh_store).reclaimable == 0


def test_system_df_verbose_lists_images_and_cache(fresh_store: Store, dfc_cmd: list[str],
                                                  tmp_path: Path) -> None:
    build_child(fresh_store, tmp_path, "child:1")
    out = run(dfc_cmd, fresh_store, "system", "df", "-v")
    head, _, cache = out.partition("Build cache usage: ")
    lines = head.splitlines()
    assert lines[:2] == ["Images space usage:", ""]
    assert lines[2].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE",
                                "SHARED", "SIZE", "UNIQUE", "SIZE", "CONTAINERS"]
    rows = {line.split()[0]: line.split() for line in lines[3:] if line}
    assert set(rows) == {"busybox", "child"}
    assert rows["busybox"][-2:] == ["0B", "0"]  # all of busybox is shared with child
    assert cache.splitlines()[2].split() == ["CACHE", "ID", "CACHE", "TYPE", "SIZE",
                                             "CREATED", "LAST", "USED", "USAGE", "SHARED"]


@pytest.mark.interop
def test_system_df_verbose_sizes_match_docker(fresh_store: Store, dfc_cmd: list[str],
                                              tmp_path: Path, docker_repo: str) -> None:
    """Two images of this test alone (their layers shared with no other image of the
    engine): SIZE, SHARED SIZE and UNIQUE SIZE as docker computes them."""
    import tarfile as tar_module

    from dfc.runtime.images.importer import import_rootfs
    from tests.conftest import make_busybox_rootfs

    root = tmp_path / "rootfs"
    make_busybox_rootfs(root)
    (root / "etc" / "unique").write_text(docker_repo)
    with tar_module.open(tmp_path / "root.tar", "w") as tar:
        tar.add(root, arcname=".")
    import_rootfs(fresh_store, tmp_path / "root.tar", f"{docker_repo}:base")
    ctx = tmp_path / "child"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {docker_repo}:base\nRUN echo hi > /hi\n")
    from dfc.build import BuildRequest, build

    build(BuildRequest(context=str(ctx), tags=(f"{docker_repo}:child",)), fresh_store,
          lambda e: None)
    archive = tmp_path / "both.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), docker_repo)
    docker("load", "-i", str(archive))

    def rows(text: str) -> dict[str, list[str]]:
        lines = text.split("Images space usage:")[1].split("\n\n")[1].splitlines()
        return {f"{line.split()[0]}:{line.split()[1]}": line.split()[-4:]
                for line in lines[1:] if line.startswith(docker_repo)}

    ours = rows(run(dfc_cmd, fresh_store, "system", "df", "-v"))
    theirs = rows(docker("system", "df", "-v"))
    assert len(ours) == 2 and ours == theirs


def test_system_prune_removes_dangling_images_and_cache(fresh_store: Store,
                                                        dfc_cmd: list[str],
                                                        tmp_path: Path) -> None:
    build_child(fresh_store, tmp_path, "child:1", "one")
    build_child(fresh_store, tmp_path, "child:1", "two")
    assert run(dfc_cmd, fresh_store, "system", "prune") == (
        "WARNING! This will remove:\n  - all stopped containers\n  - all dangling images\n"
        "  - unused build cache\n\n"
        "Are you sure you want to continue? [y/N] ")
    assert len(fresh_store.images()) == 3
    out = run(dfc_cmd, fresh_store, "system", "prune", "-f").splitlines()
    assert out[0] == "Deleted Images:" and out[1].startswith("deleted: sha256:")
    assert "Deleted build cache objects:" in out
    assert out[-1].startswith("Total reclaimed space: ")
    assert sorted(r.names for r in fresh_store.images()) == [
        ("docker.io/library/busybox:latest",), ("docker.io/library/child:1",)]
    out = run(dfc_cmd, fresh_store, "system", "prune", "-a", "--volumes", "-f")
    assert "untagged: child:1" in out and "untagged: busybox:latest" in out
    assert fresh_store.images() == []
    assert run(dfc_cmd, fresh_store, "system", "prune", "-a", stdin=b"n\n") == (
        "WARNING! This will remove:\n"
        "  - all stopped containers\n"
        "  - all images without at least one container associated to them\n"
        "  - all build cache\n\n"
        "Are you sure you want to continue? [y/N] ")


def test_images_all_lists_what_images_lists(fresh_store: Store, dfc_cmd: list[str],
                                            tmp_path: Path) -> None:
    """Builds make no intermediate images (as BuildKit's): dangling images show either way."""
    build_child(fresh_store, tmp_path, "child:1", "one")
    build_child(fresh_store, tmp_path, "child:1", "two")
    template = "{{.Repository}}:{{.Tag}} {{.ID}}"
    listed = run(dfc_cmd, fresh_store, "images", "--format", template)
    assert "<none>:<none>" in listed and len(listed.splitlines()) == 3
    assert run(dfc_cmd, fresh_store, "images", "-a", "--format", template) == listed
