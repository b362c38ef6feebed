"""Docker's default confinement, written out once as data for both sandbox backends.

The native backend applies these tables with syscalls; the OCI backend writes them into
config.json. Keeping one source means the two backends cannot drift apart.
"""

from __future__ import annotations

import msgspec

HOSTNAME = "buildkitsandbox"
"""What `hostname` prints inside a RUN under BuildKit (executor/oci/hosts.go)."""



def hosts_file(hostname: str, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """The /etc/hosts BuildKit writes for a RUN, with `--add-host` (name, ip) lines."""
    lines = f"127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    return lines + "".join(f"{ip}\t{name}\n" for name, ip in extra)

CAPABILITIES: dict[str, int] = {
    "CAP_CHOWN": 0,
    "CAP_DAC_OVERRIDE": 1,
    "CAP_FOWNER": 3,
    "CAP_FSETID": 4,
    "CAP_KILL": 5,
    "CAP_SETGID": 6,
    "CAP_SETUID": 7,
    "CAP_SETPCAP": 8,
    "CAP_NET_BIND_SERVICE": 10,
    "CAP_NET_RAW": 13,
    "CAP_SYS_CHROOT": 18,
    "CAP_MKNOD": 27,
    "CAP_AUDIT_WRITE": 29,
    "CAP_SETFCAP": 31,
}
"""Docker's default capability set (moby oci/caps/defaults.go)."""

CAP_MASK = sum(1 << bit for bit in CAPABILITIES.values())
"""0xa80425fb: the CapEff a root process shows under `docker run`."""

MASKED_PATHS: tuple[str, ...] = (
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
)
"""Hidden behind /dev/null (files) or an empty read-only tmpfs (directories)."""

READONLY_PATHS: tuple[str, ...] = (
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
)


class Device(msgspec.Struct, frozen=True):
    """A host character device made visible in the container's /dev."""

    name: str
    major: int
    minor: int


DEVICES: tuple[Device, ...] = (
    Device("null", 1, 3),
    Device("zero", 1, 5),
    Device("full", 1, 7),
    Device("random", 1, 8),
    Device("urandom", 1, 9),
    Device("tty", 5, 0),
)

DEV_SYMLINKS: tuple[tuple[str, str], ...] = (
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
    ("ptmx", "pts/ptmx"),
    ("core", "/proc/kcore"),
)

ALL_CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
    "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
    "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
    "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
    "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)
"""Linux capabilities by bit number (linux/capability.h)."""


def capability_names(mask: int) -> frozenset[str]:
    """The `CAP_X` names of the bits set in `mask`, as seccomp profiles name them."""
    return frozenset(f"CAP_{name}" for bit, name in enumerate(ALL_CAPABILITIES)
                     if mask >> bit & 1)
