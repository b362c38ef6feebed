"""Merkle cache keys: a step's key is fixed by its parent's key, what the step does, and
the digests of exactly the inputs it reads.

This module holds the whole key policy: `keyed(step)` drops what cannot change the
result (span, history, proxy env, config fields a step does not read), and
`keyed_by_content(mount)` says which RUN mounts key by the content they read; the rest
is encoded with msgspec in deterministic order, so the same step under the same inputs
always has the same key.
"""

from __future__ import annotations

import hashlib

import msgspec

from dfc.compiler import ir

_ENCODER = msgspec.json.Encoder(order="deterministic")
VERSION = "dfc-cache-v1"

UNKEYED_FIELDS = frozenset({"span", "state", "history", "proxy_env"})
"""Step fields no result depends on: where it is written, its config state (keyed
through KEYED_STATE instead), its history text, and undeclared proxy values."""

KEYED_STATE: dict[type[ir.Step], tuple[str, ...]] = {
    ir.Run: ("env", "user", "workdir", "platform"),
}
"""The `state` fields a step's result depends on, by step type (only a RUN reads any:
a COPY's key does not change with ENV, for instance)."""


def keyed(step: ir.AnyStep) -> dict[str, object]:
    """The parts of a step its result depends on: what a cache key must hash.

    >>> from dfc.compiler.ir import DEFAULT_SHELL, Run, State
    >>> from dfc.source import Span
    >>> s = State(env=("A=1",), user="", workdir="/", shell=DEFAULT_SHELL, platform="p")
    >>> keyed(Run(span=Span(1, 1, 1, 2), state=s, argv=("true",), proxy_env=("x=1",)))
    {'kind': 'run', 'argv': ('true',), 'state': {'env': ('A=1',), 'user': '', \
'workdir': '/', 'platform': 'p'}}
    """
    view: dict[str, object] = {"kind": type(step).__struct_config__.tag}
    defaults = dict(zip(step.__struct_fields__, _defaults(type(step)), strict=True))
    for name in step.__struct_fields__:
        value = getattr(step, name)
        if name not in UNKEYED_FIELDS and value != defaults[name]:
            view[name] = value
    state_fields = KEYED_STATE.get(type(step), ())
    if state_fields:
        view["state"] = {name: getattr(step.state, name) for name in state_fields}
    return view


def _defaults(cls: type[ir.Step]) -> tuple[object, ...]:
    info = cls.__struct_defaults__
    padding = (msgspec.NODEFAULT,) * (len(cls.__struct_fields__) - len(info))
    return padding + info


def keyed_by_content(mount: ir.Mount) -> bool:
    """Does the content of the mount's source key the step? Binds and caches seeded
    `from=` a source, by its content (BuildKit's content-based mount deps); the contents
    of a cache, a tmpfs or a secret never do."""
    return mount.origin is not None and mount.type in ("bind", "cache")


def encode(payload: object) -> bytes:
    """The canonical bytes of a key's payload."""
    return _ENCODER.encode(payload)


def digest(payload: object) -> str:
    return "sha256:" + hashlib.sha256(encode(payload)).hexdigest()


def base_key(base: ir.Ref, resolved: str) -> str:
    """The key a stage starts from: `resolved` is the base image's manifest digest, the
    base stage's last key, or "" for scratch.

    >>> base_key(ir.Scratch(), "") == base_key(ir.Scratch(), "")
    True
    """
    return digest({"v": VERSION, "base": type(base).__struct_config__.tag, "from": resolved})


def step_key(parent: str, step: ir.AnyStep, inputs: tuple[str, ...] = ()) -> str:
    """The key of `step` run on top of `parent`, reading inputs with these digests."""
    return digest({"parent": parent, "step": keyed(step), "inputs": inputs})
