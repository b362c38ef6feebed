"""Did-you-mean: the closest known name to a misspelt one (BuildKit's rule: at most a
couple of edits, transpositions counting once)."""

from __future__ import annotations

from collections.abc import Iterable


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without re-edits).

    >>> distance("PAHT", "PATH"), distance("APP_VERISON", "APP_VERSION"), distance("a", "b")
    (1, 1, 1)
    """
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def closest(name: str, known: Iterable[str]) -> str | None:
    """The nearest of `known` within max(1, len/4) edits (case-insensitive ties first)."""
    limit = max(1, len(name) // 4)
    best: tuple[int, str] | None = None
    for candidate in sorted(set(known)):
        if candidate == name:
            continue
        d = 0 if candidate.lower() == name.lower() else distance(name, candidate)
        if d <= limit and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None


def hint(name: str, known: Iterable[str], prefix: str = "") -> str:
    """` (did you mean X?)` or ""."""
    found = closest(name, known)
    return f" (did you mean {prefix}{found}?)" if found else ""
