"""The store as a user sees it: an OCI layout that is atomic, taggable and checkable."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dfc.cache.oci import MEDIA_CONFIG, MEDIA_LAYER, MEDIA_MANIFEST, Descriptor, Manifest
from dfc.cache.store import DigestMismatch, ImageNotFound, Store, default_root
from dfc.errors import DfcError


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_image(store: Store, seed: str) -> tuple[Descriptor, str]:
    """A tiny (not runnable) image: one raw layer, a config, a manifest."""
    layer = seed.encode()
    config = json.dumps({"architecture": "amd64", "os": "linux", "seed": seed,
                         "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}).encode()
    manifest = Manifest(
        config=Descriptor(media_type=MEDIA_CONFIG, digest=store.put_bytes(config),
                          size=len(config)),
        layers=(Descriptor(media_type=MEDIA_LAYER, digest=store.put_bytes(layer),
                           size=len(layer)),),
    )
    return store.put_json(manifest, MEDIA_MANIFEST), sha(config)


def test_new_store_is_an_oci_layout(tmp_path: Path) -> None:
    Store(tmp_path)
    assert json.loads((tmp_path / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    assert json.loads((tmp_path / "index.json").read_text()) == {
        "manifests": [], "mediaType": "application/vnd.oci.image.index.v1+json",
        "schemaVersion": 2}
    assert {p.name for p in tmp_path.iterdir()} >= {"blobs", "ingest", "keys"}


def test_default_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DFC_ROOT", str(tmp_path))
    assert default_root() == tmp_path
    monkeypatch.delenv("DFC_ROOT")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert default_root() == Path("/var/lib/dfc")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_root() == tmp_path / "xdg" / "dfc"


def test_blobs_are_named_by_their_hash(tmp_path: Path) -> None:
    store = Store(tmp_path)
    digest = store.put_bytes(b"hello")
    assert digest == sha(b"hello")
    assert store.blob_path(digest).read_bytes() == b"hello"
    assert store.blob_path(digest).stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "index.json").stat().st_mode & 0o777 == 0o644
    assert store.has_blob(digest)
    with store.open_blob(digest) as f:
        assert f.read() == b"hello"
    assert store.put_bytes(b"hello") == digest
    assert os.listdir(tmp_path / "ingest") == []


def test_streaming_writer_verifies_expected_digest(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.writer(expected=sha(b"abcdef")) as w:
        w.write(b"abc")
        w.write(memoryview(b"def"))
    assert (w.digest, w.size) == (sha(b"abcdef"), 6)
    with pytest.raises(DigestMismatch):
        store.put_bytes(b"other", expected=sha(b"abcdef")[:-1] + "0")
    assert os.listdir(tmp_path / "ingest") == []
    assert not store.has_blob(sha(b"other"))


def test_a_blob_larger_than_the_writeback_chunk_is_written_whole(tmp_path: Path) -> None:
    """The writer starts the kernel's writeback every WRITEBACK_CHUNK; the blob is intact."""
    store = Store(tmp_path)
    piece = os.urandom(3 << 20)
    data = piece * 7  # 21 MiB: two writeback starts, then a partial chunk at commit
    with store.writer(expected=sha(data)) as w:
        for _ in range(7):
            w.write(piece)
    assert store.blob_path(w.digest or "").read_bytes() == data


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(RuntimeError):
        with store.writer() as w:
            w.write(b"partial")
            raise RuntimeError("boom")
    assert os.listdir(tmp_path / "ingest") == []
    assert os.listdir(tmp_path / "blobs" / "sha256") == []


def test_killed_write_leaves_no_partial_blob(tmp_path: Path) -> None:
    """SIGKILL in the middle of a large write: the debris stays in ingest/, blobs/ is clean."""
    script = (
        "import os, signal, sys\n"
        "from dfc.cache.store import Store\n"
        "w = Store(sys.argv[1]).writer()\n"
        "w.write(b'x' * (1 << 20))\n"
        "w._file.flush()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)])
    assert proc.returncode == -signal.SIGKILL
    assert os.listdir(tmp_path / "blobs" / "sha256") == []
    debris = list((tmp_path / "ingest").iterdir())
    assert len(debris) == 1 and debris[0].stat().st_size == 1 << 20
    assert Store(tmp_path).check().ok


def test_read_json_and_invalid_digests(tmp_path: Path) -> None:
    store = Store(tmp_path)
    manifest, _ = make_image(store, "a")
    assert store.read_json(manifest.digest, Manifest).layers[0].size == 1
    for bad in ("sha256:../../etc/passwd", "md5:00", "sha256:" + "A" * 64):
        with pytest.raises(DfcError):
            store.blob_path(bad)
    with pytest.raises(DfcError, match="not in the store"):
        store.open_blob(sha(b"absent"))


def test_keys_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.get_key("sha256:ab") is None
    store.put_key("sha256:ab", b"result")
    assert store.get_key("sha256:ab") == b"result"
    for bad in ("../x", ".hidden", "a/b", ""):
        with pytest.raises(DfcError):
            store.put_key(bad, b"")


def test_tag_resolve_untag(tmp_path: Path) -> None:
    store = Store(tmp_path)
    one, one_id = make_image(store, "one")
    two, two_id = make_image(store, "two")
    assert store.tag("app", one) == "docker.io/library/app:latest"
    store.tag("app:1", one)
    index = json.loads((tmp_path / "index.json").read_text())
    assert [m["annotations"] for m in index["manifests"]] == [
        {"io.containerd.image.name": "docker.io/library/app:latest",
         "org.opencontainers.image.ref.name": "docker.io/library/app:latest"},
        {"io.containerd.image.name": "docker.io/library/app:1",
         "org.opencontainers.image.ref.name": "docker.io/library/app:1"},
    ]
    assert store.resolve("app").manifest.digest == one.digest
    assert store.resolve("docker.io/library/app:1").config == one_id
    assert store.resolve(one.digest).config == one_id
    assert store.resolve(one_id).manifest.digest == one.digest
    assert store.resolve(one_id.removeprefix("sha256:")[:12]).config == one_id
    assert store.resolve("app@" + one.digest).config == one_id

    store.tag("app", two)  # move the tag: "one" keeps its other name
    assert store.resolve("app").config == two_id
    assert {r.config: r.names for r in store.images()} == {
        one_id: ("docker.io/library/app:1",), two_id: ("docker.io/library/app:latest",)}

    store.tag("app:1", two)  # "one" loses its last name: it stays, dangling
    assert {r.config: r.names for r in store.images()} == {
        one_id: (), two_id: ("docker.io/library/app:1", "docker.io/library/app:latest")}
    store.tag("back", one)  # naming a dangling image replaces its untagged entry
    assert len(store.index().manifests) == 3

    assert store.untag("back").digest == one.digest
    assert {r.config for r in store.images()} == {two_id}
    with pytest.raises(ImageNotFound):
        store.resolve("back")
    with pytest.raises(ImageNotFound):
        store.untag("back")


def test_add_untagged_and_remove(tmp_path: Path) -> None:
    store = Store(tmp_path)
    one, one_id = make_image(store, "one")
    store.add(one)
    store.add(one)
    assert [(r.names, r.config) for r in store.images()] == [((), one_id)]
    store.remove(one.digest)
    assert store.images() == []


def test_ambiguous_id_prefix(tmp_path: Path) -> None:
    store = Store(tmp_path)
    ids = []
    for seed in map(str, range(40)):
        manifest, config = make_image(store, seed)
        store.add(manifest)
        ids.append(config.removeprefix("sha256:"))
    shared = next(a[0] for a in ids if sum(b[0] == a[0] for b in ids) > 1)
    with pytest.raises(ImageNotFound, match="ambiguous"):
        store.resolve(shared)


def test_check_finds_corrupt_and_missing_blobs(tmp_path: Path) -> None:
    store = Store(tmp_path)
    manifest, config = make_image(store, "one")
    store.tag("app", manifest)
    assert store.check().ok
    layer = store.read_json(manifest.digest, Manifest).layers[0].digest
    store.blob_path(layer).write_bytes(b"flipped")
    store.blob_path(config).unlink()
    report = store.check()
    assert report.corrupt == (layer,)
    assert report.missing == (config,)
    assert report.checked == 2
    assert not report.ok


@pytest.mark.interop
def test_skopeo_and_umoci_read_the_store(tmp_path: Path) -> None:
    """Real OCI tools find a tagged image by its full name (here a minimal one)."""
    store = Store(tmp_path)
    manifest, config = make_image(store, "one")
    store.tag("app:1", manifest)
    out = subprocess.run(
        ["skopeo", "inspect", "--raw", f"oci:{tmp_path}:docker.io/library/app:1"],
        check=True, capture_output=True).stdout
    assert sha(out) == manifest.digest
    stat = subprocess.run(["umoci", "stat", "--json", "--image",
                           f"{tmp_path}:docker.io/library/app:1"],
                          capture_output=True, text=True)
    assert stat.returncode == 0, stat.stderr


def test_resolving_a_name_reads_only_its_manifest(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path)
    for seed in map(str, range(10)):
        manifest, _ = make_image(store, seed)
        store.tag(f"img{seed}", manifest)
    read: list[str] = []
    real_read = Store.read_json
    monkeypatch.setattr(Store, "read_json",
                        lambda self, digest, type: read.append(digest) or real_read(self, digest,
                                                                                   type))
    found = store.resolve("img7")
    assert read == [found.manifest.digest] and found.config is not None
