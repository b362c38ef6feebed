"""Which images `dfc images` shows, and the fields of its rows, as Docker computes them.

Filters of one key are alternatives, different keys must all hold (Docker's rule).
`reference` patterns are Go `path.Match` globs (`*` stops at `/`) tried against
`repo:tag` and `repo`, in familiar form; with one, only matching names are listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dfc.cache.store import Store
from dfc.commands.formatting import go_time, human_size, since
from dfc.errors import DfcError
from dfc.reference import familiar, split_name
from dfc.runtime.images.describe import ImageView, all_images

_KEYS = ("dangling", "label", "before", "since", "reference")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Go's `path.Match` pattern as a regex.

    >>> bool(glob_regex("dfc*:o*").fullmatch("dfcoracle:one"))
    True
    >>> bool(glob_regex("*").fullmatch("me/app"))
    False
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                raise DfcError(f"invalid reference pattern {pattern!r}: syntax error")
            body = pattern[i + 1:end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def _parse(filters: Sequence[str]) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or key not in _KEYS:
            raise DfcError(f"Invalid filter '{key}'")
        if key == "dangling" and value.lower() not in _BOOLS:
            raise DfcError(f"Invalid filter 'dangling=[{value}]'")
        parsed.setdefault(key, []).append(value)
    return parsed


def _labels_match(image: ImageView, wanted: list[str]) -> bool:
    labels = image.config.config.labels or {}
    for item in wanted:
        key, sep, value = item.partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    return True


def _created(store: Store, ref: str) -> str:
    from dfc.runtime.images.describe import read

    return read(store, store.resolve(ref))[1].created or ""


def select(store: Store, filters: Sequence[str]) -> list[tuple[ImageView, tuple[str, ...]]]:
    """The images to list (newest first), each with the names to show for it."""
    parsed = _parse(filters)
    before = [_created(store, ref) for ref in parsed.get("before", [])]
    after = [_created(store, ref) for ref in parsed.get("since", [])]
    patterns = [glob_regex(p) for p in parsed.get("reference", [])]
    out = []
    for image in all_images(store):
        created = image.config.created or ""
        if "dangling" in parsed and not any(
                _BOOLS[v.lower()] == image.dangling for v in parsed["dangling"]):
            continue
        if "label" in parsed and not _labels_match(image, parsed["label"]):
            continue
        if any(created >= limit for limit in before) or any(created <= s for s in after):
            continue
        names = image.record.names
        if patterns:
            names = tuple(n for n in names if any(
                p.fullmatch(familiar(n)) or p.fullmatch(split_name(n)[0]) for p in patterns))
            if not names:
                continue
        out.append((image, names))
    return out


def image_rows(selected: Sequence[tuple[ImageView, tuple[str, ...]]], no_trunc: bool
               ) -> list[dict[str, str]]:
    """One row per name (one `<none>` row for an image without names), Docker's fields."""
    rows = []
    for image, names in selected:
        image_id = image.id if no_trunc else image.id.removeprefix("sha256:")[:12]
        common = {
            "ID": image_id, "Digest": image.record.manifest.digest,
            "CreatedSince": since(image.created), "CreatedAt": go_time(image.created),
            "Size": human_size(image.size, 3), "VirtualSize": human_size(image.size),
            "Containers": "N/A", "SharedSize": "N/A", "UniqueSize": "N/A",
        }
        pairs = [split_name(n) for n in names] or [("<none>", "<none>")]
        rows += [{"Repository": repo, "Tag": tag, **common} for repo, tag in pairs]
    return rows
