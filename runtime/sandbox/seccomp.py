"""The seccomp rule list of sandbox.policy, compiled two ways: BPF for the native backend and
the OCI `linux.seccomp` object for runc/crun.

The BPF program is compiled once per process in the parent, so the forked child only has to
hand it to the kernel with one prctl and does no allocation-heavy work after fork.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import tempfile
from typing import Any

import pyseccomp

from dfc.runtime.sandbox import linux as sys_
from dfc.runtime.sandbox.policy import SECCOMP_RULES

_NR_SCMP_ERROR = -1
_EXTRA_ARCHES = {
    "x86_64": (pyseccomp.Arch.X86, pyseccomp.Arch.X32),
    "aarch64": (pyseccomp.Arch.ARM,),
}
_OCI_ARCHES = {
    "x86_64": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "aarch64": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
}


def _known(name: str) -> bool:
    """libseccomp knows the name (negative numbers are its pseudo-syscalls for other arches)."""
    number: int = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name)
    return number != _NR_SCMP_ERROR


@functools.cache
def bpf_program() -> bytes:
    """The filter as raw `struct sock_filter` instructions (default allow, listed denied)."""
    flt = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    for arch in _EXTRA_ARCHES.get(platform.machine(), ()):
        flt.add_arch(arch)
    for rule in SECCOMP_RULES:
        args = [pyseccomp.Arg(0, pyseccomp.MASKED_EQ, rule.flag, rule.flag)] if rule.flag else []
        for name in filter(_known, rule.names):
            flt.add_rule(pyseccomp.ERRNO(rule.errno), name, *args)
    with tempfile.TemporaryFile() as out:
        flt.export_bpf(out)
        out.seek(0)
        return out.read()


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


def oci_seccomp() -> dict[str, Any]:
    """The same rules as an OCI runtime-spec `linux.seccomp` object."""
    syscalls: list[dict[str, Any]] = []
    for rule in SECCOMP_RULES:
        entry: dict[str, Any] = {"names": [n for n in rule.names if _known(n)],
                                 "action": "SCMP_ACT_ERRNO", "errnoRet": rule.errno}
        if rule.flag:
            entry["args"] = [{"index": 0, "value": rule.flag, "valueTwo": rule.flag,
                              "op": "SCMP_CMP_MASKED_EQ"}]
        syscalls.append(entry)
    return {"defaultAction": "SCMP_ACT_ALLOW",
            "architectures": _OCI_ARCHES.get(platform.machine(), []),
            "syscalls": syscalls}
