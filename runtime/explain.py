"""Why a step missed the cache: the last build of the same step, compared with this one.

Each executed or newly keyed step leaves a small record (its key, its parent key, what
its base was, its definition and the per-file digests of its inputs) under an identity
that survives edits: the context folder, the Dockerfile name, the stage and the step's
position. On a miss the previous record names the cause: a changed file, an ARG or ENV
value, the command, the base image, or the step before.
"""

from __future__ import annotations

import hashlib
import json

import msgspec

from dfc.cache.fsutil import atomic_write
from dfc.cache.store import Store

MAX_FILES = 5


class StepRecord(msgspec.Struct, frozen=True):
    key: str
    parent: str
    base: str
    step: str
    """The keyed step as JSON (what the key hashes)."""
    files: tuple[tuple[str, str], ...] = ()


_DECODER = msgspec.msgpack.Decoder(StepRecord)


def identity(context: str, dockerfile: str, stage: int, step: int) -> str:
    return hashlib.sha256(f"{context}\0{dockerfile}\0{stage}\0{step}".encode()).hexdigest()


def load(store: Store, ident: str) -> StepRecord | None:
    try:
        return _DECODER.decode((store.root / "explain" / ident).read_bytes())
    except (OSError, msgspec.DecodeError):
        return None


def save(store: Store, ident: str, record: StepRecord) -> None:
    folder = store.root / "explain"
    folder.mkdir(exist_ok=True)
    atomic_write(folder / ident, msgspec.msgpack.encode(record))


def reason(previous: StepRecord | None, current: StepRecord) -> str:
    """One line that says why `current` is not the step `previous` recorded."""
    if previous is None:
        return "no earlier build of this step"
    if previous.key == current.key:
        return "the cached result is gone (pruned or never recorded)"
    causes = _step_changes(json.loads(previous.step), json.loads(current.step))
    causes += _file_changes(dict(previous.files), dict(current.files))
    if previous.base != current.base:
        causes.append(f"base changed: {previous.base} -> {current.base}")
    elif previous.parent != current.parent and not causes:
        causes.append("the step before it changed")
    return "; ".join(causes) or "its inputs changed"


def _step_changes(old: dict[str, object], new: dict[str, object]) -> list[str]:
    causes: list[str] = []
    old_state = old.pop("state", {}) or {}
    new_state = new.pop("state", {}) or {}
    assert isinstance(old_state, dict) and isinstance(new_state, dict)
    causes += _env_changes(old_state.pop("env", []), new_state.pop("env", []))
    for name in sorted(set(old_state) | set(new_state)):
        if old_state.get(name) != new_state.get(name):
            causes.append(f"{name} changed: {old_state.get(name)!r} -> {new_state.get(name)!r}")
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            causes.append(f"{name} changed")
    return causes


def _env_changes(old: list[str], new: list[str]) -> list[str]:
    before = dict(item.partition("=")[::2] for item in old)
    after = dict(item.partition("=")[::2] for item in new)
    causes = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            causes.append(f"ARG/ENV {name} removed")
        elif name not in before:
            causes.append(f"ARG/ENV {name} added ({after[name]!r})")
        elif before[name] != after[name]:
            causes.append(f"ARG/ENV {name} changed: {before[name]!r} -> {after[name]!r}")
    return causes


def _file_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    changes = [f"file changed: {p}" for p in sorted(old) if p in new and old[p] != new[p]]
    changes += [f"file added: {p}" for p in sorted(set(new) - set(old))]
    changes += [f"file removed: {p}" for p in sorted(set(old) - set(new))]
    if len(changes) > MAX_FILES:
        changes = [*changes[:MAX_FILES], f"and {len(changes) - MAX_FILES} more file changes"]
    return changes
