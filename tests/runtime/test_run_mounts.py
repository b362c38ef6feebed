"""Extra mounts of a RUN at the sandbox level (binds, overlays, tmpfs, inline files), with the
same tests on every backend: what the command sees, and that nothing reaches the upper dir.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dfc.runtime.sandbox.run import BackendName, InlineFile, Mount, RunSpec, run

ROOTFS_SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "busybox" / "rootfs.sh"
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
    pytest.mark.skipif(shutil.which("busybox") is None, reason="needs busybox-static"),
]
BACKENDS = [
    pytest.param("native"),
    pytest.param("runc", marks=pytest.mark.skipif(not shutil.which("runc"), reason="no runc")),
    pytest.param("crun", marks=pytest.mark.skipif(not shutil.which("crun"), reason="no crun")),
]
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The busybox tree every build test uses, plus /mnt and a /var/run -> /run link."""
    root = tmp_path_factory.mktemp("image") / "rootfs"
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(root)], check=True)
    (root / "mnt").mkdir()
    (root / "run").mkdir()
    (root / "var").mkdir()
    (root / "var/run").symlink_to("/run")
    return root


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A host directory to mount: a file and a subdirectory."""
    path = tmp_path / "src"
    (path / "sub").mkdir(parents=True)
    (path / "f.txt").write_text("hello\n")
    (path / "sub/g").write_text("g\n")
    return path


class Sandbox:
    """Runs a shell snippet with extra mounts on one backend; keeps the upper dir."""

    def __init__(self, image: Path, upper: Path, backend: BackendName):
        self.image, self.upper, self.backend = image, upper, backend

    def __call__(self, script: str, mounts: tuple[Mount, ...] = (),
                 files: tuple[InlineFile, ...] = (), user: str = "") -> tuple[int, str]:
        chunks: list[bytes] = []
        spec = RunSpec(argv=("/bin/sh", "-c", script), env=(PATH,), user=user,
                       mounts=mounts, files=files)
        code = run(spec, [self.image], self.upper, stdout=chunks.append, backend=self.backend)
        return code, b"".join(chunks).decode()

    def changes(self) -> list[str]:
        """Every path in the upper dir (what the layer would hold)."""
        return sorted(str(p.relative_to(self.upper)) for p in self.upper.rglob("*"))


@pytest.fixture(params=BACKENDS)
def sandbox(request: pytest.FixtureRequest, image: Path, tmp_path: Path) -> Sandbox:
    upper = tmp_path / "upper"
    upper.mkdir()
    return Sandbox(image, upper, request.param)


@pytest.mark.slow
def test_readonly_binds_of_a_file_and_a_dir_leave_no_mount_points(
        sandbox: Sandbox, source: Path) -> None:
    mounts = (Mount("/mnt/f.txt", "bind", str(source / "f.txt"), ("rbind", "ro")),
              Mount("/new/deep/dir", "bind", str(source), ("rbind", "ro")),
              Mount("/var/run/x", "bind", str(source / "sub"), ("rbind", "ro")))
    code, out = sandbox("cat /mnt/f.txt /new/deep/dir/sub/g /run/x/g; "
                        "touch /mnt/f.txt /new/deep/dir/h 2>/dev/null || echo readonly; "
                        "ls -ld /var/run | cut -c1", mounts)
    assert (code, out) == (0, "hello\ng\ng\nreadonly\nl\n")
    assert sandbox.changes() == []


def test_a_writable_bind_is_an_overlay_whose_writes_are_discarded(
        sandbox: Sandbox, source: Path, tmp_path: Path) -> None:
    (tmp_path / "up").mkdir()
    (tmp_path / "work").mkdir()
    options = (f"lowerdir={source},upperdir={tmp_path / 'up'},workdir={tmp_path / 'work'}",)
    code, out = sandbox("echo more >> /src/f.txt && rm /src/sub/g && cat /src/f.txt",
                        (Mount("/src", "overlay", "overlay", options),))
    assert (code, out) == (0, "hello\nmore\n")
    assert (source / "f.txt").read_text() == "hello\n" and (source / "sub/g").exists()
    assert sandbox.changes() == []


def test_tmpfs_is_empty_writable_and_gone_afterwards(sandbox: Sandbox) -> None:
    mount = Mount("/mnt/t", "tmpfs", "tmpfs", ("nosuid", "size=1048576"))
    script = "ls -A /mnt/t; echo x > /mnt/t/a; stat -c %a /mnt/t; grep ' /mnt/t ' /proc/mounts"
    code, out = sandbox(script, (mount,))
    lines = out.splitlines()
    assert code == 0 and lines[0] == "1777" and "size=1024k" in lines[1]
    assert sandbox.changes() == []


def test_a_mount_inside_another_lands_in_it(sandbox: Sandbox, source: Path) -> None:
    mounts = (Mount("/mnt/t/inner", "bind", str(source), ("rbind", "ro")),
              Mount("/mnt/t", "tmpfs", "tmpfs", ("nosuid",)))
    assert sandbox("cat /mnt/t/inner/f.txt", mounts) == (0, "hello\n")
    assert sandbox.changes() == []


def test_inline_files_are_readonly_with_their_mode_and_owner(sandbox: Sandbox) -> None:
    secret = InlineFile("/run/secrets/token", b"s3cret", 0o400, uid=5, gid=6)
    code, out = sandbox("stat -c '%a %u %g' /run/secrets/token; cat /run/secrets/token; echo;"
                        "(echo x > /run/secrets/token) 2>/dev/null || echo readonly",
                        files=(secret,))
    assert (code, out) == (0, "400 5 6\ns3cret\nreadonly\n")
    assert sandbox.changes() == []


def test_an_inline_script_under_dev_runs_as_another_user(sandbox: Sandbox) -> None:
    script = InlineFile("/dev/pipes/EOF", b"#!/bin/sh\nid -u\necho from script\n", 0o755)
    assert sandbox("/dev/pipes/EOF", files=(script,), user="65534") == (
        0, "65534\nfrom script\n")
    assert sandbox.changes() == []


def test_writes_next_to_a_mount_point_keep_only_what_the_command_made(
        sandbox: Sandbox, source: Path) -> None:
    mount = Mount("/new/dir", "bind", str(source), ("rbind", "ro"))
    assert sandbox("echo x > /new/other", (mount,)) == (0, "")
    assert sandbox.changes() == ["new", "new/other"]
