"""hadolint's configuration, from its three sources: the `HADOLINT_*` environment,
its YAML config file, and its command line.

hadolint merges them as its partial configurations do: rule lists (ignored, the four
severity overrides, trusted registries, the label schema) are the union of every
source; a single value (output format, failure threshold, no-fail, no-color, strict
labels, the pragma switch) comes from the command line, else the config file, else
the environment. The config file is `-c FILE`, else the first of hadolint's search
path (`./.hadolint.yaml`, the XDG config folder, `~/.hadolint/`, `~/.hadolint.yaml`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from dfc.compiler.lint.config import LABEL_TYPES, CodeSet, LintConfig, Overrides, Threshold
from dfc.compiler.lint.model import Severity
from dfc.errors import UsageError

LEVELS = ("error", "warning", "info", "style")
THRESHOLDS = ("error", "warning", "info", "style", "ignore", "none")
TRUTHY = ("1", "y", "on", "true", "yes")


class Settings(msgspec.Struct, kw_only=True):
    """One partial hadolint configuration (None: this source does not say)."""

    no_fail: bool | None = None
    no_color: bool | None = None
    verbose: bool | None = None
    format: str | None = None
    overrides: dict[str, list[str]] = {}  # level -> rule codes
    ignored: list[str] = []
    trusted_registries: list[str] = []
    label_schema: dict[str, str] = {}
    strict_labels: bool | None = None
    disable_ignore_pragma: bool | None = None
    failure_threshold: str | None = None


def merge(*layers: Settings) -> Settings:
    """Later layers win for single values; lists and the schema add up."""
    out = Settings()
    for layer in layers:
        for field in ("no_fail", "no_color", "verbose", "format", "strict_labels",
                      "disable_ignore_pragma", "failure_threshold"):
            value = getattr(layer, field)
            if value is not None:
                setattr(out, field, value)
        for level, codes in layer.overrides.items():
            out.overrides = {**out.overrides, level: [*out.overrides.get(level, []), *codes]}
        out.ignored = [*out.ignored, *layer.ignored]
        out.trusted_registries = [*out.trusted_registries, *layer.trusted_registries]
        out.label_schema = {**out.label_schema, **layer.label_schema}
    return out


def _truthy(value: str | None) -> bool | None:
    return None if value is None else value.lower() in TRUTHY


def _list(value: str | None) -> list[str]:
    return [item for item in (value or "").split(",") if item]


def label_schema(items: list[str], origin: str) -> dict[str, str]:
    """`name:type` items (`--require-label`, HADOLINT_REQUIRE_LABELS)."""
    schema = {}
    for item in items:
        name, _, kind = item.partition(":")
        if kind not in LABEL_TYPES:
            raise UsageError(f"{origin}: invalid label schema {item!r} (name:type, the type "
                             f"one of {', '.join(LABEL_TYPES)})")
        schema[name] = kind
    return schema


def from_environment(env: Mapping[str, str]) -> Settings:
    """The HADOLINT_* variables (and NO_COLOR, which counts when set at all)."""
    fmt = env.get("HADOLINT_FORMAT")
    threshold = env.get("HADOLINT_FAILURE_THRESHOLD")
    return Settings(
        no_fail=_truthy(env.get("HADOLINT_NOFAIL")),
        no_color=True if "NO_COLOR" in env else None,
        verbose=_truthy(env.get("HADOLINT_VERBOSE")),
        format=fmt if fmt in _formats() else None,
        overrides={level: _list(env.get(f"HADOLINT_OVERRIDE_{level.upper()}"))
                   for level in LEVELS},
        ignored=_list(env.get("HADOLINT_IGNORE")),
        trusted_registries=_list(env.get("HADOLINT_TRUSTED_REGISTRIES")),
        label_schema=label_schema(_list(env.get("HADOLINT_REQUIRE_LABELS")),
                                  "HADOLINT_REQUIRE_LABELS"),
        strict_labels=_truthy(env.get("HADOLINT_STRICT_LABELS")),
        disable_ignore_pragma=_truthy(env.get("HADOLINT_DISABLE_IGNORE_PRAGMA")),
        failure_threshold=threshold if threshold in THRESHOLDS else None)


def _formats() -> frozenset[str]:
    from dfc.lint.hadolint.formats import FORMATS

    return frozenset(FORMATS)


def search_path(cwd: Path, env: Mapping[str, str]) -> list[Path]:
    """Where hadolint looks for its config file, in order."""
    home = Path(env.get("HOME") or Path.home())
    xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    hidden, visible = (".hadolint.yaml", ".hadolint.yml"), ("hadolint.yaml", "hadolint.yml")
    return [*(cwd / n for n in hidden), *(xdg / n for n in visible),
            *(home / ".hadolint" / n for n in (*visible, "config.yaml", "config.yml")),
            *(home / n for n in hidden)]


def find_file(cwd: Path, env: Mapping[str, str]) -> Path | None:
    return next((p for p in search_path(cwd, env) if p.is_file()), None)


def _strings(path: Path, key: str, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(path, f"{key} must be a list of strings")
    return list(value)


def _flag(path: Path, key: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _invalid(path, f"{key} must be true or false")


KEYS = frozenset({"ignored", "override", "failure-threshold", "trustedRegistries",
                  "trusted-registries", "label-schema", "strict-labels", "disable-ignore-pragma",
                  "no-fail", "no-color", "format", "output-format", "verbose"})


def from_file(path: Path, strict: bool = False) -> Settings:
    """A hadolint YAML config. Keys hadolint does not know are passed over, as hadolint
    does (`strict`: an error, as in `dfc lint`'s config files); a file that is not
    YAML, or a known key of the wrong type, is an error."""
    import yaml

    try:
        data: Any = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or 'cannot read'}") from None
    except yaml.YAMLError as exc:
        raise _invalid(path, " ".join(str(exc).split())) from None
    return from_data(path, data, strict)


def _invalid(path: Path, message: str) -> UsageError:
    return UsageError(f"{path}: invalid lint configuration: {message}")


def from_data(path: Path, data: Any, strict: bool = False) -> Settings:
    """The settings of a parsed hadolint config file."""
    data = data if data is not None else {}
    if not isinstance(data, dict):
        raise _invalid(path, "expected a mapping")
    unknown = set(data) - KEYS
    if strict and unknown:
        raise _invalid(path, f"unknown key {sorted(unknown)[0]!r}")
    override = data.get("override") or {}
    if not isinstance(override, dict) or set(override) - set(LEVELS):
        raise _invalid(path, "override takes the lists error, warning, info and style")
    schema = data.get("label-schema") or {}
    if not isinstance(schema, dict):
        raise _invalid(path, "label-schema must be a mapping")
    threshold = data.get("failure-threshold")
    if threshold is not None and threshold not in THRESHOLDS:
        raise _invalid(path, f"failure-threshold {threshold!r}")
    fmt = data.get("format", data.get("output-format"))
    if fmt is not None and fmt not in _formats():
        raise _invalid(path, f"format {fmt!r}")
    registries = [*_strings(path, "trustedRegistries", data.get("trustedRegistries")),
                  *_strings(path, "trusted-registries", data.get("trusted-registries"))]
    return Settings(
        no_fail=_flag(path, "no-fail", data.get("no-fail")),
        no_color=_flag(path, "no-color", data.get("no-color")),
        verbose=_flag(path, "verbose", data.get("verbose")),
        format=fmt,
        overrides={level: _strings(path, f"override.{level}", override.get(level))
                   for level in LEVELS},
        ignored=_strings(path, "ignored", data.get("ignored")),
        trusted_registries=registries,
        label_schema=label_schema([f"{k}:{v}" for k, v in schema.items()], str(path)),
        strict_labels=_flag(path, "strict-labels", data.get("strict-labels")),
        disable_ignore_pragma=_flag(path, "disable-ignore-pragma",
                                    data.get("disable-ignore-pragma")),
        failure_threshold=threshold)


def lint_config(settings: Settings) -> LintConfig:
    """The analysis options of merged settings, in dfc's config schema."""
    return LintConfig(
        ignore=list(settings.ignored),
        severity={code: Severity(level) for level in LEVELS
                  for code in settings.overrides.get(level, [])},
        trusted_registries=list(settings.trusted_registries),
        label_schema=dict(settings.label_schema),
        strict_labels=bool(settings.strict_labels),
        disable_ignore_pragma=bool(settings.disable_ignore_pragma),
        path="hadolint configuration")


DFC_THRESHOLD: dict[str, Threshold] = {"error": "error", "warning": "warning", "info": "info",
                                       "style": "style", "ignore": "style", "none": "style"}


def threshold(settings: Settings) -> Threshold:
    """dfc's threshold for hadolint's: no-fail never fails; `none` and `ignore` fail on
    any finding (hadolint's order puts them below style); info by default."""
    if settings.no_fail:
        return "none"
    return DFC_THRESHOLD[settings.failure_threshold or "info"]


def environment() -> Settings:
    return from_environment(os.environ)


def overrides(settings: Settings, codes: CodeSet, explicit: Threshold | None,
              **rest: Any) -> Overrides:
    """`dfc lint`'s command-line overrides from its hadolint-style flags (merged with
    the environment in the hadolint mode). `explicit` is `dfc lint -t`, with dfc's
    meaning; a threshold from the environment has hadolint's; no-fail beats both."""
    limit: Threshold | None = explicit
    if settings.no_fail:
        limit = "none"
    elif explicit is None and codes == "hadolint" and settings.failure_threshold:
        limit = threshold(settings)
    return Overrides(
        ignore=tuple(settings.ignored), threshold=limit, codes=codes,
        severity={code: Severity(level) for level, names in settings.overrides.items()
                  for code in names},
        trusted_registries=tuple(settings.trusted_registries),
        label_schema=dict(settings.label_schema), strict_labels=settings.strict_labels,
        disable_ignore_pragma=settings.disable_ignore_pragma, **rest)
