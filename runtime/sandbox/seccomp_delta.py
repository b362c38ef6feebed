"""What Docker changed in its default seccomp profile since the release Debian packages
(20.10.24): applied to the packaged file to give today's profile (Docker 29).

Each change is data with the Docker release that made it; applying it is idempotent, so a
newer packaged profile that already has a change is left as it is. docs/differences.md
lists the same changes as what a dockerd 20.10 answers differently.
"""

from __future__ import annotations

from dfc.runtime.sandbox.seccomp_profile import (
    ALLOW,
    EPERM,
    ArchMapEntry,
    Arg,
    Conditions,
    Profile,
    ProfileRule,
)

REMOVED: frozenset[str] = frozenset({"io_uring_setup", "io_uring_enter", "io_uring_register"})
"""Refused since Docker 25.0: io_uring performs I/O that no syscall filter sees."""

NOW_ALLOWED: frozenset[str] = frozenset({
    "cachestat", "fchmodat2", "futex_requeue", "futex_wait", "futex_wake", "getxattrat",
    "listmount", "listxattrat", "map_shadow_stack", "mseal", "name_to_handle_at",
    "pkey_alloc", "pkey_free", "pkey_mprotect", "removexattrat", "riscv_hwprobe",
    "setxattrat", "statmount", "uretprobe",
})
"""Calls allowed unconditionally since 20.10 (newer kernels' calls; name_to_handle_at no
longer needs CAP_SYS_ADMIN)."""

SOCKET_FAMILIES_BELOW = 12
SOCKET_FAMILIES: tuple[int, ...] = (13, 14, 15, 16, 17, 18, 21, 22, 24, 26, 27, 28, 29, 30, 31,
                                    32, 33, 35, 36, 39, 41, 42, 43, 44, 45)
"""`socket` is allowed for these address families only (Docker 29: AF_ALG 38, refused for
CVE-2026-31431, AF_VSOCK 40 and the obsolete families are not in it); 20.10 allowed all."""

ADDED_RULES: tuple[ProfileRule, ...] = (
    ProfileRule(("process_vm_readv", "process_vm_writev"), ALLOW,
                includes=Conditions(min_kernel="4.8")),
    ProfileRule(("bpf",), ALLOW, includes=Conditions(caps=("CAP_BPF",))),
    ProfileRule(("perf_event_open",), ALLOW, includes=Conditions(caps=("CAP_PERFMON",))),
    ProfileRule(("clock_settime64",), ALLOW, includes=Conditions(caps=("CAP_SYS_TIME",))),
    ProfileRule(("set_mempolicy_home_node",), ALLOW, includes=Conditions(caps=("CAP_SYS_NICE",))),
    ProfileRule(("lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr"), ALLOW,
                includes=Conditions(caps=("CAP_SYS_ADMIN",))),
    ProfileRule(("swapcontext",), ALLOW, includes=Conditions(arches=("ppc64le",))),
    ProfileRule(("riscv_flush_icache",), ALLOW, includes=Conditions(arches=("riscv64",))),
    ProfileRule(("socket",), ALLOW, args=(Arg(0, SOCKET_FAMILIES_BELOW, "SCMP_CMP_LT"),)),
    *(ProfileRule(("socket",), ALLOW, args=(Arg(0, family, "SCMP_CMP_EQ"),))
      for family in SOCKET_FAMILIES),
)
"""Rules Docker added after 20.10 (capability-gated calls, per-architecture calls, the
socket family allowlist); ptrace's kernel >= 4.8 rule now covers process_vm_*."""

ADDED_ARCHES: tuple[ArchMapEntry, ...] = (ArchMapEntry("SCMP_ARCH_RISCV64"),
                                          ArchMapEntry("SCMP_ARCH_LOONGARCH64"))


def _unconditional(rule: ProfileRule) -> bool:
    return (rule.action == ALLOW and not rule.args and not rule.includes.caps
            and not rule.includes.arches and not rule.includes.min_kernel
            and not rule.excludes.caps and not rule.excludes.arches)


def _changed(rule: ProfileRule, first_unconditional: bool) -> ProfileRule | None:
    """`rule` without the removed calls; the main allowlist gains NOW_ALLOWED and loses its
    blanket `socket`; other rules drop what is now allowed unconditionally."""
    names = [n for n in rule.names if n not in REMOVED]
    if first_unconditional:
        names = [n for n in names if n != "socket"]
        names += sorted(NOW_ALLOWED - set(names))
    else:
        names = [n for n in names if n not in NOW_ALLOWED]
    return ProfileRule(tuple(names), rule.action, rule.args or (), rule.errno_ret, rule.includes,
                       rule.excludes) if names else None


def todays_profile(packaged: Profile) -> Profile:
    """`packaged` with Docker's changes since 20.10 applied (idempotent)."""
    rules: list[ProfileRule] = []
    main_seen = False
    for rule in packaged.syscalls:
        is_main = not main_seen and _unconditional(rule)
        main_seen = main_seen or is_main
        changed = _changed(rule, is_main)
        if changed is not None and changed not in rules:
            rules.append(changed)
    rules += [rule for rule in ADDED_RULES if rule not in rules]
    arches = {entry.architecture for entry in packaged.arch_map}
    arch_map = (*packaged.arch_map, *(e for e in ADDED_ARCHES if e.architecture not in arches))
    return Profile(packaged.default_action, tuple(rules), arch_map,
                   packaged.default_errno_ret or EPERM)
