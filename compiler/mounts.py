"""`RUN --mount` options to resolved `Mount`s, with BuildKit's defaults filled in.

Option values are expanded with the stage env, except `from`, which names a stage or
an image like `COPY --from` (commands_runmount.go).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from dfc.compiler.ir import ContextRef, Mount, Plan, Stage
from dfc.compiler.refs import mount_from_ref
from dfc.errors import CompileError
from dfc.grammar import ast

_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$", re.IGNORECASE)


def _bool(key: str, value: str | None) -> bool:
    if value is None or value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CompileError(f"invalid value for {key}: {value}")


def _int(key: str, value: str, base: int = 10) -> int:
    try:
        return int(value, base)
    except ValueError:
        raise CompileError(f"invalid value for {key}: {value}") from None


def _size(value: str) -> int:
    """go-units RAMInBytes: binary multiples, `64m` = 64 MiB.

    >>> _size("64m"), _size("1g"), _size("512")
    (67108864, 1073741824, 512)
    """
    match = _SIZE.match(value)
    if not match:
        raise CompileError(f"invalid value for size: {value}")
    power = "bkmgtp".index((match.group(2) or "b").lower())
    return int(float(match.group(1)) * 1024**power)


def lower_mount(
    mount: ast.Mount,
    index: int,
    expand: Callable[[str], str],
    plan: Plan,
    stage: Stage,
    workdir: str,
) -> Mount:
    """One resolved mount; `index` numbers ssh mounts' default targets."""
    values: dict[str, str | None] = {}
    for key, raw in mount.options:
        values[key] = raw if raw is None or key == "from" else expand(raw)

    def get(*names: str) -> str | None:
        return next((values[n] for n in names if n in values), None)

    def required() -> bool:
        """`required` alone means true; `required=false` is false."""
        return "required" in values and _bool("required", values["required"] or "true")

    target = get("target", "dst", "destination") or ""
    if target and not target.startswith("/"):
        target = posixpath.normpath(posixpath.join(workdir or "/", target))
    source = get("source", "src") or ""
    mode = get("mode")
    uid, gid = get("uid"), get("gid")
    kind = mount.type
    fields: dict[str, object] = {}
    if mode is not None:
        fields["mode"] = _int("mode", mode, 8)
    if uid is not None:
        fields["uid"] = _int("uid", uid)
    if gid is not None:
        fields["gid"] = _int("gid", gid)
    readonly = any(_bool(k, values[k]) for k in ("readonly", "ro") if k in values)
    writable = any(_bool(k, values[k]) for k in ("readwrite", "rw") if k in values)
    origin = None
    if "from" in values and values["from"]:
        origin = mount_from_ref(values["from"] or "", plan, stage)
    if kind == "bind":
        origin = origin or ContextRef()
        fields.update(readonly=not writable, source=source)
    elif kind == "cache":
        fields.update(
            id=get("id") or target,
            sharing=get("sharing") or "shared",
            readonly=readonly,
            source=source,
        )
        fields.setdefault("mode", 0o755)
    elif kind == "tmpfs":
        if (size := get("size")) is not None:
            fields["size"] = _size(size)
    elif kind == "secret":
        ident = get("id") or source or (posixpath.basename(target) if target else "")
        if not ident:
            raise CompileError("one of source, target required")
        env = get("env") or ""
        target = target or ("" if env else f"/run/secrets/{ident}")
        fields.update(id=ident, env=env, required=required())
        fields.setdefault("mode", 0o400)
    else:
        fields.update(id=get("id") or "default", required=required())
        target = target or f"/run/buildkit/ssh_agent.{index}"
        fields.setdefault("mode", 0o600)
    if kind in ("bind", "cache", "tmpfs") and not target:
        raise CompileError(f"mount type {kind} requires a target")
    if fields.get("sharing") not in (None, "shared", "private", "locked"):
        raise CompileError(f"unrecognized sharing parameter {fields['sharing']}")
    # `fields` holds what each mount type sets above; mypy cannot tie keys to field types.
    return Mount(type=kind, target=target, origin=origin, **fields)  # type: ignore[arg-type]
