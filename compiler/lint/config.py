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
from typing import Any, Literal

import msgspec

from dfc.compiler.lint.codes import CODES, matches, resolve
from dfc.compiler.lint.model import Severity
from dfc.compiler.lint.rule import Settings
from dfc.errors import UsageError

Threshold = Literal["error", "warning", "info", "style", "none"]
LABEL_TYPES = ("text", "url", "semver", "hash", "rfc3339", "spdx", "email")


class LintConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, rename="kebab"):
    select: list[str] | None = None
    extend_select: list[str] = []
    ignore: list[str] = []
    severity: dict[str, Severity] = {}
    failure_threshold: Threshold | None = None
    trusted_registries: list[str] = []
    label_schema: dict[str, str] = {}
    strict_labels: bool = False
    disable_ignore_pragma: bool = False
    shellcheck: bool = True
    path: str | None = None


class Options(msgspec.Struct, frozen=True):
    """The effective choices for one file: which codes run, at which severity."""

    selected: frozenset[str]
    ignored: frozenset[str]
    severities: dict[str, Severity]
    threshold: Threshold
    settings_: dict[str, Any]
    disable_ignore_pragma: bool
    shellcheck: bool

    def enabled(self, code: str) -> bool:
        if not matches(self.selected, code) or matches(self.ignored, code):
            return False
        return self.severity(code, Severity.info) is not Severity.off

    def severity(self, code: str, default: Severity) -> Severity:
        return self.severities.get(code, default)

    @property
    def settings(self) -> Settings:
        return Settings(**self.settings_)


def _fail(path: Path, message: str) -> UsageError:
    if str(path).startswith("--"):
        return UsageError(f"{path}: {message}")
    return UsageError(f"{path}: invalid lint configuration: {message}")


def _codes(path: Path, names: list[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        try:
            out |= resolve(name)
        except UsageError as exc:
            raise _fail(path, exc.message) from None
    return out


def _convert(path: Path, data: object) -> LintConfig:
    try:
        config = msgspec.convert(data, LintConfig)
    except msgspec.ValidationError as exc:
        raise _fail(path, str(exc)) from None
    for name, kind in config.label_schema.items():
        if kind not in LABEL_TYPES:
            raise _fail(path, f"label {name!r}: unknown type {kind!r} (one of "
                        f"{', '.join(LABEL_TYPES)})")
    _codes(path, [*(config.select or []), *config.extend_select, *config.ignore,
                  *config.severity])
    config.path = str(path)
    return config


def _hadolint(path: Path, data: object) -> LintConfig:
    """`.hadolint.yaml` keys in dfc terms."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _fail(path, "expected a mapping")
    out: dict[str, Any] = {}
    known = {"ignored", "override", "failure-threshold", "trustedRegistries", "label-schema",
             "strict-labels", "disable-ignore-pragma", "no-fail", "no-color", "format",
             "verbose"}
    unknown = set(data) - known
    if unknown:
        raise _fail(path, f"unknown key {sorted(unknown)[0]!r}")
    out["ignore"] = list(data.get("ignored") or [])
    override = data.get("override") or {}
    if not isinstance(override, dict):
        raise _fail(path, "override must be a mapping")
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
    return _convert(path, out)


def read_config(path: Path) -> LintConfig:
    """Read one config file (its kind by name)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise _fail(path, exc.strerror or "cannot read") from None
    if path.name.endswith((".yaml", ".yml")):
        import yaml

        try:
            return _hadolint(path, yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise _fail(path, str(exc).replace("\n", " ")) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, str(exc)) from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("dfc", {}).get("lint", {})
    return _convert(path, data)


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


class Overrides(msgspec.Struct, frozen=True, kw_only=True):
    """Command-line choices, applied over the config file's."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    threshold: Threshold | None = None
    target: str | None = None
    build_args: dict[str, str] = {}
    shellcheck: bool = True


def options(config: LintConfig, cli: Overrides) -> Options:
    """Merge a config file and the command line: `--select` replaces the config's
    selection, `--ignore` adds to its ignores."""
    path = Path(config.path or "command line")
    if cli.select:
        selected = _codes(Path("--select"), list(cli.select))
    elif config.select is not None:
        selected = _codes(path, config.select)
    else:
        selected = {c.code for c in CODES if c.enabled} | {"SC"}
    selected |= _codes(path, config.extend_select)
    ignored = _codes(path, config.ignore) | _codes(Path("--ignore"), list(cli.ignore))
    severities: dict[str, Severity] = {}
    for name, level in config.severity.items():
        for code in _codes(path, [name]):
            severities[code] = level
    settings = {"trusted_registries": tuple(config.trusted_registries),
                "label_schema": dict(config.label_schema), "strict_labels": config.strict_labels,
                "target": cli.target, "build_args": dict(cli.build_args)}
    return Options(frozenset(selected), frozenset(ignored), severities,
                   cli.threshold or config.failure_threshold or "info", settings,
                   config.disable_ignore_pragma, config.shellcheck and cli.shellcheck)
