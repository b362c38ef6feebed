"""What a RUN can and cannot do, checked on every sandbox backend with the same tests.

The image is a one-layer rootfs made from the host's static busybox. Needs root (namespaces,
overlayfs); the OCI backends also need their binary.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import pytest

from dfc.errors import DfcError
from dfc.runtime.sandbox.policy import CAP_MASK
from dfc.runtime.sandbox.run import BackendName, RunSpec, run

from ..conftest import wait_until  # noqa: TID252 - tests/ is no package (importlib mode)

BUSYBOX = shutil.which("busybox")
pytestmark = [
    pytest.mark.slow,  # each test runs containers, on every backend
    pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root"),
    pytest.mark.skipif(BUSYBOX is None, reason="needs busybox-static"),
]
BACKENDS = [
    pytest.param("native"),
    pytest.param("runc", marks=pytest.mark.skipif(not shutil.which("runc"), reason="no runc")),
    pytest.param("crun", marks=pytest.mark.skipif(not shutil.which("crun"), reason="no crun")),
]
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A busybox rootfs: /bin/busybox + applet links, root and `app` (1000) users."""
    root = tmp_path_factory.mktemp("image")
    (root / "bin").mkdir()
    assert BUSYBOX is not None
    shutil.copy2(BUSYBOX, root / "bin/busybox")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True)
    for applet in applets.stdout.split():
        if applet != "busybox":
            (root / "bin" / applet).symlink_to("busybox")
    (root / "etc").mkdir()
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                     "app:x:1000:1000:app:/home/app:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\nwheel:x:10:root\napp:x:1000:\n")
    for rel, mode in (("tmp", 0o1777), ("root", 0o700), ("mnt", 0o755), ("home/app", 0o755)):
        (root / rel).mkdir(parents=True)
        (root / rel).chmod(mode)
    os.chown(root / "home/app", 1000, 1000)
    (root / "escape").symlink_to("/tmp")  # resolved on the host, it would be the host's /tmp
    return root


@pytest.fixture
def upper(tmp_path: Path) -> Path:
    path = tmp_path / "upper"
    path.mkdir()
    return path


class Step:
    """Runs shell snippets in the image on one backend, collecting output."""

    def __init__(self, image: Path, upper: Path, backend: BackendName):
        self.image, self.upper, self.backend = image, upper, backend

    def __call__(self, script: str, cwd: str = "/", user: str = "",
                 network: Literal["host", "none"] = "host") -> tuple[int, str]:
        chunks: list[bytes] = []
        spec = RunSpec(argv=("/bin/sh", "-c", script), env=(PATH,), cwd=cwd, user=user,
                       network=network)
        rc = run(spec, [self.image], self.upper, stdout=chunks.append, backend=self.backend)
        return rc, b"".join(chunks).decode()


@pytest.fixture(params=BACKENDS)
def sh(request: pytest.FixtureRequest, image: Path, upper: Path) -> Step:
    return Step(image, upper, request.param)


def leftover_mounts(near: Path) -> list[str]:
    """Host mounts of ours (other builds may mount and unmount on this host meanwhile)."""
    return [line for line in Path("/proc/mounts").read_text().splitlines()
            if str(near) in line or ".dfc-sandbox-" in line]


def pids_with(marker: str) -> list[int]:
    """Host pids whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_output_and_exit_codes(sh: Step) -> None:
    assert sh("echo hi") == (0, "hi\n")
    assert sh("echo err >&2; exit 3") == (3, "err\n")


def test_killed_by_signal_gives_128_plus_n(sh: Step) -> None:
    marker = f"dfc-{uuid.uuid4().hex}"
    killer = threading.Thread(target=_kill_when_seen, args=(marker,))
    killer.start()
    rc, _ = sh(f"sleep 60; : {marker}")
    killer.join()
    assert rc == 128 + signal.SIGKILL


def _kill_when_seen(marker: str) -> None:
    for _ in range(200):
        pids = [p for p in pids_with(marker) if b"sleep" in Path(f"/proc/{p}/cmdline").read_bytes()]
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            return
        time.sleep(0.02)


def test_env_cwd_and_user(sh: Step, upper: Path) -> None:
    script = 'echo "$FOO|$HOME|$(pwd)|$(id -u):$(id -g)|$(hostname)"'
    spec_env = f"FOO=bar; {script}"
    assert sh(spec_env, cwd="/work/sub") == (0, "bar|/root|/work/sub|0:0|buildkitsandbox\n")
    assert (upper / "work/sub").is_dir()
    assert sh("id -u; id -g; echo $HOME", user="app") == (0, "1000\n1000\n/home/app\n")
    assert sh("id -u; id -g", user="1000:10") == (0, "1000\n10\n")
    assert sh("id -G", user="root") == (0, "0 10\n")


def test_cwd_through_a_symlink_stays_inside_the_root(sh: Step, upper: Path) -> None:
    name = f"dfc-cwd-{uuid.uuid4().hex}"
    assert sh("pwd", cwd=f"/escape/{name}") == (0, f"/tmp/{name}\n")
    assert not Path("/tmp", name).exists()
    assert (upper / "tmp" / name).is_dir()


def test_unknown_user_is_a_clear_error(sh: Step) -> None:
    with pytest.raises(DfcError, match="unable to find user nobody: no matching entries in passwd"):
        sh("true", user="nobody")


def test_changes_land_in_upper_as_a_plain_change_set(sh: Step, upper: Path) -> None:
    assert sh("echo x > /new && rm /bin/wc && mkdir /opt && cat /etc/hosts >/dev/null")[0] == 0
    assert (upper / "new").read_text() == "x\n"
    whiteout = os.lstat(upper / "bin/wc")
    assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == 0
    found = {str(p.relative_to(upper)) for p in upper.rglob("*")}
    assert found == {"new", "bin", "bin/wc", "opt"}
    assert not list(upper.parent.glob(".dfc-sandbox-*"))


def test_mount_is_refused(sh: Step) -> None:
    rc, out = sh("mount -t tmpfs x /mnt")
    assert rc != 0 and ("denied" in out or "not permitted" in out), out
    assert sh("unshare -m true")[0] != 0


def test_seccomp_refuses_what_capabilities_alone_would_allow(sh: Step) -> None:
    """A user namespace needs no capability; only the seccomp filter stops it."""
    rc, out = sh("unshare -U -r true")
    assert rc != 0 and "not permitted" in out


def test_mknod_cannot_reach_a_host_disk(sh: Step) -> None:
    """mknod itself is allowed (CAP_MKNOD is in Docker's set); opening the node is not."""
    disk = os.stat("/").st_dev
    for major, minor in {(8, 0), (os.major(disk), os.minor(disk))}:
        script = (f"mknod /tmp/d b {major} {minor} || exit 10; head -c1 /tmp/d > /tmp/out; "
                  "echo \"rc=$? bytes=$(wc -c < /tmp/out)\"; rm /tmp/d")
        rc, out = sh(script)
        # head's complaint comes on stderr, whose order against stdout is not fixed.
        assert rc == 0 and "rc=1 bytes=0" in out.splitlines(), (major, minor, out)


def test_proc_shows_only_the_container(sh: Step) -> None:
    rc, out = sh("ls /proc | grep -cE '^[0-9]+$'; tr '\\0' ' ' < /proc/1/cmdline; echo")
    count, cmdline = out.splitlines()
    assert rc == 0 and int(count) <= 3  # sh, ls, grep
    assert cmdline.startswith("/bin/sh -c ls /proc")


def test_host_processes_cannot_be_signalled(sh: Step) -> None:
    with subprocess.Popen(["sleep", "60"]) as host:
        try:
            sh(f"kill -9 {host.pid}; kill -9 1")
            time.sleep(0.05)
            assert host.poll() is None
        finally:
            host.kill()


def test_host_files_are_out_of_reach(sh: Step, tmp_path: Path) -> None:
    marker = tmp_path / "host-marker"
    marker.write_text("secret")
    paths = (marker, f"/proc/1/root{marker}", "/proc/1/root/etc/hostname",
             f"/proc/self/root{marker}", Path.cwd())
    rc, out = sh("".join(f"[ -e {p} ] && echo visible {p}; " for p in paths) + "true")
    assert (rc, out) == (0, "")


def test_proc_paths_are_masked_or_readonly(sh: Step) -> None:
    """Only what exists on this kernel: /proc/kcore and /proc/scsi may not."""
    files = [f for f in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug")
             if os.path.exists(f)]
    dirs = [d for d in ("/proc/scsi", "/proc/acpi", "/sys/firmware") if os.path.isdir(d)]
    rc, out = sh("".join(f"echo {f}=$(head -c 64 {f} | wc -c); " for f in files)
                 + "".join(f"echo {d}=$(ls -A {d} | wc -l); " for d in dirs)
                 + "(echo 1 > /proc/sysrq-trigger) 2>/dev/null && echo sysrq-writable; "
                 + "(echo x > /proc/sys/kernel/hostname) 2>/dev/null && echo sys-writable; true")
    assert out.splitlines() == [f"{path}=0" for path in files + dirs]


def test_capabilities_no_new_privs_seccomp(sh: Step) -> None:
    script = "grep -E '^(CapEff|CapBnd|CapInh|NoNewPrivs|Seccomp):' /proc/self/status"
    want = f"{CAP_MASK:016x}"
    assert sh(script)[1].split() == ["CapInh:", "0" * 16, "CapEff:", want, "CapBnd:", want,
                                     "NoNewPrivs:", "1", "Seccomp:", "2"]
    assert sh(script, user="app")[1].split()[:6] == ["CapInh:", "0" * 16, "CapEff:", "0" * 16,
                                                     "CapBnd:", want]


def test_network_none_has_only_loopback(sh: Step) -> None:
    rc, out = sh("ls /sys/class/net; cat /sys/class/net/lo/flags", network="none")
    assert rc == 0 and out.split()[0] == "lo" and int(out.split()[1], 16) & 1
    assert len(out.split()) == 2


def test_etc_files_are_buildkits_and_leave_no_trace(sh: Step, upper: Path) -> None:
    rc, out = sh("cat /etc/hosts; echo 1.2.3.4 x >> /etc/hosts || echo read-only")
    # The shell's complaint ("...: Read-only file system", on stderr) may come anywhere,
    # even inside a line of stdout: look for the echo's lower-case word, not a whole line.
    assert "127.0.0.1\tlocalhost buildkitsandbox" in out.splitlines() and "read-only" in out
    assert not (upper / "etc").exists()


def test_nothing_survives_a_step(sh: Step, upper: Path) -> None:
    marker = f"dfc-{uuid.uuid4().hex}"
    hostname = socket.gethostname()
    assert sh(f"sh -c 'sleep 100; : {marker}' & echo started") == (0, "started\n")
    assert pids_with(marker) == []
    assert leftover_mounts(upper.parent) == [] and socket.gethostname() == hostname
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_mounts_are_never_visible_on_the_host(sh: Step, upper: Path) -> None:
    """Checked while the step runs: every mount lives in the step's private namespace."""
    seen: list[list[str]] = []
    spec = RunSpec(argv=("/bin/sh", "-c", "echo started; sleep 0.3"), env=(PATH,))
    run(spec, [sh.image], upper, backend=sh.backend,
        stdout=lambda _: seen.append(leftover_mounts(upper.parent)))
    assert seen == [[]]


@pytest.mark.parametrize("failure", ["interrupt", "sink-error"])
def test_interrupted_step_is_torn_down(sh: Step, upper: Path, failure: str) -> None:
    marker = f"dfc-{uuid.uuid4().hex}"
    if failure == "interrupt":
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            sh(f"sleep 60 & sleep 60; : {marker}")
        timer.join()
    else:
        with pytest.raises(RuntimeError):
            _failing_sink_step(sh, f"echo out; sleep 60 & sleep 60; : {marker}")
    for _ in range(250):  # a loaded machine may take a while to reap the killed tree
        if not pids_with(marker):
            break
        time.sleep(0.02)
    assert pids_with(marker) == []
    assert leftover_mounts(upper.parent) == []
    assert not list(upper.parent.glob(".dfc-sandbox-*"))
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _failing_sink_step(sh: Step, script: str) -> None:
    def sink(chunk: bytes) -> None:
        raise RuntimeError("caller's sink failed")

    spec = RunSpec(argv=("/bin/sh", "-c", script), env=(PATH,))
    run(spec, [sh.image], sh.upper, stdout=sink, backend=sh.backend)


def test_native_reports_a_command_that_cannot_start(image: Path, upper: Path) -> None:
    spec = RunSpec(argv=("/nonexistent",), env=(PATH,))
    with pytest.raises(DfcError, match="exec /nonexistent: No such file or directory"):
        run(spec, [image], upper, stdout=lambda _: None)


def test_scratch_has_no_shell(upper: Path) -> None:
    spec = RunSpec(argv=("/bin/sh", "-c", "true"), env=(PATH,))
    with pytest.raises(DfcError, match="exec /bin/sh"):
        run(spec, [], upper, stdout=lambda _: None)
    assert list(upper.iterdir()) == []


def test_native_step_dies_with_a_killed_dfc(image: Path, upper: Path) -> None:
    """SIGKILL leaves no time to clean up: parent-death signals take the container down."""
    marker = f"dfc-{uuid.uuid4().hex}"
    code = ("import pathlib, sys; from dfc.runtime.sandbox.run import run, RunSpec; "
            f"run(RunSpec(('/bin/sh', '-c', 'sleep 60; : {marker}'), ({PATH!r},)), "
            f"[pathlib.Path({str(image)!r})], pathlib.Path({str(upper)!r}), stdout=print)")
    with subprocess.Popen([sys.executable, "-c", code]) as dfc:
        assert wait_until(lambda: bool(pids_with(marker)))
        dfc.kill()
    assert wait_until(lambda: not pids_with(marker))


@pytest.mark.parametrize("backend", BACKENDS)
def test_steps_run_concurrently_from_threads(image: Path, tmp_path: Path,
                                             backend: BackendName) -> None:
    def step(i: int) -> tuple[int, str]:
        upper = tmp_path / f"upper{i}"
        upper.mkdir()
        return Step(image, upper, backend)(f"echo {i} > /f; cat /f")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(step, range(8)))
    assert results == [(0, f"{i}\n") for i in range(8)]
    written = [(tmp_path / f"upper{i}/f").read_text() for i in range(8)]
    assert written == [f"{i}\n" for i in range(8)]
