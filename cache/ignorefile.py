"""Which `.dockerignore` a build context uses, and its matcher.

BuildKit's rule: `<Dockerfile>.dockerignore` beside the Dockerfile (`app.Dockerfile` ->
`app.Dockerfile.dockerignore`) wins over the context's `.dockerignore`, so one context can
serve several Dockerfiles with different exclusions. No file means nothing is excluded.
"""

from __future__ import annotations

from pathlib import Path

from dfc.cache.patterns import IgnoreMatcher, read_ignore_file


def find_ignore_file(context: Path, dockerfile: Path | None) -> Path | None:
    """The ignore file in force for `dockerfile` (None: read from stdin) in `context`."""
    candidates = [context / ".dockerignore"]
    if dockerfile is not None:
        candidates.insert(0, dockerfile.with_name(dockerfile.name + ".dockerignore"))
    return next((c for c in candidates if c.is_file()), None)


def load_ignore_file(path: Path | None) -> IgnoreMatcher:
    """The matcher of an ignore file; no file ignores nothing."""
    if path is None:
        return IgnoreMatcher()
    return IgnoreMatcher.from_lines(read_ignore_file(path.read_text()))
