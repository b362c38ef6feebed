"""runc's answer to calls newer than the profile: ENOSYS, not the default EPERM.

A call the filter has never heard of (its number is above every call the profile names)
may be one libc tries first and falls back from on ENOSYS (fchmodat2, clone3, ...). runc
puts a few BPF instructions before libseccomp's program that answer ENOSYS to any number
above the highest one the profile's rules name, per architecture; Docker's containers get
that answer, so the native backend prepends the same stub.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

import pyseccomp

_LD_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ, _JGT, _JSET = 0x15, 0x25, 0x45  # BPF_JMP | op | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
_NR, _ARCH = 0, 4  # offsets in struct seccomp_data
_RET_ERRNO = 0x00050000
_ENOSYS = 38
_X32_BIT = 0x40000000
_AUDIT_X86_64 = 0xC000003E
_NO_NUMBER = -1


def _last(arch: int, names: Iterable[str]) -> int:
    """The highest number among `names` on `arch` (libseccomp's token), -1 if none."""
    numbers = (pyseccomp.resolve_syscall(arch, name) for name in names)
    return max((n for n in numbers if n >= 0), default=_NO_NUMBER)


def stub(arch_names: Iterable[str], names: Iterable[str]) -> bytes:
    """`struct sock_filter` instructions to run before the filter: ENOSYS for a call
    numbered above the last of `names` on its architecture, else on to the filter.

    `arch_names` are the filter's SCMP_ARCH_* names. x32 shares x86_64's audit arch and is
    told apart by the x32 bit of the call number."""
    names = tuple(names)
    lasts = {name: _last(getattr(pyseccomp.Arch, name.removeprefix("SCMP_ARCH_")), names)
             for name in arch_names}
    code: list[tuple[int | str, int | str, int | str, int]] = []
    for name, last in lasts.items():
        if name == "SCMP_ARCH_X32" or last == _NO_NUMBER:
            continue
        audit = getattr(pyseccomp.Arch, name.removeprefix("SCMP_ARCH_"))
        x32_last = lasts.get("SCMP_ARCH_X32", _NO_NUMBER) if audit == _AUDIT_X86_64 else None
        next_arch = f"after-{name}"
        code.append((_LD_ABS, 0, 0, _ARCH))
        code.append((_JEQ, 0, next_arch, audit))
        code.append((_LD_ABS, 0, 0, _NR))
        if x32_last is not None:
            # x32 calls (the bit set): above x32's last, or, with no x32 rule, any.
            code.append((_JSET, 0, 1, _X32_BIT))
            code.append((_JGT, "enosys", "filter", max(x32_last, _X32_BIT - 1)))
        code.append((_JGT, "enosys", "filter", last))
        code.append((next_arch, 0, 0, 0))
    code.append(("filter-jump", 0, 0, 0))
    code.append(("enosys", 0, 0, 0))
    return _assemble(code)


def _assemble(code: list[tuple[int | str, int | str, int | str, int]]) -> bytes:
    """Resolve labels (pseudo-instructions whose first field is a name) into the relative
    jumps of classic BPF: `filter` is the first instruction after the stub."""
    labels: dict[str, int] = {}
    real: list[tuple[int, int | str, int | str, int]] = []
    for op, jt, jf, k in code:
        if isinstance(op, str):
            labels[op] = len(real)
            if op == "filter-jump":
                real.append((_JEQ, "filter", "filter", 0))  # always jumps over the ret
            elif op == "enosys":
                real.append((_RET, 0, 0, _RET_ERRNO | _ENOSYS))
        else:
            real.append((op, jt, jf, k))
    labels["filter"] = len(real)
    out = bytearray()
    for pc, (op, jt, jf, k) in enumerate(real):
        def offset(target: int | str, pc: int = pc) -> int:
            return labels[target] - pc - 1 if isinstance(target, str) else target
        out += struct.pack("=HBBI", op, offset(jt), offset(jf), k)
    return bytes(out)
