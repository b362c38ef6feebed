"""Docker's default seccomp profile (sandbox.seccomp_profile, resolved for the container's
capabilities), compiled two ways: BPF for the native backend and the OCI `linux.seccomp`
object for runc/crun, so both backends enforce the same rules.

The BPF program is compiled once per process and capability set, in the parent, so the
forked child only has to hand it to the kernel with one prctl and does no
allocation-heavy work after fork.
"""

from __future__ import annotations

import ctypes
import functools
import tempfile
from typing import Any

import pyseccomp

from dfc.runtime import linux as sys_
from dfc.runtime.sandbox import seccomp_enosys
from dfc.runtime.sandbox.seccomp_delta import todays_profile
from dfc.runtime.sandbox.seccomp_profile import (
    ALLOW,
    DEFAULT_CAPS,
    Arg,
    Resolved,
    Rule,
    kernel_version,
    load_profile,
    native_arch,
    resolve,
)

_NR_SCMP_ERROR = -1
_OPS = {"SCMP_CMP_NE": pyseccomp.NE, "SCMP_CMP_LT": pyseccomp.LT, "SCMP_CMP_LE": pyseccomp.LE,
        "SCMP_CMP_EQ": pyseccomp.EQ, "SCMP_CMP_GE": pyseccomp.GE, "SCMP_CMP_GT": pyseccomp.GT,
        "SCMP_CMP_MASKED_EQ": pyseccomp.MASKED_EQ}


@functools.cache
def docker_default(caps: frozenset[str] = DEFAULT_CAPS) -> Resolved:
    """Today's Docker default profile for a container whose bounding set is `caps`, on
    this machine: Debian's packaged profile plus Docker's changes since (seccomp_delta)."""
    return resolve(todays_profile(load_profile()), caps, native_arch(), kernel_version())


def _known(name: str) -> bool:
    """libseccomp knows the name (negative numbers are its pseudo-syscalls for other arches);
    runc skips the names it does not know in the same way."""
    number: int = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
    return number != _NR_SCMP_ERROR


def _conditions(args: tuple[Arg, ...]) -> list[list[Any]]:
    """The argument sets to add a rule for: all together, or one rule per comparison when
    two compare the same argument: runc ORs those, so the profile means that."""
    converted = [pyseccomp.Arg(a.index, _OPS[a.op], a.value, a.value_two) for a in args]
    if len({a.index for a in args}) < len(args):
        return [[arg] for arg in converted]
    return [converted]


def _errno(rule: Rule, default_errno: int) -> int:
    return rule.errno if rule.errno is not None else default_errno


@functools.cache
def bpf_program(caps: frozenset[str] = DEFAULT_CAPS) -> bytes:
    """The filter as raw `struct sock_filter` instructions, for a container with `caps`:
    runc's ENOSYS stub for calls newer than the profile, then libseccomp's program."""
    profile = docker_default(caps)
    flt = pyseccomp.SyscallFilter(pyseccomp.ERRNO(profile.default_errno))
    # A binary tree over syscall numbers, not a linear list: the kernel walks the filter
    # for every syscall number when it installs it (its per-number cache), and this halves
    # that (~0.4 ms a step against ~0.9 ms); the rules are the same.
    flt.set_attr(pyseccomp.Attr.CTL_OPTIMIZE, 2)
    for arch in profile.architectures[1:]:
        flt.add_arch(getattr(pyseccomp.Arch, arch.removeprefix("SCMP_ARCH_")))
    for rule in profile.rules:
        errno = _errno(rule, profile.default_errno)
        if rule.action != ALLOW and errno == profile.default_errno:
            continue  # the default action already: libseccomp refuses such a rule
        action = pyseccomp.ALLOW if rule.action == ALLOW else pyseccomp.ERRNO(errno)
        for name in filter(_known, rule.names):
            for args in _conditions(rule.args):
                flt.add_rule(action, name, *args)
    with tempfile.TemporaryFile() as out:
        flt.export_bpf(out)
        out.seek(0)
        program = out.read()
    names = [name for rule in profile.rules for name in rule.names]
    return seccomp_enosys.stub(profile.architectures, names) + program


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class LoadableFilter:
    """A `struct sock_fprog` built before fork, so loading it is a single syscall."""

    def __init__(self, program: bytes):
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self.prog = _SockFprog(len(program) // 8, ctypes.addressof(self._buffer))


def load(filt: LoadableFilter) -> None:
    """Install the filter on the calling thread; needs no_new_privs or CAP_SYS_ADMIN."""
    sys_.prctl(sys_.PR_SET_SECCOMP, sys_.SECCOMP_MODE_FILTER, ctypes.addressof(filt.prog))


def _oci_rule(rule: Rule) -> dict[str, Any]:
    entry: dict[str, Any] = {"names": [n for n in rule.names if _known(n)],
                             "action": rule.action}
    if rule.errno is not None:
        entry["errnoRet"] = rule.errno
    if rule.args:
        entry["args"] = [{"index": a.index, "value": a.value, "valueTwo": a.value_two,
                          "op": a.op} for a in rule.args]
    return entry


def oci_seccomp(caps: frozenset[str] = DEFAULT_CAPS) -> dict[str, Any]:
    """The same profile as an OCI runtime-spec `linux.seccomp` object, as dockerd writes it."""
    profile = docker_default(caps)
    return {"defaultAction": profile.default_action,
            "defaultErrnoRet": profile.default_errno,
            "architectures": list(profile.architectures),
            "syscalls": [entry for entry in map(_oci_rule, profile.rules) if entry["names"]]}
