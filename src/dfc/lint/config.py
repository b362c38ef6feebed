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
from typing import Any

from dfc.compiler.lint.config import LintConfig, config_error, validated
from dfc.errors import UsageError


def _error(path: Path, message: str) -> UsageError:
    return config_error(str(path), message)


def _hadolint(path: Path, data: object) -> LintConfig:
    """`.hadolint.yaml` keys in dfc terms."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _error(path, "expected a mapping")
    out: dict[str, Any] = {}
    known = {"ignored", "override", "failure-threshold", "trustedRegistries", "label-schema",
             "strict-labels", "disable-ignore-pragma", "no-fail", "no-color", "format",
             "verbose"}
    unknown = set(data) - known
    if unknown:
        raise _error(path, f"unknown key {sorted(unknown)[0]!r}")
    out["ignore"] = list(data.get("ignored") or [])
    override = data.get("override") or {}
    if not isinstance(override, dict):
        raise _error(path, "override must be a mapping")
    out["severity"] = {code: level for level, codes in override.items()
                       for code in (codes or [])}
    threshold = data.get("failure-threshold")
    if data.get("no-fail"):
        threshold = "none"
    if threshold is not None:
        out["failure-threshold"] = "none" if threshold == "ignore" else threshold
    registries = data.get("trustedRegistries") or []
    out["trusted-registries"] = [registries] if isinstance(registries, str) else registries
    out["label-schema"] = data.get("label-schema") or {}
    out["strict-labels"] = bool(data.get("strict-labels", False))
    out["disable-ignore-pragma"] = bool(data.get("disable-ignore-pragma", False))
    return validated(str(path), out)


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
