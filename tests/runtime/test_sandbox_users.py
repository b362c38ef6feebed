"""USER resolution as runc does it, and reading /etc files through overlay-form layers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dfc.errors import DfcError
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.sandbox.users import ExecUser, lookup, resolve_user

PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
GROUP = "root:x:0:\nwheel:x:10:root,app\napp:x:1000:\n"


@pytest.mark.parametrize(("spec", "want"), [
    ("", ExecUser(0, 0, (10,), "/root")),
    ("root", ExecUser(0, 0, (10,), "/root")),
    ("app", ExecUser(1000, 1000, (10,), "/home/app")),
    ("1000", ExecUser(1000, 1000, (10,), "/home/app")),
    ("4242", ExecUser(4242, 0, (), "/")),
    ("app:wheel", ExecUser(1000, 10, (), "/home/app")),
    ("app:77", ExecUser(1000, 77, (), "/home/app")),
    ("4242:4242", ExecUser(4242, 4242, (), "/")),
])
def test_resolve_user(spec: str, want: ExecUser) -> None:
    assert resolve_user(spec, PASSWD, GROUP) == want


def test_unknown_names_fail_with_dockers_messages() -> None:
    with pytest.raises(DfcError, match="unable to find user bob: no matching entries in passwd"):
        resolve_user("bob", PASSWD, GROUP)
    with pytest.raises(DfcError, match="unable to find group staff: no matching entries in group"):
        resolve_user("app:staff", PASSWD, GROUP)


def test_numeric_user_needs_no_passwd_file() -> None:
    assert resolve_user("0", None, None) == ExecUser(0, 0, (), "/")


def _layer(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_read_from_layers_takes_the_topmost_copy(tmp_path: Path) -> None:
    lower = _layer(tmp_path / "lower", {"etc/passwd": "lower", "etc/group": "g"})
    upper = _layer(tmp_path / "upper", {"etc/passwd": "upper"})
    assert RootView([upper, lower]).read_text("etc/passwd") == "upper"
    assert RootView([upper, lower]).read_text("etc/group") == "g"
    assert lookup("", [upper, lower]) == ExecUser(0, 0, (), "/")


def test_whiteouts_opaque_dirs_and_symlinks_hide_lower_files(tmp_path: Path) -> None:
    lower = _layer(tmp_path / "lower", {"etc/passwd": "lower"})
    whiteout = _layer(tmp_path / "wh", {"etc/other": ""})
    os.mknod(whiteout / "etc/passwd", 0o20000, os.makedev(0, 0))
    assert RootView([whiteout, lower]).read_text("etc/passwd") is None
    opaque = _layer(tmp_path / "opq", {"etc/other": ""})
    os.setxattr(opaque / "etc", "trusted.overlay.opaque", b"y")
    assert RootView([opaque, lower]).read_text("etc/passwd") is None
    link = _layer(tmp_path / "link", {})
    (link / "etc").mkdir(parents=True)
    (link / "etc/passwd").symlink_to("/host-only/passwd")  # resolved in the image, not the host
    assert RootView([link, lower]).read_text("etc/passwd") is None
