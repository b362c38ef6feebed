"""ADD's local archives: recognised by content, extracted as layer entries, never outside.

Docker extracts any source that decompresses (gzip, bzip2, xz, zstd or none) to something whose
first tar header reads, whatever its name. Extraction goes through the layer extractor,
which refuses `..`, absolute escapes, writes through symlinks and hardlinks to the outside.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import msgspec

from dfc.runtime.fs.layer import Entry, decompressed, tree_entries
from dfc.runtime.fs.snapshots import extract_layer


def is_archive(path: str) -> bool:
    """True when the file is a (possibly compressed) tar archive."""
    try:
        with open(path, "rb") as raw, decompressed(raw) as stream:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                return tar.next() is not None
    except (tarfile.TarError, OSError, EOFError, ValueError):
        return False
    except Exception:  # a decompressor choking on garbage means "not an archive"
        return False


def archive_entries(path: str, dest: str, scratch: str) -> Iterator[Entry]:
    """Extract `path` under `scratch` and yield its entries placed below `dest`."""
    folder = tempfile.mkdtemp(prefix="add-", dir=scratch)
    with open(path, "rb") as raw, decompressed(raw) as stream:
        extract_layer(stream, Path(folder), mode="apply")
    for entry in tree_entries(folder):
        target = os.path.join(dest, entry.path) if dest else entry.path
        yield msgspec.structs.replace(entry, path=target)
