"""A static probe tries each class of call Docker's seccomp profile decides on, in a RUN
step on every backend and under dockerd; its answers must be the profile's.

Expected answers come from the resolved profile, not from a list here: a call the profile
refuses must fail with the profile's errno; one it allows must reach the kernel, whose
answer (chosen by the probe's arguments) is never that errno; a call numbered above every
call the profile names gets ENOSYS (runc's stub, which the native filter copies).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pyseccomp
import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.runtime.fs.snapshots import flatten
from dfc.runtime.images.config import Manifest
from dfc.runtime.sandbox.seccomp import docker_default
from dfc.runtime.sandbox.seccomp_profile import (
    ALLOW,
    DEFAULT_CAPS,
    Arg,
    Resolved,
    kernel_version,
    load_profile,
    native_arch,
    resolve,
)

SOURCE = Path(__file__).parent / "probe" / "seccomp_probe.c"
PROBES = len(re.findall(r'^\s*probe\("', SOURCE.read_text(), re.M))
DOCKER = "/usr/bin/docker"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox needs root")
BACKENDS = [
    pytest.param("native"),
    pytest.param("runc", marks=pytest.mark.skipif(not shutil.which("runc"), reason="no runc")),
    pytest.param("crun", marks=pytest.mark.skipif(not shutil.which("crun"), reason="no crun")),
]


def _holds(arg: Arg, first: int) -> bool:
    """The probe prints the first argument only: a rule on another one never matches."""
    if arg.index != 0:
        return False
    if arg.op == "SCMP_CMP_MASKED_EQ":
        return first & arg.value == arg.value_two
    compare = {"SCMP_CMP_EQ": first == arg.value, "SCMP_CMP_NE": first != arg.value,
               "SCMP_CMP_LT": first < arg.value, "SCMP_CMP_LE": first <= arg.value,
               "SCMP_CMP_GT": first > arg.value, "SCMP_CMP_GE": first >= arg.value}
    return compare[arg.op]


def _last_named(profile: Resolved) -> int:
    numbers = (pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
               for rule in profile.rules for name in rule.names)
    return max(n for n in numbers if n >= 0)


ENOSYS_STUB = {"native": True, "runc": True, "crun": False}
"""Whether the backend answers ENOSYS above the profile's last call: runc does (and so
Docker), the native filter copies it; crun 1.8 does not and answers the default errno."""


def refusal(profile: Resolved, name: str, number: int, first: int,
            enosys_stub: bool = True) -> str | None:
    """The errno name `profile` answers for the call, or None when it lets it through."""
    if number > _last_named(profile):  # no rule libseccomp could compile names it
        return "ENOSYS" if enosys_stub else errno.errorcode[profile.default_errno]
    for rule in profile.rules:
        if name in rule.names and all(_holds(arg, first) for arg in rule.args):
            if rule.action == ALLOW:
                return None
            return errno.errorcode[rule.errno or profile.default_errno]
    return errno.errorcode[profile.default_errno]


def answers(output: str) -> list[tuple[str, int, int, str]]:
    """(syscall, number, first argument, answer) per probe line."""
    lines = [line.split() for line in output.splitlines()]
    assert len(lines) == PROBES, output
    return [(name, int(number), int(first, 16) & 0xFFFFFFFFFFFFFFFF, answer)
            for name, number, first, answer in lines]


def assert_profile_answers(profile: Resolved, output: str, enosys_stub: bool = True) -> None:
    for name, number, first, answer in answers(output):
        refused = refusal(profile, name, number, first, enosys_stub)
        if refused is None:
            assert answer != errno.errorcode[profile.default_errno], (name, hex(first), answer)
        else:
            assert answer == refused, (name, hex(first), answer)


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = tmp_path_factory.mktemp("probe") / "seccomp_probe"
    subprocess.run(["gcc", "-static", "-O1", "-o", str(binary), str(SOURCE)], check=True)
    return binary


def build_probe(store: Store, probe: Path, tmp_path: Path, backend: str,
                tag: str = "probe:1") -> str:
    """Build `tag`, an image whose RUN step ran the probe; return the probe's output."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    shutil.copy2(probe, ctx / "seccomp_probe")
    (ctx / "Dockerfile").write_text("FROM busybox\nCOPY seccomp_probe /probe\n"
                                    "RUN /probe > /answers.txt\n")
    build(BuildRequest(context=str(ctx), tags=(tag,), backend=backend), store,
          lambda event: None)
    manifest = store.read_json(store.resolve(tag).manifest.digest, Manifest)
    flatten(store, manifest.layers, tmp_path / "rootfs")
    return (tmp_path / "rootfs" / "answers.txt").read_text()


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_step_answers_as_dockers_profile(fresh_store: Store, probe: Path, tmp_path: Path,
                                            backend: str) -> None:
    output = build_probe(fresh_store, probe, tmp_path, backend)
    assert_profile_answers(docker_default(DEFAULT_CAPS), output, ENOSYS_STUB[backend])
    got = {(name, first): answer for name, _, first, answer in answers(output)}
    assert got["io_uring_setup", 1] == "EPERM" and got["getpid", 0] == "ok"


def test_dockerd_agrees_but_for_its_older_profile(fresh_store: Store, probe: Path,
                                                  tmp_path: Path, dfc_cmd: list[str]) -> None:
    """dockerd here is 20.10: it runs the packaged profile without today's changes, so its
    answers are that profile's, and equal dfc's wherever the two profiles agree."""
    name = f"dfc-seccomp-probe-{uuid.uuid4().hex[:8]}:1"
    ours = build_probe(fresh_store, probe, tmp_path, "native", name)
    info = subprocess.run([DOCKER, "info"], capture_output=True, text=True)
    assert info.returncode == 0, f"dockerd is not reachable: {info.stderr.strip()}"
    archive = subprocess.run([*dfc_cmd, "save", name], capture_output=True, check=True,
                             env={**os.environ, "DFC_ROOT": str(fresh_store.root)}).stdout
    subprocess.run([DOCKER, "load"], input=archive, capture_output=True, check=True)
    try:
        ran = subprocess.run([DOCKER, "run", "--rm", name, "/probe"], capture_output=True,
                             text=True)
        assert ran.returncode == 0, ran.stderr
        theirs = ran.stdout
    finally:
        subprocess.run([DOCKER, "rmi", "-f", name], capture_output=True)
    packaged = resolve(load_profile(), DEFAULT_CAPS, native_arch(), kernel_version())
    assert_profile_answers(packaged, theirs)
    today = docker_default(DEFAULT_CAPS)
    differ = []
    for (name_, number, first, mine), (*_, docker) in zip(answers(ours), answers(theirs),
                                                          strict=True):
        if refusal(today, name_, number, first) == refusal(packaged, name_, number, first):
            assert mine == docker, (name_, hex(first), mine, docker)
        else:
            differ.append(name_)
    assert "io_uring_setup" in differ


@pytest.mark.parametrize("cap_add", [(), ("SYS_ADMIN",)], ids=["default", "cap-add-SYS_ADMIN"])
def test_dfc_run_answers_as_dockers_profile_for_its_capabilities(
        fresh_store: Store, probe: Path, tmp_path: Path, dfc_cmd: list[str],
        cap_add: tuple[str, ...]) -> None:
    """Containers get the same profile, resolved for their own capability set: with
    `--cap-add SYS_ADMIN`, Docker's profile lets mount, unshare and friends reach the
    kernel, which the default set refuses."""
    build_probe(fresh_store, probe, tmp_path, "native", "probe-run:1")
    flags = [f"--cap-add={cap}" for cap in cap_add]
    ran = subprocess.run([*dfc_cmd, "run", "--rm", "--network", "none", *flags, "probe-run:1",
                          "/probe"], capture_output=True, text=True,
                         env={**os.environ, "DFC_ROOT": str(fresh_store.root)})
    assert ran.returncode == 0, ran.stderr
    caps = DEFAULT_CAPS | {f"CAP_{cap}" for cap in cap_add}
    assert_profile_answers(docker_default(frozenset(caps)), ran.stdout)
    mount = [answer for name, _, _, answer in answers(ran.stdout) if name == "mount"]
    assert mount and (mount[0] == "EPERM") == (not cap_add), mount
