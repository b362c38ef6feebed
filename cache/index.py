"""The cache index: key -> what the step produced, one small file per key in the store.

A result is only used when every blob it names is still in the store, so a pruned or
damaged store degrades to a cache miss, never to a broken image.
"""

from __future__ import annotations

import msgspec

from dfc.cache.oci import Descriptor
from dfc.cache.store import Store


class Result(msgspec.Struct, frozen=True, omit_defaults=True):
    """A step's output: its layer (None for a step that changed nothing), diff_id, and when
    it was made (its history `created`, so a cached rebuild gives the same image ID)."""

    layer: Descriptor | None = None
    diff_id: str | None = None
    created: str | None = None


_DECODER = msgspec.json.Decoder(Result)


def lookup(store: Store, key: str) -> Result | None:
    """The stored result of `key`, if it is complete."""
    raw = store.get_key(key)
    if raw is None:
        return None
    try:
        result = _DECODER.decode(raw)
    except msgspec.DecodeError:
        return None
    if result.layer is not None and not store.has_blob(result.layer.digest):
        return None
    store.touch_key(key)
    return result


def record(store: Store, key: str, result: Result) -> None:
    store.put_key(key, msgspec.json.encode(result))
