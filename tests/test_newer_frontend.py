"""Features this machine's dockerd cannot build (its Dockerfile frontend predates them, and
`# syntax=` would need the network): heredocs, COPY --parents/--exclude/--link and
RUN --network, checked against the reference text (sections 1.9, 7.2, 11.17) instead of a
differential build."""

from __future__ import annotations

from pathlib import Path

from dfc.build import BuildRequest, build, read_image
from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.runtime.fs.snapshots import flatten


def rootfs(store: Store, context: Path, dockerfile: str, dest: Path) -> Path:
    """Build `dockerfile` in `context` with dfc and flatten the image into `dest`."""
    (context / "Dockerfile").write_text(dockerfile)
    build(BuildRequest(context=str(context), tags=("newer",)), store, lambda event: None)
    record = store.resolve("newer")
    manifest = store.read_json(record.manifest.digest, Manifest)
    flatten(store, manifest.layers, dest)
    return dest


def test_copy_heredocs_expand_unless_quoted(fresh_store: Store, tmp_path: Path) -> None:
    dockerfile = ("FROM busybox\nARG name=world\n"
                  "COPY <<EOF /expanded\nHello ${name} \\$x\nEOF\n"
                  "COPY <<'EOF' /verbatim\nHello ${name}\nEOF\n"
                  "COPY <<-EOF /stripped\n\t\ttabs go\n  spaces stay\nEOF\n")
    root = rootfs(fresh_store, tmp_path, dockerfile, tmp_path / "root")
    assert (root / "expanded").read_text() == "Hello world $x\n"
    assert (root / "verbatim").read_text() == "Hello ${name}\n"
    assert (root / "stripped").read_text() == "tabs go\n  spaces stay\n"


def test_run_heredoc_runs_its_body_unexpanded(fresh_store: Store, tmp_path: Path) -> None:
    dockerfile = ("FROM busybox\nENV who=shell\n"
                  "RUN <<EOF\necho \"$who\" > /out\necho second >> /out\nEOF\n")
    root = rootfs(fresh_store, tmp_path, dockerfile, tmp_path / "root")
    assert (root / "out").read_text() == "shell\nsecond\n"


def test_copy_parents_keeps_the_part_after_dot(fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c.txt").write_text("c")
    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "x" / "y" / "z.txt").write_text("z")
    dockerfile = "FROM busybox\nCOPY --parents a/./b/c.txt x/y/z.txt /dst/\n"
    root = rootfs(fresh_store, tmp_path, dockerfile, tmp_path / "root")
    assert (root / "dst" / "b" / "c.txt").read_text() == "c"
    assert (root / "dst" / "x" / "y" / "z.txt").read_text() == "z"
    assert not (root / "dst" / "a").exists()


def test_copy_exclude_filters_matches(fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "src" / "sub").mkdir(parents=True)
    for name in ("keep.txt", "drop.log", "sub/also.log", "sub/keep.md"):
        (tmp_path / "src" / name).write_text(name)
    dockerfile = "FROM busybox\nCOPY --exclude=*.log --exclude=**/*.log src /d/\n"
    root = rootfs(fresh_store, tmp_path, dockerfile, tmp_path / "root")
    found = sorted(str(p.relative_to(root / "d")) for p in (root / "d").rglob("*"))
    assert found == ["keep.txt", "sub", "sub/keep.md"]


def test_copy_link_gives_the_same_files(fresh_store: Store, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("linked")
    dockerfile = "FROM busybox\nCOPY --link f /opt/app/f\n"
    root = rootfs(fresh_store, tmp_path, dockerfile, tmp_path / "root")
    assert (root / "opt" / "app" / "f").read_text() == "linked"
    assert read_image(fresh_store, "newer").history[-1].created_by == "COPY f /opt/app/f # buildkit"


def test_run_network_none_has_only_loopback(fresh_store: Store, tmp_path: Path) -> None:
    dockerfile = ("FROM busybox\nRUN --network=none ls /sys/class/net > /none\n"
                  "RUN ls /sys/class/net > /default\n")
    root = rootfs(fresh_store, tmp_path, dockerfile, tmp_path / "root")
    assert (root / "none").read_text().split() == ["lo"]
    assert (root / "default").read_text().split() == ["lo", "tap0"]  # a private network
