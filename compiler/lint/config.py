"""Lint options: the config schema (`LintConfig`, checked the same whichever file it
came from), the command line's `Overrides`, and the effective `Options` of a file.
Config files are found and read by the front end (`dfc.lint.config`).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from dfc.compiler.lint.codes import CODES, matches, resolve
from dfc.compiler.lint.hadolint import DL_CODE, default_selection
from dfc.compiler.lint.model import Severity
from dfc.compiler.lint.rule import Settings
from dfc.errors import UsageError

Threshold = Literal["error", "warning", "info", "style", "none"]
CodeSet = Literal["dfc", "hadolint"]
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
    codes: CodeSet = "dfc"

    def enabled(self, code: str) -> bool:
        if not matches(self.selected, code) or matches(self.ignored, code):
            return False
        return self.severity(code, Severity.info) is not Severity.off

    def severity(self, code: str, default: Severity) -> Severity:
        return self.severities.get(code, default)

    @property
    def settings(self) -> Settings:
        return Settings(**self.settings_)


def config_error(origin: str, message: str) -> UsageError:
    """A bad config (or `--select`/`--ignore` value): one line naming where it came from
    (a config file's path, or the option)."""
    if origin.startswith("--"):
        return UsageError(f"{origin}: {message}")
    return UsageError(f"{origin}: invalid lint configuration: {message}")


def _codes(origin: str, names: list[str], lenient: bool = False) -> set[str]:
    """The codes `names` resolve to. `lenient` (the hadolint mode) passes over hadolint
    codes dfc has no rule for, as hadolint passes over codes it does not know."""
    out: set[str] = set()
    for name in names:
        if lenient and DL_CODE.match(name.strip()) and not _known(name):
            continue
        try:
            out |= resolve(name)
        except UsageError as exc:
            raise config_error(origin, exc.message) from None
    return out


def _known(name: str) -> bool:
    try:
        resolve(name)
    except UsageError:
        return False
    return True


def validated(origin: str, data: object) -> LintConfig:
    """`data` (a parsed config file) as a LintConfig: unknown keys, types, label
    types and rule names are errors naming `origin` (the file's path)."""
    try:
        config = msgspec.convert(data, LintConfig)
    except msgspec.ValidationError as exc:
        raise config_error(origin, str(exc)) from None
    for name, kind in config.label_schema.items():
        if kind not in LABEL_TYPES:
            raise config_error(origin, f"label {name!r}: unknown type {kind!r} (one of "
                        f"{', '.join(LABEL_TYPES)})")
    _codes(origin, [*(config.select or []), *config.extend_select, *config.ignore,
                  *config.severity])
    config.path = origin
    return config


class Overrides(msgspec.Struct, frozen=True, kw_only=True):
    """Command-line choices, applied over the config file's: `severity` over its
    severities, registries and label schema added to its own, `strict_labels` and
    `disable_ignore_pragma` (None: the config's) over its. `codes` is the code set
    findings carry (dfc's, or hadolint's with its default rule selection)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    threshold: Threshold | None = None
    target: str | None = None
    build_args: dict[str, str] = {}
    shellcheck: bool = True
    codes: CodeSet = "dfc"
    severity: dict[str, Severity] = {}
    trusted_registries: tuple[str, ...] = ()
    label_schema: dict[str, str] = {}
    strict_labels: bool | None = None
    disable_ignore_pragma: bool | None = None


def options(config: LintConfig, cli: Overrides) -> Options:
    """Merge a config file and the command line: `--select` replaces the config's
    selection, `--ignore` adds to its ignores."""
    origin = config.path or "command line"
    lenient = cli.codes == "hadolint"
    if cli.select:
        selected = _codes("--select", list(cli.select), lenient)
    elif config.select is not None:
        selected = _codes(origin, config.select, lenient)
    elif lenient:
        selected = default_selection()
    else:
        selected = {c.code for c in CODES if c.enabled} | {"SC"}
    selected |= _codes(origin, config.extend_select, lenient)
    ignored = _codes(origin, config.ignore, lenient) | _codes("--ignore", list(cli.ignore),
                                                             lenient)
    severities: dict[str, Severity] = {}
    for where, levels in ((origin, config.severity), ("command line", cli.severity)):
        for name, level in levels.items():
            for code in _codes(where, [name], lenient):
                severities[code] = level
    schema = {**config.label_schema, **cli.label_schema}
    for name, kind in schema.items():
        if kind not in LABEL_TYPES:
            raise config_error(origin, f"label {name!r}: unknown type {kind!r}")
    strict = config.strict_labels if cli.strict_labels is None else cli.strict_labels
    settings = {"trusted_registries": (*config.trusted_registries, *cli.trusted_registries),
                "label_schema": schema, "strict_labels": strict,
                "target": cli.target, "build_args": dict(cli.build_args)}
    pragma = config.disable_ignore_pragma if cli.disable_ignore_pragma is None \
        else cli.disable_ignore_pragma
    return Options(frozenset(selected), frozenset(ignored), severities,
                   cli.threshold or config.failure_threshold or "info", settings,
                   pragma, config.shellcheck and cli.shellcheck, cli.codes)
