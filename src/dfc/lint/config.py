"""Lint configuration: `[tool.dfc.lint]` in pyproject.toml, `.dfc.toml`, or (for
projects coming from hadolint) `.hadolint.yaml`, found by walking up from the
Dockerfile. The first folder that has one wins. A config that does not read, has an
unknown key or names an unknown rule is an error (exit 2), never silently skipped.
`.hadolint.yaml` is YAML, so it is read with PyYAML's safe loader (the one YAML reader
dfc needs; imported only when such a file is found).

    [tool.dfc.lint]
    select = ["ALL"]                 # default: every rule on by default, and ShellCheck
    extend-select = ["DFC102"]
    ignore = ["DL3008", "SC2086"]    # any name of a rule
    severity = { DFC222 = "style", "pointless-command" = "off" }
    failure-threshold = "warning"    # error | warning | info | style | none
    trusted-registries = ["docker.io", "*.gcr.io"]
    label-schema = { "org.opencontainers.image.source" = "url" }
    strict-labels = false
    disable-ignore-pragma = false
    shellcheck = true
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import msgspec

from dfc.compiler.lint.config import LintConfig, config_error, validated
from dfc.errors import UsageError


def _error(path: Path, message: str) -> UsageError:
    return config_error(str(path), message)


def _hadolint(path: Path, data: object) -> LintConfig:
    """`.hadolint.yaml` keys in dfc terms (read as the hadolint mode reads them, but an
    unknown key or rule is an error here, as in every dfc config; `no-fail` and a
    `none`/`ignore` threshold never fail)."""
    from dfc.lint.hadolint.settings import from_data, lint_config

    settings = from_data(path, data, strict=True)
    config = msgspec.structs.asdict(lint_config(settings))
    config.pop("path")
    threshold = "none" if settings.no_fail or settings.failure_threshold in ("none", "ignore") \
        else settings.failure_threshold
    if threshold is not None:
        config["failure_threshold"] = threshold
    return validated(str(path), {key.replace("_", "-"): value for key, value in config.items()
                                 if value is not None})


def read_config(path: Path) -> LintConfig:
    """Read one config file (its kind by name)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise _error(path, exc.strerror or "cannot read") from None
    if path.name.endswith((".yaml", ".yml")):
        import yaml

        try:
            return _hadolint(path, yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise _error(path, str(exc).replace("\n", " ")) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _error(path, str(exc)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("dfc", {}).get("lint", {})
    return validated(str(path), data)


def _has_section(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return True  # let read_config report it
    return "lint" in data.get("tool", {}).get("dfc", {})


@cache
def find_config(folder: Path) -> LintConfig:
    """The config that applies to files in `folder` (defaults when there is none)."""
    for directory in (folder, *folder.parents):
        for name in (".dfc.toml", "pyproject.toml", ".hadolint.yaml", ".hadolint.yml"):
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_section(candidate)):
                return read_config(candidate)
    return LintConfig()
