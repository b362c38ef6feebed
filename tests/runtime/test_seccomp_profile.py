"""Docker's seccomp profile as dfc resolves it: Debian's packaged file plus the documented
changes since 20.10, filtered as dockerd filters it (no root needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dfc.errors import DfcError
from dfc.runtime.sandbox import seccomp
from dfc.runtime.sandbox.seccomp_delta import (
    NOW_ALLOWED,
    REMOVED,
    SOCKET_FAMILIES,
    SOCKET_FAMILIES_BELOW,
    todays_profile,
)
from dfc.runtime.sandbox.seccomp_profile import (
    ALLOW,
    DEFAULT_CAPS,
    PACKAGE,
    PROFILE_PATH,
    Resolved,
    load_profile,
    resolve,
)

AMD64_ARCHES = ("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32")


def today(caps: frozenset[str] = DEFAULT_CAPS, arch: str = "amd64",
          kernel: tuple[int, int] = (6, 1)) -> Resolved:
    return resolve(todays_profile(load_profile()), caps, arch, kernel)


def allowed(profile: Resolved) -> set[str]:
    """Names some rule allows whatever the arguments."""
    return {n for r in profile.rules if r.action == ALLOW and not r.args for n in r.names}


def test_unconditional_allowlist_is_the_packages_plus_the_delta() -> None:
    raw = json.loads(PROFILE_PATH.read_text())
    first = raw["syscalls"][0]
    assert first["action"] == ALLOW and not first["includes"] and not first["args"]
    want = (set(first["names"]) - REMOVED - {"socket"}) | NOW_ALLOWED
    profile = today()
    assert set(profile.rules[0].names) == want
    assert raw["defaultAction"] == profile.default_action == "SCMP_ACT_ERRNO"
    assert profile.default_errno == 1  # EPERM, as Docker's defaultErrnoRet
    assert profile.architectures == AMD64_ARCHES


def test_default_capabilities_refuse_what_docker_refuses() -> None:
    profile = today()
    names = allowed(profile)
    refused = {"io_uring_setup", "io_uring_enter", "io_uring_register", "mount", "umount2",
               "unshare", "setns", "keyctl", "add_key", "request_key", "userfaultfd", "bpf",
               "perf_event_open", "reboot", "kexec_load", "init_module", "finit_module",
               "clock_settime", "settimeofday", "pivot_root", "swapon", "acct", "syslog"}
    assert not refused & names
    assert {"ptrace", "chroot", "arch_prctl", "name_to_handle_at", "fchmodat2"} <= names
    assert not any("io_uring_setup" in rule.names for rule in profile.rules)


def test_argument_filters() -> None:
    profile = today()
    personality = sorted(r.args[0].value for r in profile.rules if r.names == ("personality",))
    assert personality == [0, 8, 0x20000, 0x20008, 0xFFFFFFFF]
    clone = [r for r in profile.rules if "clone" in r.names]
    assert len(clone) == 1 and clone[0].args[0].op == "SCMP_CMP_MASKED_EQ"
    assert clone[0].args[0].value == 0x7E020000  # every CLONE_NEW* flag
    clone3 = [r for r in profile.rules if "clone3" in r.names]
    assert [(r.action, r.errno) for r in clone3] == [("SCMP_ACT_ERRNO", 38)]  # ENOSYS
    families = {r.args[0].value for r in profile.rules if r.names == ("socket",)}
    assert families == {SOCKET_FAMILIES_BELOW, *SOCKET_FAMILIES} and not {38, 40} & families


def test_capabilities_decide_conditional_rules() -> None:
    admin = today(DEFAULT_CAPS | {"CAP_SYS_ADMIN"})
    assert {"mount", "unshare", "setns", "clone", "clone3", "bpf"} <= allowed(admin)
    assert not [r for r in admin.rules if r.args and "clone" in r.names]
    assert not [r for r in admin.rules if "clone3" in r.names and r.action != ALLOW]
    assert "reboot" in allowed(today(DEFAULT_CAPS | {"CAP_SYS_BOOT"}))
    assert "bpf" in allowed(today(DEFAULT_CAPS | {"CAP_BPF"}))
    assert "chroot" not in allowed(today(DEFAULT_CAPS - {"CAP_SYS_CHROOT"}))
    assert "ptrace" not in allowed(today(kernel=(4, 4)))  # the 4.8 rule, not CAP_SYS_PTRACE


def test_architecture_decides_conditional_rules() -> None:
    arm = today(arch="arm64")
    assert arm.architectures == ("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM")
    assert "arch_prctl" not in allowed(arm) and "set_tls" in allowed(arm)


def test_delta_is_idempotent() -> None:
    once = todays_profile(load_profile())
    assert todays_profile(once) == once


def test_oci_object_is_what_dockerd_writes() -> None:
    oci = seccomp.oci_seccomp(DEFAULT_CAPS)
    assert oci["defaultAction"] == "SCMP_ACT_ERRNO" and oci["defaultErrnoRet"] == 1
    assert oci["architectures"] == list(seccomp.docker_default(DEFAULT_CAPS).architectures)
    clone3 = next(rule for rule in oci["syscalls"] if rule["names"] == ["clone3"])
    assert clone3 == {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}


def test_missing_profile_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(DfcError, match=f"missing .*install Debian's {PACKAGE}"):
        load_profile(tmp_path / "default.json")
    (tmp_path / "bad.json").write_text('{"syscalls": 1}')
    with pytest.raises(DfcError, match="not a Docker seccomp profile"):
        load_profile(tmp_path / "bad.json")


def test_bpf_is_compiled_once_per_capability_set() -> None:
    assert seccomp.bpf_program(DEFAULT_CAPS) is seccomp.bpf_program(DEFAULT_CAPS)
    assert seccomp.bpf_program(DEFAULT_CAPS | {"CAP_SYS_ADMIN"}) != seccomp.bpf_program()
