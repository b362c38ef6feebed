"""`--output` exports: the spec forms, and what skopeo, umoci and tar read back."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.images.compression import LayerCompression
from dfc.runtime.images.export import OutputSpec, parse_output


@pytest.mark.parametrize(("text", "spec"), [
    ("type=oci,dest=out.tar", OutputSpec("oci", "out.tar")),
    ("type=docker, dest=img.tar", OutputSpec("docker", "img.tar")),
    ("type=local,dest=dir", OutputSpec("local", "dir")),
    ("type=tar,dest=-", OutputSpec("tar", "-")),
    ("out", OutputSpec("local", "out")),
    ("-", OutputSpec("tar", "-")),
    ("type=oci,dest=o.tar,compression=zstd,compression-level=9,force-compression=true",
     OutputSpec("oci", "o.tar", compression=LayerCompression("zstd", 9, True))),
    ('type=image,"name=a:1,b:2"', OutputSpec("image", names=("a:1", "b:2"))),
    ("type=registry,name=r/a,compression=zstd", OutputSpec(
        "registry", names=("r/a",), push=True, compression=LayerCompression("zstd"))),
])
def test_output_forms(text: str, spec: OutputSpec) -> None:
    assert parse_output(text) == spec


@pytest.mark.parametrize(("text", "message"), [
    ("type=zip,dest=x", "type must be one of oci, docker, local, tar, image, registry"),
    ("type=oci", "dest is required"),
    ("type=local,dest=x,compression=zstd", "unknown key 'compression'"),
    ("type=oci,dest=x,compression=lz4", "compression must be one of gzip, zstd"),
    ("type=oci,dest=x,compression=gzip,compression-level=10", "gzip must be 0-9"),
    ("type=image,push=maybe", "push must be true or false"),
    ("type=oci,dest", "--output: invalid value 'dest'"),
])
def test_bad_outputs(text: str, message: str) -> None:
    with pytest.raises(DfcError, match=message):
        parse_output(text)


@pytest.fixture
def built(fresh_store: Store, tmp_path: Path) -> tuple[Store, Path, str]:
    """Builds FROM busybox with every export at once; returns the store, the output
    folder and the image ID."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo exported > /out.txt\n"
                                    "CMD [\"cat\", \"/out.txt\"]\n")
    out = tmp_path / "out"
    outputs = (OutputSpec("oci", str(out / "layout")), OutputSpec("oci", str(out / "oci.tar")),
               OutputSpec("docker", str(out / "docker.tar")),
               OutputSpec("local", str(out / "rootfs")), OutputSpec("tar", str(out / "fs.tar")))
    result = build(BuildRequest(context=str(ctx), tags=("exp:1",), outputs=outputs),
                   fresh_store, lambda e: None)
    return fresh_store, out, result.image_id


def skopeo(*args: str) -> dict[str, object]:
    out = subprocess.run(["skopeo", "inspect", *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


@pytest.mark.interop
def test_oci_exports_are_read_by_skopeo(built: tuple[Store, Path, str]) -> None:
    store, out, image_id = built
    digest = store.resolve("exp:1").manifest.digest
    assert skopeo(f"oci:{out / 'layout'}:1")["Digest"] == digest
    assert skopeo(f"oci-archive:{out / 'oci.tar'}:1")["Digest"] == digest
    assert skopeo(f"oci-archive:{out / 'docker.tar'}:1")["Digest"] == digest
    config = subprocess.run(["skopeo", "inspect", "--config", "--raw",
                             f"oci:{out / 'layout'}:1"], check=True, capture_output=True).stdout
    assert json.loads(config)["config"]["Cmd"] == ["cat", "/out.txt"]
    with tarfile.open(out / "oci.tar") as tar:
        assert "manifest.json" not in tar.getnames()
    with tarfile.open(out / "docker.tar") as tar:
        [entry] = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert entry["RepoTags"] == ["exp:1"]
    assert entry["Config"] == "blobs/sha256/" + image_id[7:]


@pytest.mark.interop
def test_umoci_unpacks_the_oci_layout(built: tuple[Store, Path, str], tmp_path: Path) -> None:
    _, out, _ = built
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{out / 'layout'}:1", str(bundle)],
                   check=True, capture_output=True)
    assert (bundle / "rootfs" / "out.txt").read_text() == "exported\n"
    ran = subprocess.run(["chroot", str(bundle / "rootfs"), "cat", "/out.txt"], check=True,
                         capture_output=True, text=True).stdout
    assert ran == "exported\n"


def test_local_and_tar_exports_hold_the_root_filesystem(built: tuple[Store, Path, str]
                                                        ) -> None:
    _, out, _ = built
    assert (out / "rootfs" / "out.txt").read_text() == "exported\n"
    assert (out / "rootfs" / "bin" / "sh").readlink() == Path("busybox")
    with tarfile.open(out / "fs.tar") as tar:
        names = tar.getnames()
        assert tar.extractfile("out.txt").read() == b"exported\n"  # type: ignore[union-attr]
        assert {m.uname for m in tar.getmembers()} == {""}
    assert "bin/busybox" in names and not any(n.startswith(("./", "/")) for n in names)
    assert not any(p.name.startswith(".") for p in out.iterdir())


@pytest.mark.slow
def test_cli_output_short_form(fresh_store: Store, tmp_path: Path, dfc_cmd: list[str]) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo short > /s\n")
    subprocess.run([*dfc_cmd, "build", "-q", "--root", str(fresh_store.root), "-o",
                    str(tmp_path / "dir"), str(ctx)], check=True, capture_output=True)
    assert (tmp_path / "dir" / "s").read_text() == "short\n"
    tar_bytes = subprocess.run([*dfc_cmd, "build", "--progress", "plain", "--root",
                                str(fresh_store.root), "-o", "-", str(ctx)], check=True,
                               capture_output=True).stdout
    assert tar_bytes[257:262] == b"ustar"
