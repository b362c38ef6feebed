"""Compiled plans kept under the inputs that decide them, so an unchanged Dockerfile is
neither parsed nor lowered again (and lark and networkx are never imported).

The key covers the Dockerfile bytes and name, the build options and dfc's own version;
the record also names the base images the compiler resolved, with their manifest digests,
and is only used while every one of them still resolves to the same digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

import msgspec

from dfc.cache.fsutil import atomic_write
from dfc.cache.store import Store
from dfc.compiler.ir import Plan
from dfc.version import VERSION

FORMAT = "dfc-plan-v1"


class CachedPlan(msgspec.Struct, frozen=True):
    plan: Plan
    bases: dict[str, str]
    """Base image name -> the manifest digest it resolved to when compiling."""


_DECODER = msgspec.msgpack.Decoder(CachedPlan)
"""Made at import: msgspec's analysis of the IR's ~50 Struct types (~4 ms) then happens
once in a daemon that preloads dfc, instead of in every build it forks."""


def plan_key(dockerfile: bytes, name: str, build_args: Mapping[str, str], target: str | None,
             platform: str | None, contexts: bytes = b"") -> str:
    """The key of a compilation's inputs (`contexts`: the encoded `--build-context`s)."""
    extra = [contexts] if contexts else []
    payload = msgspec.msgpack.encode(
        [FORMAT, VERSION, name, dict(sorted(build_args.items())), target,
         platform, *extra]) + dockerfile
    return hashlib.sha256(payload).hexdigest()


def load(store: Store, key: str, current: Callable[[str], str | None]) -> Plan | None:
    """The cached plan for `key` if its base images are unchanged (`current` gives a
    base's manifest digest now, or None)."""
    path = store.root / "plans" / key
    try:
        cached = _DECODER.decode(path.read_bytes())
    except (OSError, msgspec.DecodeError):
        return None
    if any(current(name) != digest for name, digest in cached.bases.items()):
        return None
    return cached.plan


def save(store: Store, key: str, plan: Plan, bases: Mapping[str, str]) -> None:
    folder = store.root / "plans"
    folder.mkdir(exist_ok=True)
    atomic_write(folder / key, msgspec.msgpack.encode(CachedPlan(plan, dict(bases))))
