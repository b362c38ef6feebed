"""Without a container: `diff` over hand-made overlay dirs, `cp`'s placement rules, and
`commit --change` applied to a config (the docker-differential tests are in
tests/containers/)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dfc.compiler.changes import ChangeError, apply_changes
from dfc.compiler.ir import ImageConfig
from dfc.runtime.containers.copy import CopyError, placement, split_argument
from dfc.runtime.containers.diff import changes


def _whiteout(path: Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(0, 0))


def _layers(tmp_path: Path) -> tuple[Path, Path]:
    lower, upper = tmp_path / "lower", tmp_path / "upper"
    for folder in ("etc", "opaque/old", "same", "bin"):
        (lower / folder).mkdir(parents=True)
    (lower / "etc" / "passwd").write_text("root\n")
    (lower / "opaque" / "old" / "x").write_text("x\n")
    (lower / "opaque" / "kept").write_text("k\n")
    (lower / "bin" / "ls").write_text("ls\n")
    (lower / "same" / "f").write_text("f\n")
    upper.mkdir()
    return lower, upper


def test_diff_of_an_upper_dir(tmp_path: Path) -> None:
    lower, upper = _layers(tmp_path)
    (upper / "etc").mkdir()
    os.utime(upper / "etc", (0, 0))  # a folder's mtime alone is no change
    (upper / "etc" / "passwd").write_text("root\nnew\n")
    (upper / "bin").mkdir()
    _whiteout(upper / "bin" / "ls")
    (upper / "opaque").mkdir()
    os.setxattr(upper / "opaque", "trusted.overlay.opaque", b"y")
    (upper / "opaque" / "kept").write_text("k2\n")
    (upper / "new" / "deep").mkdir(parents=True)
    (upper / "same").mkdir()  # copied up, nothing changed below
    os.chmod(upper / "same", 0o700)
    lines = [c.line() for c in changes(upper, [lower])]
    assert lines == ["C /bin", "D /bin/ls", "C /etc", "C /etc/passwd", "A /new",
                     "A /new/deep", "C /opaque", "C /opaque/kept", "D /opaque/old",
                     "C /same"]


def test_diff_of_an_empty_upper_dir(tmp_path: Path) -> None:
    lower, upper = _layers(tmp_path)
    assert changes(upper, [lower]) == []


@pytest.mark.parametrize(("src", "is_dir", "dest", "kind", "parent", "expected"), [
    ("/f", False, "/d", "dir", True, ("/d", "f")),
    ("/f", False, "/d/g", "file", True, ("/d", "g")),
    ("/f", False, "/d/new", None, True, ("/d", "new")),
    ("/s", True, "/d", "dir", True, ("/d", "s")),
    ("/s/.", True, "/d", "dir", True, ("/d", None)),
    ("/s", True, "/d/new/", None, True, ("/d", "new")),
])
def test_cp_placement(src: str, is_dir: bool, dest: str, kind: str | None, parent: bool,
                      expected: tuple[str, str | None]) -> None:
    assert placement(src, is_dir, dest, kind, parent, "missing") == expected


@pytest.mark.parametrize(("src", "is_dir", "dest", "kind", "parent", "message"), [
    ("/s", True, "/d/f", "file", True, "cannot copy directory"),
    ("/f", False, "/d/new/", None, True, "no such directory"),
    ("/f", False, "/nodir/x", None, False, "missing"),
])
def test_cp_placement_refusals(src: str, is_dir: bool, dest: str, kind: str | None,
                               parent: bool, message: str) -> None:
    with pytest.raises(CopyError) as caught:
        placement(src, is_dir, dest, kind, parent, "missing")
    assert caught.value.message == message


def test_cp_arguments() -> None:
    assert split_argument("web:/a:b") == ("web", "/a:b")
    assert split_argument("/abs:x") == (None, "/abs:x")
    assert split_argument("./rel:x") == (None, "./rel:x")
    assert split_argument("plain") == (None, "plain")


def test_changes_are_the_dockerfile_instructions() -> None:
    base = ImageConfig(env=("PATH=/bin",), cmd=("sh",), labels={"a": "1"})
    out = apply_changes(base, ['ENV X=$PATH:/x', "EXPOSE 80 53/udp", "ENTRYPOINT [\"e\"]",
                               "LABEL b=2", "WORKDIR w", "USER nobody"], "linux/amd64")
    assert out.env == ("PATH=/bin", "X=/bin:/x")
    assert out.exposed_ports == ("53/udp", "80/tcp")
    assert (out.entrypoint, out.cmd) == (("e",), ())  # ENTRYPOINT resets CMD, as in a build
    assert out.labels == {"a": "1", "b": "2"}
    assert (out.working_dir, out.user) == ("/w", "nobody")


@pytest.mark.parametrize(("change", "message"), [
    ("RUN ls", "run is not a valid change command"),
    ("from x", "from is not a valid change command"),
    ("ENV", "ENV requires at least one argument"),
    ("EXPOSE 70000", "invalid containerPort: 70000"),  # BuildKit's word (dockerd: Invalid)
])
def test_changes_docker_refuses(change: str, message: str) -> None:
    with pytest.raises(ChangeError) as caught:
        apply_changes(ImageConfig(), [change], "linux/amd64")
    assert caught.value.message == message
    assert caught.value.exit_code == 1
