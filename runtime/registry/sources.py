"""Which repositories are known to hold a blob, so a push can mount instead of upload.

Docker keeps the same record ("distribution metadata"): a blob pulled from or pushed to
`host/a` can be mounted into `host/b` with one request. One small file per blob under
`<store>/distribution/`, one `registry/repository` per line; losing it costs only uploads.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from dfc.cache.fsutil import atomic_write, locked
from dfc.cache.store import Store, check_digest


def _path(store: Store, digest: str) -> Path:
    folder = store.root / "distribution"
    folder.mkdir(exist_ok=True)
    return folder / check_digest(digest).removeprefix("sha256:")


def sources(store: Store, digest: str) -> list[str]:
    """`registry/repository` names known to hold `digest`, most recent last."""
    path = _path(store, digest)
    return path.read_text().split() if path.is_file() else []


def remember(store: Store, digests: list[str], name: str) -> None:
    """Record that repository `name` (`registry/repository`) holds these blobs. A hint:
    replaced atomically but not synced (a power cut may lose it, costing an upload)."""
    with locked(_path(store, digests[0]).parent / ".lock") if digests else nullcontext():
        for digest in digests:
            before = sources(store, digest)
            if before[-1:] == [name]:
                continue  # already the latest: a repeated push or pull writes nothing
            known = [n for n in before if n != name]
            atomic_write(_path(store, digest), "\n".join([*known[-9:], name]).encode()
                         + b"\n", durable=False)
