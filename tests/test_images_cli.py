"""What a user sees from `dfc images|history|inspect|tag|rmi|image prune|system|import|
save|load`: exact columns, filters, templates, and rmi/prune on a store with shared layers."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.commands.formatting import human_size, since
from dfc.runtime.images.describe import all_images

# slow: each test runs the console script several times
pytestmark = pytest.mark.slow

BUSYBOX_CREATED = datetime.fromtimestamp(1_700_000_000, UTC)


def run(dfc_cmd: list[str], store: Store, *args: str, code: int = 0, stdin: bytes = b""
        ) -> str:
    proc = subprocess.run([*dfc_cmd, *args], input=stdin, capture_output=True,
                          env={**os.environ, "DFC_ROOT": str(store.root)})
    assert proc.returncode == code, proc.stderr.decode()
    return (proc.stdout if code == 0 else proc.stderr).decode()


def build_child(store: Store, tmp_path: Path, tag: str, text: str = "child") -> str:
    """An image FROM busybox with one more layer: it shares busybox's layer."""
    ctx = tmp_path / f"ctx-{tag.replace(':', '-')}-{text[:8]}"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo {text} > /hello\nLABEL kind={text}\nCMD [\"cat\", \"/hello\"]\n")
    return build(BuildRequest(context=str(ctx), tags=(tag,)), store, lambda e: None).image_id


def blob_count(store: Store) -> int:
    return len(list((store.root / "blobs" / "sha256").iterdir()))


def busybox_id(store: Store) -> str:
    record = store.resolve("busybox")
    assert record.config is not None
    return record.config


def test_images_table_has_dockers_columns(fresh_store: Store, dfc_cmd: list[str]) -> None:
    image_id = busybox_id(fresh_store)[7:19]
    size = human_size(all_images(fresh_store)[0].size, 3)
    out = run(dfc_cmd, fresh_store, "images")
    assert out == (
        "REPOSITORY   TAG       IMAGE ID       CREATED" + " " * (len(since(BUSYBOX_CREATED)) - 4)
        + "SIZE\n"
        f"busybox      latest    {image_id}   {since(BUSYBOX_CREATED)}   {size}\n")
    assert size.endswith("MB")


def test_images_quiet_digests_no_trunc_and_templates(fresh_store: Store,
                                                     dfc_cmd: list[str]) -> None:
    full = busybox_id(fresh_store)
    run(dfc_cmd, fresh_store, "tag", "busybox", "me/box:1")
    assert run(dfc_cmd, fresh_store, "images", "-q") == f"{full[7:19]}\n" * 2
    assert run(dfc_cmd, fresh_store, "images", "-q", "--no-trunc").split() == [full] * 2
    digest = fresh_store.resolve("busybox").manifest.digest
    lines = run(dfc_cmd, fresh_store, "images", "--digests").splitlines()
    assert lines[0].split() == ["REPOSITORY", "TAG", "DIGEST", "IMAGE", "ID", "CREATED", "SIZE"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["busybox", "latest", digest], ["me/box", "1", digest]]
    assert run(dfc_cmd, fresh_store, "images", "--format", "{{.Repository}}:{{.Tag}}") == \
        "busybox:latest\nme/box:1\n"
    assert run(dfc_cmd, fresh_store, "images", "--format",
               "table {{.Repository}}\\t{{.ID}}") == (
        f"REPOSITORY   IMAGE ID\nbusybox      {full[7:19]}\nme/box       {full[7:19]}\n")
    row = json.loads(run(dfc_cmd, fresh_store, "images", "--format", "{{json .}}", "me/box"))
    assert row["Repository"] == "me/box" and row["Tag"] == "1" and row["ID"] == full[7:19]
    assert row["CreatedAt"].endswith("UTC") and row["CreatedSince"].endswith(" ago")
    err = run(dfc_cmd, fresh_store, "images", "--format", "{{.Nope}}", code=1)
    assert err == ('template parsing error: template: :1:2: executing "" at <.Nope>: '
                   "can't evaluate field Nope in type *formatter.imageContext\n")


def test_images_filters(fresh_store: Store, dfc_cmd: list[str], tmp_path: Path) -> None:
    build_child(fresh_store, tmp_path, "child:1")
    build_child(fresh_store, tmp_path, "child:1", "other")  # leaves a dangling image

    def names(*args: str) -> list[str]:
        out = run(dfc_cmd, fresh_store, "images", "--format", "{{.Repository}}:{{.Tag}}",
                  *args)
        return out.splitlines()

    assert names() == ["child:1", "<none>:<none>", "busybox:latest"]
    assert names("-f", "dangling=true") == ["<none>:<none>"]
    assert names("-f", "dangling=false") == ["child:1", "busybox:latest"]
    assert names("-f", "label=kind=other") == ["child:1"]
    assert names("-f", "label=kind") == ["child:1", "<none>:<none>"]
    assert names("-f", "before=child:1") == ["<none>:<none>", "busybox:latest"]
    assert names("-f", "since=busybox") == ["child:1", "<none>:<none>"]
    assert names("-f", "reference=ch*") == ["child:1"]
    assert names("busybox:latest") == ["busybox:latest"]
    assert names("-f", "reference=*:1", "-f", "reference=busy*") == ["child:1",
                                                                     "busybox:latest"]
    assert run(dfc_cmd, fresh_store, "images", "-f", "color=red", code=1) == \
        "error: Invalid filter 'color'\n"
    assert run(dfc_cmd, fresh_store, "images", "-f", "dangling=maybe", code=1) == \
        "error: Invalid filter 'dangling=[maybe]'\n"


def test_history_rows(fresh_store: Store, dfc_cmd: list[str], tmp_path: Path) -> None:
    image_id = build_child(fresh_store, tmp_path, "child:1", "x" * 60)
    lines = run(dfc_cmd, fresh_store, "history", "child:1").splitlines()
    assert lines[0].startswith("IMAGE          CREATED ")
    assert [line[:15] for line in lines[1:]] == [image_id[7:19] + "   "] + ["<missing>      "] * 3
    start, end = lines[0].index("CREATED BY"), lines[0].index("SIZE")
    by = [line[start:end].rstrip() for line in lines[1:]]
    assert end - start == 45 + 3
    created_by = run(dfc_cmd, fresh_store, "history", "--no-trunc", "--format",
                     "{{.CreatedBy}}|{{.Size}}|{{.Comment}}", "child:1").splitlines()
    assert created_by[0] == 'CMD ["cat" "/hello"]|0B|buildkit.dockerfile.v0'
    assert created_by[2] == f"RUN /bin/sh -c echo {'x' * 60} > /hello # buildkit|61B|" \
                            "buildkit.dockerfile.v0"
    assert created_by[3].startswith("|") and "Imported from" in created_by[3]
    assert by[2] == f"RUN /bin/sh -c echo {'x' * 24}…"
    assert run(dfc_cmd, fresh_store, "history", "-q", "child:1").split() == [
        image_id[7:19], "<missing>", "<missing>", "<missing>"]


def test_inspect_is_a_docker_style_array(fresh_store: Store, dfc_cmd: list[str]) -> None:
    data = json.loads(run(dfc_cmd, fresh_store, "inspect", "busybox"))
    [image] = data
    assert image["Id"] == busybox_id(fresh_store)
    assert image["RepoTags"] == ["busybox:latest"]
    assert image["Created"] == "2023-11-14T22:13:20Z"
    assert image["Os"] == "linux" and image["RootFS"]["Type"] == "layers"
    assert image["Size"] == all_images(fresh_store)[0].size
    assert list(image["Config"])[:3] == ["Hostname", "Domainname", "User"]
    assert image["Comment"].startswith("Imported from")
    assert run(dfc_cmd, fresh_store, "inspect", "--format", "{{.Id}} {{.Os}}", "busybox") == \
        f"{image['Id']} linux\n"
    # `inspect` looks for containers too: docker then says "object", `image inspect` "image"
    assert run(dfc_cmd, fresh_store, "inspect", "nope", code=1) == \
        "error: No such object: nope\n"
    assert run(dfc_cmd, fresh_store, "image", "inspect", "nope", code=1) == \
        "error: No such image: nope\n"


def test_tag_refuses_what_docker_tag_refuses(fresh_store: Store, dfc_cmd: list[str]) -> None:
    """Messages as the docker CLI prints them for `docker tag busybox TARGET`."""
    err = run(dfc_cmd, fresh_store, "tag", "busybox", "REFS", code=1)
    assert err.strip().endswith('Error parsing reference: "REFS" is not a valid repository/tag: '
                                "invalid reference format: repository name (library/REFS) "
                                "must be lowercase")
    err = run(dfc_cmd, fresh_store, "tag", "busybox", "refs:1@sha256:" + "a" * 64, code=1)
    assert err.strip().endswith("refusing to create a tag with a digest reference")
    run(dfc_cmd, fresh_store, "tag", "busybox", "docker.io/library/refs/b:1")
    assert "library/refs/b:1" in run(dfc_cmd, fresh_store, "images", "--format",
                                     "{{.Repository}}:{{.Tag}}").split()


def test_rmi_untags_then_deletes_keeping_shared_layers(
        fresh_store: Store, dfc_cmd: list[str], tmp_path: Path) -> None:
    child_id = build_child(fresh_store, tmp_path, "child:1")
    run(dfc_cmd, fresh_store, "tag", "child:1", "child:2")
    assert run(dfc_cmd, fresh_store, "rmi", "child:2") == "Untagged: child:2\n"
    before = blob_count(fresh_store)
    out = run(dfc_cmd, fresh_store, "rmi", "child:1").splitlines()
    # The RUN layer stays: the build cache names it (`dfc builder prune` reclaims it).
    assert out == ["Untagged: child:1", f"Deleted: {child_id}"]
    assert blob_count(fresh_store) == before - 2  # manifest and config
    assert fresh_store.check().ok  # busybox's layer, shared, is still there
    assert run(dfc_cmd, fresh_store, "images", "-q") == busybox_id(fresh_store)[7:19] + "\n"
    run(dfc_cmd, fresh_store, "builder", "prune", "-f")
    assert blob_count(fresh_store) == before - 3


def test_rmi_by_id_refuses_several_repositories_unless_forced(
        fresh_store: Store, dfc_cmd: list[str]) -> None:
    run(dfc_cmd, fresh_store, "tag", "busybox", "other:1")
    short = busybox_id(fresh_store)[7:19]
    assert run(dfc_cmd, fresh_store, "rmi", short, code=1) == (
        f"error: conflict: unable to delete {short} (must be forced) - image is referenced "
        "in multiple repositories\n")
    out = run(dfc_cmd, fresh_store, "rmi", "-f", short, "nope", code=1)
    assert out == "error: No such image: nope\n"
    assert fresh_store.images() == []
    assert blob_count(fresh_store) == 0


def test_image_prune_dangling_then_all(fresh_store: Store, dfc_cmd: list[str],
                                       tmp_path: Path) -> None:
    build_child(fresh_store, tmp_path, "child:1", "one")
    build_child(fresh_store, tmp_path, "child:1", "two")
    orphan = fresh_store.put_bytes(b"left over")
    os.utime(fresh_store.blob_path(orphan), (0, 0))
    out = run(dfc_cmd, fresh_store, "image", "prune", "-f").splitlines()
    assert out[0] == "Deleted Images:" and out[1].startswith("deleted: sha256:")
    assert out[-1].startswith("Total reclaimed space: ") and out[-1].endswith("B")
    assert not fresh_store.has_blob(orphan)
    assert [len(i.record.names) for i in all_images(fresh_store)] == [1, 1]
    assert run(dfc_cmd, fresh_store, "image", "prune", "-f") == "Total reclaimed space: 0B\n"
    assert run(dfc_cmd, fresh_store, "image", "prune", stdin=b"n\n").startswith("WARNING!")
    out = run(dfc_cmd, fresh_store, "image", "prune", "-a", "-f")
    assert "untagged: child:1\n" in out and "untagged: busybox:latest\n" in out
    assert fresh_store.images() == [] and blob_count(fresh_store) == 2  # the build cache's
    run(dfc_cmd, fresh_store, "builder", "prune", "-f", "--all")
    assert blob_count(fresh_store) == 0


def test_system_df_counts_shared_layers_once(fresh_store: Store, dfc_cmd: list[str],
                                              tmp_path: Path) -> None:
    """Images as `images` sizes them (unpacked), busybox's layer once for both images."""
    build_child(fresh_store, tmp_path, "child:1")
    views = all_images(fresh_store)
    layers = {d: s for v in views for d, s in zip(v.config.rootfs.diff_ids, v.layer_sizes,
                                                    strict=True)}
    assert len(layers) == 2
    lines = run(dfc_cmd, fresh_store, "system", "df").splitlines()
    assert lines[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    size = human_size(sum(layers.values()))
    assert lines[1].split() == ["Images", "2", "0", size, size, "(100%)"]
    assert lines[2].split() == ["Containers", "0", "0", "0B", "0B"]
    cache_row = next(line for line in lines if line.startswith("Build Cache"))
    assert cache_row.split()[:4] == ["Build", "Cache", "1", "0"]  # the RUN's record


def test_system_check_finds_corrupt_blobs(fresh_store: Store, dfc_cmd: list[str]) -> None:
    assert run(dfc_cmd, fresh_store, "system", "check").startswith("ok: 3 blobs checked")
    config = busybox_id(fresh_store)
    path = fresh_store.blob_path(config)
    path.write_bytes(path.read_bytes() + b" ")
    out = subprocess.run([*dfc_cmd, "system", "check"], capture_output=True, text=True,
                         env={**os.environ, "DFC_ROOT": str(fresh_store.root)})
    assert out.returncode == 1
    assert out.stdout == f"corrupt: {config}\n"
    assert out.stderr == "error: store check failed: 1 corrupt, 0 missing of 3 blobs\n"


def test_import_with_changes_and_message(tmp_path: Path, dfc_cmd: list[str]) -> None:
    store = Store(tmp_path / "store")
    (tmp_path / "root" / "etc").mkdir(parents=True)
    (tmp_path / "root" / "etc" / "motd").write_text("hi\n")
    with tarfile.open(tmp_path / "root.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "root", arcname=".")
    out = run(dfc_cmd, store, "import", "-c", "ENV A=1", "-c", "ENV B=$A", "-c",
              'CMD ["cat", "/etc/motd"]', "-c", "EXPOSE 80", "-m", "hello",
              str(tmp_path / "root.tar.gz"), "imp:1")
    assert out == store.resolve("imp:1").config + "\n"
    [image] = json.loads(run(dfc_cmd, store, "inspect", "imp:1"))
    assert image["Config"]["Env"] == ["A=1", "B=1"]
    assert image["Config"]["Cmd"] == ["cat", "/etc/motd"]
    assert image["Config"]["ExposedPorts"] == {"80/tcp": {}}
    assert image["Comment"] == "hello"
    piped = run(dfc_cmd, store, "import", "-", stdin=(tmp_path / "root.tar.gz").read_bytes())
    assert piped.startswith("sha256:")
    assert run(dfc_cmd, store, "import", "-c", "RUN true", "-", code=1) == \
        "error: run is not a valid change command\n"
    # docker's list of commit/import changes has neither STOPSIGNAL nor SHELL
    assert run(dfc_cmd, store, "import", "-c", "STOPSIGNAL 9", "-", code=1) == \
        "error: stopsignal is not a valid change command\n"
    assert run(dfc_cmd, store, "import", str(tmp_path / "missing.tar"), code=1) == \
        f"error: open {tmp_path / 'missing.tar'}: no such file or directory\n"


def test_save_then_load_keeps_ids_and_names(fresh_store: Store, dfc_cmd: list[str],
                                            tmp_path: Path) -> None:
    child_id = build_child(fresh_store, tmp_path, "child:1")
    archive = tmp_path / "images.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), "child:1", "busybox")
    with tarfile.open(archive) as tar:
        members = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert {"oci-layout", "index.json", "manifest.json", "repositories"} <= members
    assert [m["RepoTags"] for m in manifest] == [["child:1"], ["busybox:latest"]]
    other = Store(tmp_path / "other")
    assert run(dfc_cmd, other, "load", "-i", str(archive)) == \
        "Loaded image: child:1\nLoaded image: busybox:latest\n"
    assert other.resolve("child:1").config == child_id
    assert other.check().ok
    zipped = tmp_path / "images.tar.gz"
    zipped.write_bytes(gzip.compress(archive.read_bytes()))
    third = Store(tmp_path / "third")
    assert run(dfc_cmd, third, "load", stdin=zipped.read_bytes()).count("Loaded image") == 2
    streamed = subprocess.run([*dfc_cmd, "save", "busybox"], capture_output=True, check=True,
                              env={**os.environ, "DFC_ROOT": str(fresh_store.root)}).stdout
    assert streamed[257:262] == b"ustar"


def test_save_by_id_has_no_name_and_loads_untagged(fresh_store: Store, dfc_cmd: list[str],
                                                   tmp_path: Path) -> None:
    archive = tmp_path / "byid.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), busybox_id(fresh_store)[7:19])
    other = Store(tmp_path / "other")
    assert run(dfc_cmd, other, "load", "-i", str(archive)) == \
        f"Loaded image ID: {busybox_id(fresh_store)}\n"
    assert [r.names for r in other.images()] == [()]


def corrupt_copy(archive: Path, out: Path, member: str) -> None:
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for m in src.getmembers():
            f = src.extractfile(m) if m.isfile() else None
            data = f.read() if f else b""
            if m.name == member:
                data = data[:-1] + bytes([data[-1] ^ 1])
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if f else None)


@pytest.mark.parametrize("broken", ["layer", "notar"])
def test_load_refuses_bad_archives_and_tags_nothing(
        fresh_store: Store, dfc_cmd: list[str], tmp_path: Path, broken: str) -> None:
    archive = tmp_path / "good.tar"
    run(dfc_cmd, fresh_store, "save", "-o", str(archive), "busybox")
    bad = tmp_path / "bad.tar"
    if broken == "layer":
        layer = fresh_store.read_json(fresh_store.resolve("busybox").manifest.digest,
                                      dict[str, Any])["layers"][0]["digest"]
        corrupt_copy(archive, bad, "blobs/sha256/" + layer[7:])
    else:
        bad.write_bytes(b"this is not a tar archive" * 40)
    other = Store(tmp_path / "other")
    err = run(dfc_cmd, other, "load", "-i", str(bad), code=1)
    assert err.startswith("error: ") and err.count("\n") == 1
    assert other.images() == []
    assert not list((other.root / "ingest").iterdir())
