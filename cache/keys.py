"""Merkle cache keys: a step's key is fixed by its parent's key, what the step does, and
the digests of exactly the inputs it reads.

`keyed(step)` (compiler/ir.py) drops what cannot change the result (span, history,
proxy env, config fields a step does not read); the rest is encoded with msgspec in
deterministic order, so the same step under the same inputs always has the same key.
"""

from __future__ import annotations

import hashlib

import msgspec

from dfc.compiler import ir

_ENCODER = msgspec.json.Encoder(order="deterministic")
VERSION = "dfc-cache-v1"


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
    return digest({"parent": parent, "step": ir.keyed(step), "inputs": inputs})
