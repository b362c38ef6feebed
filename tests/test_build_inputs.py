"""Build contexts as `docker build` takes them: a folder, stdin, a git URL, a tar URL."""

from __future__ import annotations

import http.server
import io
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build, read_image
from dfc.cache.store import Store

DOCKERFILE = "FROM busybox\nCOPY hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n"


def files_of(store: Store, name: str) -> tuple[str, ...]:
    return tuple(h.created_by or "" for h in read_image(store, name).history)


def make_context(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "hello.txt").write_text("hello\n")
    return root


def tar_bytes(root: Path, mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        tar.add(root, arcname=".")
    return buffer.getvalue()


def test_dockerfile_on_stdin_with_no_context(fresh_store: Store) -> None:
    text = b"FROM busybox\nRUN echo made > /made\n"
    result = build(BuildRequest(context="-", tags=("stdin",)), fresh_store, lambda e: None,
                   stdin=io.BytesIO(text))
    assert result.tags == ("docker.io/library/stdin:latest",)
    assert files_of(fresh_store, "stdin")[-1] == "RUN /bin/sh -c echo made > /made # buildkit"


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_context_on_stdin(fresh_store: Store, tmp_path: Path, mode: str) -> None:
    data = tar_bytes(make_context(tmp_path / "ctx"), mode)
    build(BuildRequest(context="-", tags=("tarred",)), fresh_store, lambda e: None,
          stdin=io.BytesIO(data))
    assert "COPY hello.txt /hello.txt # buildkit" in files_of(fresh_store, "tarred")
    # An unpacked context is gone after the build: no stat cache is kept for it.
    assert not list((fresh_store.root / "statcache").glob("*"))


def test_a_folder_context_keeps_one_stat_cache(fresh_store: Store, tmp_path: Path) -> None:
    context = make_context(tmp_path / "ctx")
    for _ in range(2):
        build(BuildRequest(context=str(context), tags=("kept",)), fresh_store, lambda e: None)
    assert len(list((fresh_store.root / "statcache").iterdir())) == 1


def test_dockerfile_outside_the_context_and_its_own_ignore_file(fresh_store: Store,
                                                                tmp_path: Path) -> None:
    context = make_context(tmp_path / "ctx")
    (context / "Dockerfile").unlink()
    elsewhere = tmp_path / "build" / "app.Dockerfile"
    elsewhere.parent.mkdir()
    elsewhere.write_text("FROM busybox\nCOPY . /ctx/\n")
    (tmp_path / "build" / "app.Dockerfile.dockerignore").write_text("hello.txt\n")
    (context / ".dockerignore").write_text("nothing-matches\n")
    (context / "other.txt").write_text("x\n")
    build(BuildRequest(context=str(context), dockerfile=str(elsewhere), tags=("out",)),
          fresh_store, lambda e: None)
    from dfc.runtime.fs.rootview import RootView
    from dfc.runtime.fs.snapshots import snapshot_dirs

    record = fresh_store.resolve("out")
    manifest = fresh_store.read_json(record.manifest.digest, __import__(
        "dfc.runtime.images.config", fromlist=["Manifest"]).Manifest)
    config = read_image(fresh_store, "out")
    view = RootView(list(reversed(snapshot_dirs(fresh_store, manifest.layers,
                                                config.rootfs.diff_ids))))
    assert view.locate("ctx/other.txt") is not None
    assert view.locate("ctx/hello.txt") is None  # the Dockerfile's own ignore file won


def test_git_repository_context_with_ref_and_subdir(fresh_store: Store, tmp_path: Path) -> None:
    work = tmp_path / "work"
    make_context(work / "sub")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(work)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    subprocess.run([*git, "tag", "v1"], check=True)
    (work / "sub" / "hello.txt").write_text("changed after v1\n")
    subprocess.run([*git, "commit", "-q", "-am", "two"], check=True)
    bare = tmp_path / "repo.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], check=True)
    build(BuildRequest(context=f"file://{bare}#v1:sub", tags=("fromgit",)), fresh_store,
          lambda e: None)
    assert "COPY hello.txt /hello.txt # buildkit" in files_of(fresh_store, "fromgit")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving a folder, for URL contexts."""
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "ctx.tar.gz").write_bytes(tar_bytes(make_context(tmp_path / "ctx")))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_tar_archive_url_context(fresh_store: Store, served: str) -> None:
    build(BuildRequest(context=f"{served}/ctx.tar.gz", tags=("fromurl",)), fresh_store,
          lambda e: None)
    assert "COPY hello.txt /hello.txt # buildkit" in files_of(fresh_store, "fromurl")
    assert not list((fresh_store.root / "statcache").glob("*"))


def test_add_of_a_url_is_mode_0600_named_after_the_path(fresh_store: Store, served: str,
                                                        tmp_path: Path) -> None:
    context = tmp_path / "addctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f"FROM busybox\nADD {served}/ctx.tar.gz /dl/\n"
        'RUN test "$(stat -c %a /dl/ctx.tar.gz)" = 600 && test ! -e /dl/hello.txt\n')
    build(BuildRequest(context=str(context), tags=("added",)), fresh_store, lambda e: None)
    assert files_of(fresh_store, "added")[-2].startswith(f"ADD {served}/ctx.tar.gz /dl/")


def test_dockerfile_from_stdin_with_a_folder_context(fresh_store: Store, tmp_path: Path) -> None:
    context = make_context(tmp_path / "ctx")
    (context / "Dockerfile").write_text("FROM busybox\nRUN false\n")  # not the one used
    text = b"FROM busybox\nCOPY hello.txt /from-stdin.txt\n"
    build(BuildRequest(context=str(context), dockerfile="-", tags=("dash",)), fresh_store,
          lambda e: None, stdin=io.BytesIO(text))
    assert files_of(fresh_store, "dash")[-1] == "COPY hello.txt /from-stdin.txt # buildkit"
    from dfc.errors import DfcError

    with pytest.raises(DfcError, match="can't use stdin for both"):
        build(BuildRequest(context="-", dockerfile="-"), fresh_store, lambda e: None,
              stdin=io.BytesIO(text))
