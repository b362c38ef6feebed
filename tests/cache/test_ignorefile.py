"""Which `.dockerignore` a context uses: the Dockerfile's own wins, none ignores nothing."""

from __future__ import annotations

from pathlib import Path

from dfc.cache.ignorefile import find_ignore_file, load_ignore_file


def test_the_dockerfiles_own_ignore_file_wins(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("*.md\n")
    (tmp_path / "app.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.Dockerfile.dockerignore").write_text("*.txt\n")
    own = find_ignore_file(tmp_path, tmp_path / "app.Dockerfile")
    assert own == tmp_path / "app.Dockerfile.dockerignore"
    assert load_ignore_file(own).excluded("a.txt") and not load_ignore_file(own).excluded("a.md")
    assert find_ignore_file(tmp_path, tmp_path / "Dockerfile") == tmp_path / ".dockerignore"
    assert find_ignore_file(tmp_path, None) == tmp_path / ".dockerignore"


def test_no_ignore_file_ignores_nothing(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").mkdir()  # not a file: not an ignore file
    assert find_ignore_file(tmp_path, tmp_path / "Dockerfile") is None
    assert not load_ignore_file(None).excluded("anything")
