"""`-v`, `--mount` and `--tmpfs` as docker reads them, and the mount points a container
records (`.Mounts` of `docker inspect`, plus what the sandbox needs to mount them).

The words of each refusal are docker's: the CLI's own (`invalid argument "..." for
"--mount" flag: ...`) for what the docker client checks, the daemon's
(`invalid mount config for type ...`) for the rest.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

import msgspec

from dfc.runtime.containers.errors import ContainerError, not_supported

_PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave")
_LABELS = ("z", "Z")
_TMPFS_FLAGS = ("nosuid", "nodev", "noexec")
_TMPFS_DATA = ("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol", "huge")
_TMPFS_CLEARS = ("rw", "ro", "exec", "suid", "dev", "async", "atime", "diratime",
                 "relatime")
"""Words that only leave a flag off (`ro` is the mount point's `rw`)."""


class MountPoint(msgspec.Struct, frozen=True):
    """One mount of a container: docker's MountPoint fields and the sandbox's details."""

    type: str
    """`volume`, `bind` or `tmpfs`."""
    destination: str
    source: str = ""
    """A host folder or file (bind), the volume's name (volume), empty (tmpfs)."""
    mode: str = ""
    rw: bool = True
    propagation: str = ""
    anonymous: bool = False
    nocopy: bool = False
    """`volume-nocopy`/`nocopy`: an empty volume is not filled from the image."""
    tmpfs_options: tuple[str, ...] = ()
    shown: bool = True
    """In `.Mounts` (docker 20.10 leaves `--tmpfs` mounts out of it)."""
    must_exist: bool = False
    """A `--mount type=bind` source must exist; a `-v` one is created."""


class Requested(msgspec.Struct, frozen=True):
    """What the flags asked for, before volumes are made: the mount points and docker's
    HostConfig/Config records of them."""

    points: tuple[MountPoint, ...] = ()
    binds: tuple[str, ...] = ()
    mounts: tuple[dict[str, object], ...] = ()
    tmpfs: dict[str, str] = {}
    anonymous: tuple[str, ...] = ()
    """`-v /path` destinations (Config.Volumes)."""


def _daemon(kind: str, message: str) -> ContainerError:
    return ContainerError(f'invalid mount config for type "{kind}": {message}')


def _absolute(kind: str, path: str) -> str:
    if not path.startswith("/"):
        raise _daemon(kind, f"invalid mount path: '{path}' mount path must be absolute")
    return posixpath.normpath(path) if path != "/" else path


def _check_mode(mode: str) -> tuple[bool, str, bool]:
    """(rw, propagation, nocopy) of a `-v` mode like `ro,z`; docker's `invalid mode`."""
    rw_seen = prop_seen = label_seen = copy_seen = 0
    rw, propagation, nocopy = True, "", False
    for part in mode.split(","):
        if part in ("ro", "rw"):
            rw_seen += 1
            rw = part == "rw"
        elif part in _PROPAGATIONS:
            prop_seen += 1
            propagation = part
        elif part in _LABELS:
            label_seen += 1
        elif part in ("nocopy", "copy"):
            copy_seen += 1
            nocopy = part == "nocopy"
        else:
            raise ContainerError(f"invalid mode: {mode}")
    if max(rw_seen, prop_seen, label_seen, copy_seen) > 1:
        raise ContainerError(f"invalid mode: {mode}")
    return rw, propagation, nocopy


def parse_volume(raw: str) -> MountPoint:
    """One `-v` value: `/path` (anonymous volume), `name:/path[:mode]` (named volume) or
    `/host:/path[:mode]` (bind; a missing host folder is created at start)."""
    if not raw:
        raise ContainerError("invalid empty volume spec")
    parts = raw.split(":")
    if len(parts) > 3 or (len(parts) == 2 and parts[1] and _is_mode(parts[1])):
        raise ContainerError(f"invalid volume specification: '{raw}'")
    if len(parts) == 1:
        dest = _spec_path(raw, "volume", parts[0])
        return MountPoint("volume", dest, anonymous=True)
    source, dest, mode = parts[0], parts[1], parts[2] if len(parts) == 3 else ""
    if not source or not dest:
        raise ContainerError(f"invalid volume specification: '{raw}'")
    kind = "bind" if source.startswith("/") else "volume"
    dest = _spec_path(raw, kind, dest)
    rw, propagation, nocopy = _check_mode(mode) if mode else (True, "", False)
    if kind == "bind":
        if nocopy:
            raise ContainerError(f"invalid mode: {mode}")
        return MountPoint("bind", dest, posixpath.normpath(source), mode, rw,
                          propagation or "rprivate")
    return MountPoint("volume", dest, source, mode or "z", rw, nocopy=nocopy)


def _is_mode(text: str) -> bool:
    try:
        _check_mode(text)
    except ContainerError:
        return False
    return True


def _spec_path(raw: str, kind: str, path: str) -> str:
    try:
        return _absolute(kind, path)
    except ContainerError as exc:
        raise ContainerError(f"invalid volume specification: '{raw}': {exc.message}"
                             ) from None


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?", re.IGNORECASE)


def ram_bytes(text: str) -> int | None:
    """Go's units.RAMInBytes: `64m`, `1g`, `512k`, `100` (bytes); binary multiples."""
    m = _SIZE.fullmatch(text.strip())
    if not m:
        return None
    scale = 1024 ** " kmgtp".index(m.group(2).lower() or " ")
    return int(float(m.group(1)) * scale)


def _flag_bool(spec: str, key: str, value: str | None) -> bool:
    if value is None:
        return True
    lowered = value.lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    raise _cli(spec, f"invalid value for {key}: {value}")


def _cli(spec: str, message: str) -> ContainerError:
    return ContainerError(f'invalid argument "{spec}" for "--mount" flag: {message}')


def parse_mount(spec: str) -> tuple[MountPoint, dict[str, object]]:
    """One `--mount` value: the mount point and HostConfig.Mounts' entry for it."""
    kind, source, target = "volume", "", ""
    readonly = nocopy = False
    size: int | None = None
    mode: int | None = None
    propagation = ""
    for field in spec.split(","):
        key, eq, value = field.partition("=")
        key = key.strip().lower()
        val = value if eq else None
        if key == "type":
            kind = value
        elif key in ("source", "src"):
            source = value
        elif key in ("target", "destination", "dst"):
            target = value
        elif key in ("readonly", "ro"):
            readonly = _flag_bool(spec, key, val)
        elif key == "volume-nocopy":
            nocopy = _flag_bool(spec, key, val)
        elif key == "bind-propagation":
            propagation = value
        elif key == "tmpfs-size":
            size = ram_bytes(value)
            if size is None:
                raise _cli(spec, f"invalid value for {key}: {value}")
        elif key == "tmpfs-mode":
            try:
                mode = int(value, 8)
            except ValueError:
                raise _cli(spec, f"invalid value for {key}: {value}") from None
        elif key == "consistency":
            pass  # (docker ignores it on Linux)
        elif key == "volume-driver" and value in ("", "local"):
            pass
        elif key in ("volume-driver", "volume-label", "volume-opt", "bind-nonrecursive"):
            raise not_supported(f"--mount {key}")
        else:
            raise _cli(spec, f"unexpected key '{key}' in '{field}'")
    if not target:
        raise _cli(spec, "target is required")
    if kind not in ("volume", "bind", "tmpfs"):
        raise _daemon(kind, "mount type unknown")
    entry: dict[str, object] = {"Type": kind}
    if source:
        entry["Source"] = source
    entry["Target"] = target
    if readonly:
        entry["ReadOnly"] = True
    if kind == "tmpfs":
        if source:
            raise _daemon(kind, "field Source must not be specified")
        dest = _absolute(kind, target)
        options = [f"size={size}"] if size is not None else []
        if mode is not None:
            options.append(f"mode={mode:o}")
        tmpfs: dict[str, object] = {}
        if size is not None:
            tmpfs["SizeBytes"] = size
        if mode is not None:
            tmpfs["Mode"] = mode
        entry["TmpfsOptions"] = tmpfs
        return MountPoint("tmpfs", dest, rw=not readonly,
                          tmpfs_options=("nosuid", "nodev", "noexec", *options)), entry
    if kind == "bind":
        if not source:
            raise _daemon(kind, "field Source must not be empty")
        _absolute(kind, source)
        dest = _absolute(kind, target)
        if propagation and propagation not in _PROPAGATIONS:
            raise _cli(spec, f"invalid value for {'bind-propagation'}: {propagation}")
        if propagation:
            entry["BindOptions"] = {"Propagation": propagation}
        return MountPoint("bind", dest, posixpath.normpath(source), "", not readonly,
                          propagation or "rprivate", must_exist=True), entry
    dest = _absolute(kind, target)
    entry["VolumeOptions"] = {**({"NoCopy": True} if nocopy else {}), "DriverConfig": {}}
    if not source:
        return MountPoint("volume", dest, rw=not readonly, anonymous=True, nocopy=nocopy,
                          mode="z"), entry
    return MountPoint("volume", dest, source, "z", not readonly, nocopy=nocopy), entry


def parse_tmpfs(raw: str) -> tuple[MountPoint, str, str]:
    """One `--tmpfs /path[:options]`: the mount point, its path and options text."""
    path, _, text = raw.partition(":")
    dest = _absolute("tmpfs", path)
    options = [o for o in text.split(",") if o] if text else []
    defaults = [o for o in ("nosuid", "nodev", "noexec")  # unless it or its opposite is given
                if o not in options and o.removeprefix("no") not in options]
    kept = []
    for option in options:
        key = option.partition("=")[0]
        if option in _TMPFS_FLAGS or (key in _TMPFS_DATA and "=" in option):
            kept.append(option)
        elif option not in _TMPFS_CLEARS:
            raise not_supported(f"--tmpfs option {option}")
    read_only = "ro" in options
    return (MountPoint("tmpfs", dest, rw=not read_only, tmpfs_options=(*defaults, *kept),
                       shown=False), path, text)


def requested(volumes: Sequence[str], mounts: Sequence[str], tmpfs: Sequence[str],
              image_volumes: Sequence[str]) -> Requested:
    """Every mount a container asked for, plus an anonymous volume for each of the image's
    VOLUME paths no flag covers; docker's `Duplicate mount point` for two at one path."""
    points: list[MountPoint] = []
    binds: list[str] = []
    anonymous: list[str] = []
    for raw in volumes:
        point = parse_volume(raw)
        if point.anonymous:  # (Config.Volumes, like the image's: any other mount wins)
            anonymous.append(point.destination)
        else:
            points.append(point)
            binds.append(raw)
    entries = []
    for raw in mounts:
        point, entry = parse_mount(raw)
        points.append(point)
        entries.append(entry)
    tmpfs_map: dict[str, str] = {}
    for raw in tmpfs:
        point, path, text = parse_tmpfs(raw)
        points.append(point)
        tmpfs_map[path] = text
    seen: set[str] = set()
    for point in points:
        if point.destination in seen:
            raise ContainerError(f"Duplicate mount point: {point.destination}")
        seen.add(point.destination)
    for path in [*image_volumes, *anonymous]:
        dest = posixpath.normpath(path) if path != "/" else path
        if dest not in seen:
            points.append(MountPoint("volume", dest, anonymous=True))
            seen.add(dest)
    return Requested(tuple(points), tuple(binds), tuple(entries), tmpfs_map,
                     tuple(anonymous))
