"""`.dockerignore` and COPY wildcard matching, checked against Docker's observed behaviour."""

from __future__ import annotations

import pytest

from dfc.cache.patterns import IgnoreMatcher, glob_regex, read_ignore_file
from dfc.errors import DfcError

# Observed with dockerd 20.10.24 + BuildKit: `COPY . /ctx` with this .dockerignore kept
# exactly the files marked False (directories `docs` stays only as the parent of the
# re-included docs/keep.md).
DOCKERIGNORE = "docs\n*.md\n!README.md\n**/*.tmp\n!docs/keep.md\nsrc/**/*_test.go\n/x/\n"
OBSERVED = {
    "Dockerfile": False, "README.md": False, "a/x.md": False, "a/b/c": False,
    "docs/keep.md": False, "src/b/main.go": False,
    "a/b/c.tmp": True, "top.tmp": True, "docs/a/f": True, "src/b/main_test.go": True,
    "x": True, "x/y.txt": True, "x.md": True,
}


@pytest.mark.parametrize("path", sorted(OBSERVED))
def test_dockerignore_matches_docker(path: str) -> None:
    matcher = IgnoreMatcher.from_lines(read_ignore_file(DOCKERIGNORE))
    assert matcher.excluded(path) is OBSERVED[path]


@pytest.mark.parametrize(("lines", "path", "excluded"), [
    (["foo"], "foo", True),
    (["foo"], "a/foo", False),            # anchored at the root, unlike .gitignore
    (["/foo/"], "foo/bar", True),         # cleaned: leading and trailing slash dropped
    (["*"], "a/b", True),                 # the parent `a` matches
    (["a/*/c"], "a/b/c", True),
    (["a/*/c"], "a/b/x/c", False),
    (["**"], "any/thing", True),
    (["a/**"], "a", False),
    (["a/**"], "a/b/c", True),
    (["?.txt"], "ab.txt", False),
    (["[a-c].txt"], "b.txt", True),
    (["\\*.txt"], "*.txt", True),
    (["\\*.txt"], "a.txt", False),
    (["*.txt", "!keep.txt", "keep.txt"], "keep.txt", True),   # last match wins
    (["foo.bar"], "fooxbar", False),      # regex specials are literal
    (["./foo"], "foo", True),
])
def test_dockerignore_rules(lines: list[str], path: str, excluded: bool) -> None:
    assert IgnoreMatcher.from_lines(lines).excluded(path) is excluded


def test_ignore_file_comments_only_in_column_one() -> None:
    assert read_ignore_file("\ufeff#c\n #not-a-comment\n\n  a  \n") == ["#not-a-comment", "a"]


def test_bare_exclamation_is_an_error() -> None:
    with pytest.raises(DfcError, match="illegal exclusion pattern"):
        IgnoreMatcher.from_lines(["!"])


@pytest.mark.parametrize(("pattern", "name", "hit"), [
    ("*", "abc", True), ("a*c", "abbbc", True), ("a?c", "abc", True), ("a?c", "ac", False),
    ("[abc]", "b", True), ("[^abc]", "b", False), ("[a-z]x", "qx", True),
    ("arr[[]0].txt", "arr[0].txt", True), ("\\*", "*", True), ("\\*", "a", False),
    ("file*", "file.txt", True), ("*.go", "x.py", False),
])
def test_go_filepath_match(pattern: str, name: str, hit: bool) -> None:
    assert (glob_regex(pattern).match(name) is not None) is hit


@pytest.mark.parametrize("pattern", ["[", "[]a]", "[a-]", "a\\", "[-a]", "[a"])
def test_go_bad_patterns(pattern: str) -> None:
    with pytest.raises(DfcError, match="syntax error in pattern"):
        glob_regex(pattern)
