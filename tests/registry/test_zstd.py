"""zstd layers (`application/vnd.oci.image.layer.v1.tar+zstd`): images whose layers skopeo
recompressed with zstd are pulled, built FROM, copied from, loaded and pushed again."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest

from dfc.cache.oci import MEDIA_LAYER_ZSTD, Manifest
from dfc.cache.store import Store

ACCEPT = "application/vnd.oci.image.manifest.v1+json"


def _manifest(host: str, repo: str, tag: str) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}",
                                     headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _skopeo(*args: str) -> None:
    done = subprocess.run(["skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                           "--dest-tls-verify=false", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def zstd_image(registry, image_store: Store, run_dfc, docker_config, tmp_path: Path) -> str:
    """app:1 in the registry, copied by skopeo with every layer recompressed as zstd
    (through an OCI layout: straight to the registry, skopeo reuses the gzip blobs it
    finds there)."""
    plain = f"{registry.host}/zstd/source:1"
    image_store.tag(plain, image_store.resolve("app:1").manifest)
    assert run_dfc("push", plain, "--root", str(image_store.root)).returncode == 0
    name = f"{registry.host}/zstd/app:1"
    layout = tmp_path / "zstd-layout"
    _skopeo("--format", "oci", "--dest-compress-format", "zstd", f"docker://{plain}",
            f"oci:{layout}:z")
    _skopeo(f"oci:{layout}:z", f"docker://{name}")
    layers = _manifest(registry.host, "zstd/app", "1")["layers"]
    assert {layer["mediaType"] for layer in layers} == {MEDIA_LAYER_ZSTD}
    return name


def test_pull_a_zstd_image_and_copy_from_it(zstd_image: str, empty_store: Store, run_dfc,
                                          tmp_path: Path) -> None:
    pulled = run_dfc("pull", zstd_image, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert empty_store.check().ok
    manifest = empty_store.read_json(empty_store.resolve(zstd_image).manifest.digest, Manifest)
    assert {layer.media_type for layer in manifest.layers} == {MEDIA_LAYER_ZSTD}

    (tmp_path / "Dockerfile").write_text(
        f"FROM scratch\nCOPY --from={zstd_image} /app/two /from-image\n")
    out = tmp_path / "out"
    built = run_dfc("build", "--root", str(empty_store.root), "-o", f"type=local,dest={out}",
                    str(tmp_path))
    assert built.returncode == 0, built.stderr
    assert (out / "from-image").read_bytes() == b"two\n"


def test_a_zstd_image_runs_its_layers_in_a_build(zstd_image: str, empty_store: Store,
                                                 run_dfc, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {zstd_image}\nRUN cat /app/two > /copy\n")
    out = tmp_path / "out"
    built = run_dfc("build", "--root", str(empty_store.root), "-o", f"type=local,dest={out}",
                    str(tmp_path))
    assert built.returncode == 0, built.stderr
    assert (out / "copy").read_bytes() == b"two\n"
    assert len((out / "app" / "one").read_bytes()) == 300_000


def test_load_an_oci_archive_with_zstd_layers(zstd_image: str, empty_store: Store, run_dfc,
                                              tmp_path: Path) -> None:
    archive = tmp_path / "z.tar"
    _skopeo(f"docker://{zstd_image}", f"oci-archive:{archive}:z:1")
    loaded = run_dfc("load", "-i", str(archive), "--root", str(empty_store.root))
    assert loaded.returncode == 0, loaded.stderr
    assert empty_store.check().ok
    out = tmp_path / "out"
    (tmp_path / "Dockerfile").write_text("FROM z:1\n")
    built = run_dfc("build", "--root", str(empty_store.root), "-o", f"type=local,dest={out}",
                    str(tmp_path))
    assert built.returncode == 0, built.stderr
    assert (out / "app" / "two").read_bytes() == b"two\n"


def test_a_pulled_zstd_image_pushes_as_it_is(zstd_image: str, registry, empty_store: Store,
                                             run_dfc) -> None:
    assert run_dfc("pull", zstd_image, "--root", str(empty_store.root)).returncode == 0
    again = f"{registry.host}/zstd/again:1"
    empty_store.tag(again, empty_store.resolve(zstd_image).manifest)
    pushed = run_dfc("push", again, "--root", str(empty_store.root))
    assert pushed.returncode == 0, pushed.stderr
    assert _manifest(registry.host, "zstd/again", "1") == _manifest(registry.host, "zstd/app",
                                                                    "1")


# --- writing zstd on request ------------------------------------------------------------


def _layout_manifest(archive: Path) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """(manifest, index.json) of the one image in an OCI archive."""
    import tarfile

    with tarfile.open(archive) as tar:
        def blob(digest: str) -> bytes:
            member = tar.extractfile("blobs/sha256/" + digest.removeprefix("sha256:"))
            assert member is not None
            return member.read()

        index_file = tar.extractfile("index.json")
        assert index_file is not None
        index = json.loads(index_file.read())
        return json.loads(blob(index["manifests"][0]["digest"])), index


def _context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY data /data\n")
    (ctx / "data").write_bytes(b"zstd please\n" * 1000)
    return ctx


def test_oci_output_compresses_the_build_layers_with_zstd(
        image_store: Store, empty_store: Store, run_dfc, tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    root = ["--root", str(image_store.root)]
    gzip_out, zstd_out, forced = (tmp_path / n for n in ("gz.tar", "z.tar", "forced.tar"))
    for out, extra in ((gzip_out, ""), (zstd_out, ",compression=zstd,compression-level=12"),
                       (forced, ",compression=zstd,force-compression=true")):
        built = run_dfc("build", *root, "-q", "-o", f"type=oci,dest={out}{extra}",
                        "-t", "zout:1", str(ctx))
        assert built.returncode == 0, built.stderr
    image_id = built.stdout.strip()
    base_layers = len(image_store.read_json(image_store.resolve("busybox").manifest.digest,
                                            Manifest).layers)
    plain, _ = _layout_manifest(gzip_out)
    zstd, _ = _layout_manifest(zstd_out)
    every, _ = _layout_manifest(forced)
    gz, zs = "application/vnd.oci.image.layer.v1.tar+gzip", MEDIA_LAYER_ZSTD
    assert [x["mediaType"] for x in plain["layers"]] == [gz] * (base_layers + 1)
    assert [x["mediaType"] for x in zstd["layers"]] == [gz] * base_layers + [zs]
    assert [x["mediaType"] for x in every["layers"]] == [zs] * (base_layers + 1)
    assert plain["config"]["digest"] == zstd["config"]["digest"] == every["config"]["digest"] \
        == image_id
    assert zstd["layers"][:base_layers] == plain["layers"][:base_layers]

    loaded = run_dfc("load", "-i", str(forced), "--root", str(empty_store.root))
    assert loaded.returncode == 0, loaded.stderr
    assert empty_store.check().ok
    out = tmp_path / "rootfs"
    (tmp_path / "Dockerfile.check").write_text("FROM zout:1\n")
    again = run_dfc("build", "--root", str(empty_store.root), "-f",
                    str(tmp_path / "Dockerfile.check"), "-o", f"type=local,dest={out}",
                    str(ctx))
    assert again.returncode == 0, again.stderr
    assert (out / "data").read_bytes() == b"zstd please\n" * 1000


def test_registry_output_pushes_zstd_layers(registry, image_store: Store, empty_store: Store,
                                            run_dfc, docker_config, tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    name = f"{registry.host}/zstd/built:1"
    built = run_dfc("build", "--root", str(image_store.root), "-o",
                    f"type=registry,name={name},compression=zstd,compression-level=19,"
                    "force-compression=true", str(ctx))
    assert built.returncode == 0, built.stderr
    manifest = _manifest(registry.host, "zstd/built", "1")
    assert {x["mediaType"] for x in manifest["layers"]} == {MEDIA_LAYER_ZSTD}
    assert manifest["mediaType"] == ACCEPT
    # another tool reads it back, verifying every digest on the way
    _skopeo(f"docker://{name}", f"oci:{tmp_path / 'copy'}:x")

    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert empty_store.resolve(name).config == image_store.resolve(name).config
    out = tmp_path / "rootfs"
    (tmp_path / "Dockerfile.check").write_text(f"FROM {name}\n")
    again = run_dfc("build", "--root", str(empty_store.root), "-f",
                    str(tmp_path / "Dockerfile.check"), "-o", f"type=local,dest={out}",
                    str(ctx))
    assert again.returncode == 0, again.stderr
    assert (out / "data").read_bytes() == b"zstd please\n" * 1000


def test_bad_compression_options_are_one_line(image_store: Store, run_dfc,
                                              tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    for option, message in (
            ("compression=brotli", "compression must be one of gzip, zstd, uncompressed"),
            ("compression=zstd,compression-level=30", "compression-level for zstd must be "
                                                      "1-22"),
            ("compression=zstd,force-compression=yes", "force-compression must be true or "
                                                       "false")):
        done = run_dfc("build", "--root", str(image_store.root), "-o",
                       f"type=oci,dest={tmp_path / 'x.tar'},{option}", str(ctx))
        assert done.returncode != 0
        assert message in done.stderr and "Traceback" not in done.stderr
    nameless = run_dfc("build", "--root", str(image_store.root), "-o", "type=registry",
                       str(ctx))
    assert nameless.returncode != 0 and "needs a name to push" in nameless.stderr
