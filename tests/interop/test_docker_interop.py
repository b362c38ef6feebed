"""dfc and the real Docker engine exchange images both ways, and agree on sizes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from dfc.build import BuildRequest, build
from dfc.cache.store import Store


def dfc(dfc_cmd: list[str], store: Store, *args: str, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run([*dfc_cmd, *args], input=stdin, capture_output=True,
                          env={**os.environ, "DFC_ROOT": str(store.root)})
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout


def test_docker_runs_what_dfc_saves(fresh_store: Store, tmp_path: Path, dfc_cmd: list[str],
                                    docker: Any) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo from-dfc > /msg\n"
                                    "CMD [\"cat\", \"/msg\"]\n")
    name = docker.name("saved") + ":1"
    build(BuildRequest(context=str(ctx), tags=(name,)), fresh_store, lambda e: None)
    archive = dfc(dfc_cmd, fresh_store, "save", name)
    assert docker("load", input=archive) == f"Loaded image: {name}\n"
    assert docker("run", "--rm", name) == "from-dfc\n"
    assert docker("run", "--rm", name, "sh", "-c", "echo $((6*7))") == "42\n"
    ours = dfc(dfc_cmd, fresh_store, "images", "--format", "{{.ID}} {{.Size}}", name)
    theirs = docker("images", "--format", "{{.ID}} {{.Size}}", name)
    assert ours.decode() == theirs


def test_dfc_builds_from_what_docker_saves(fresh_store: Store, tmp_path: Path,
                                           dfc_cmd: list[str], docker: Any) -> None:
    store = fresh_store
    source = docker.name("base") + ":1"
    dfc(dfc_cmd, store, "tag", "busybox", source)
    docker("load", input=dfc(dfc_cmd, store, "save", source))
    docker_id = docker("images", "-q", "--no-trunc", source).strip()
    archive = subprocess.run(["/usr/bin/docker", "save", source], check=True,
                             capture_output=True).stdout
    fresh = Store(tmp_path / "store")
    assert dfc(dfc_cmd, fresh, "load", stdin=archive).decode() == f"Loaded image: {source}\n"
    assert fresh.resolve(source).config == docker_id  # the config bytes came over as they were
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {source}\nRUN echo on-top > /top\n")
    result = build(BuildRequest(context=str(ctx), tags=("top:1",)), fresh, lambda e: None)
    assert result.image_id.startswith("sha256:")
    assert fresh.check().ok


def test_dfc_imports_like_docker_imports(fresh_store: Store, tmp_path: Path,
                                         dfc_cmd: list[str], docker: Any) -> None:
    """Same rootfs and --change lines: docker and dfc give the same config fields."""
    store = fresh_store
    rootfs = tmp_path / "rootfs.tar"
    rootfs.write_bytes(dfc(dfc_cmd, store, "build", "-q", "-o", "type=tar,dest=-",
                           str(_context(tmp_path))))
    changes = ["-c", "ENV A=1", "-c", 'CMD ["/bin/sh", "-c", "echo $A"]', "-c", "WORKDIR /w"]
    name = docker.name("imported") + ":1"
    docker("import", *changes, str(rootfs), name)
    assert docker("run", "--rm", name) == "1\n"
    fresh = Store(tmp_path / "store")
    dfc(dfc_cmd, fresh, "import", *changes, str(rootfs), "imp:1")
    fields = "{{json .Config.Env}} {{json .Config.Cmd}} {{.Config.WorkingDir}} {{.Size}}"
    ours = dfc(dfc_cmd, fresh, "inspect", "--format", fields, "imp:1").decode()
    assert ours == docker("inspect", "--format", fields, name)


def _context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo x > /x\n")
    return ctx
