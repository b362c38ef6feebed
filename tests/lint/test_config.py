"""Configuration files as a user writes them: found walking up, `.hadolint.yaml` read,
broken ones an error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfc.errors import UsageError
from dfc.lint.config import find_config, read_config


def test_config_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dfc.lint]\nignore = ["DL3003"]\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep).ignore == ["DL3003"]
    (deep / ".dfc.toml").write_text('failure-threshold = "error"\n')
    find_config.cache_clear()
    assert find_config(deep).failure_threshold == "error"


def test_hadolint_yaml_is_read(tmp_path: Path) -> None:
    path = tmp_path / ".hadolint.yaml"
    path.write_text(
        "ignored: [DL3008]\noverride:\n  error: [DL3015]\n"
        "trustedRegistries: docker.io\nfailure-threshold: warning\n"
    )
    config = read_config(path)
    assert config.ignore == ["DL3008"] and config.severity == {"DL3015": "error"}
    assert config.trusted_registries == ["docker.io"] and config.failure_threshold == "warning"


@pytest.mark.parametrize(
    "name, text",
    [
        (".dfc.toml", "select = [\n"),
        (".dfc.toml", "colour = true\n"),
        (".dfc.toml", 'ignore = ["DL9999"]\n'),
        (".hadolint.yaml", "ignored: [DL3008\n"),
        (".hadolint.yaml", "unknown-key: 1\n"),
    ],
)
def test_broken_config_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        read_config(path)
    assert caught.value.exit_code == 125 and str(path) in caught.value.message
