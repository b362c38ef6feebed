"""The one table of lint codes: code, name, default severity, aliases, rule.

Every rule is known by its dfc code (`DFC201`), its name (`json-args-recommended`) and
its aliases: the hadolint DL code and the BuildKit check name of the same concept, so
`--ignore DL3025`, `# hadolint ignore=DL3025` and `# check=skip=JSONArgsRecommended`
all mean this rule. ShellCheck findings keep their own `SCnnnn` codes.

Codes: DFC0xx file and syntax, DFC1xx images and stages, DFC2xx instructions, DFC3xx
commands inside RUN, DFC4xx whole-build analysis (flow, secrets, cache, base image).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Set
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from dfc.compiler.lint.model import Severity
from dfc.compiler.lint.rule import Rule
from dfc.errors import UsageError

E, W, N, S = Severity.error, Severity.warning, Severity.info, Severity.style
SC_CODE = re.compile(r"^SC\d{0,4}$", re.IGNORECASE)


@dataclass(frozen=True)
class Code:
    """One lint code. `module` is the rule file under `rules/` (None for the codes the
    engine itself reports); `enabled` False means opt-in (`--select` it)."""

    code: str
    name: str
    severity: Severity
    summary: str
    aliases: tuple[str, ...] = ()
    module: str | None = None
    fixable: bool = False
    enabled: bool = True

    @property
    def rule(self) -> Rule | None:
        if self.module is None:
            return None
        rule: Rule = getattr(self.rule_module, self.module)
        return rule

    @property
    def rule_module(self) -> ModuleType:
        return _load(f"dfc.compiler.lint.rules.{self.module}")

    @property
    def doc(self) -> str:
        """The user documentation: the rule file's docstring."""
        if self.module is None:
            return ENGINE_DOCS[self.code]
        return self.rule_module.__doc__ or self.summary


@cache
def _load(module: str) -> ModuleType:
    return importlib.import_module(module)


def _c(code: str, name: str, severity: Severity, summary: str, *aliases: str,
       rule: bool = True, fixable: bool = False, enabled: bool = True) -> Code:
    return Code(code, name, severity, summary, aliases,
                name.replace("-", "_") if rule else None, fixable, enabled)


CODES: tuple[Code, ...] = (
    # --- file and syntax ---------------------------------------------------------------
    _c("DFC000", "parse-error", E, "The instruction does not parse", "DL1000", rule=False),
    _c("DFC001", "compile-error", E, "The file parses but cannot be compiled", rule=False),
    _c("DFC002", "unused-suppression", W, "A suppression comment suppresses nothing",
       rule=False),
    _c("DFC003", "suppression-used", N, "An inline suppression comment is used", "DL1001",
       rule=False, enabled=False),
    _c("DFC004", "instruction-before-from", E, "Only ARG may come before the first FROM",
       "DL3061", rule=False),
    _c("DFC005", "onbuild-forbidden-trigger", E,
       "ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER", "DL3043", rule=False),
    _c("DFC006", "empty-continuation", W, "Empty line inside a continued instruction",
       "NoEmptyContinuation", fixable=True),
    _c("DFC007", "instruction-casing", W, "Instruction keywords should have one casing",
       "ConsistentInstructionCasing", fixable=True),
    _c("DFC008", "from-as-casing", W, "`AS` should have the casing of `FROM`", "FromAsCasing",
       fixable=True),
    _c("DFC009", "definition-description", N,
       "The comment above a stage or ARG should start with its name",
       "InvalidDefinitionDescription", enabled=False),
    # --- images and stages -------------------------------------------------------------
    _c("DFC100", "untagged-image", W, "FROM image has no tag", "DL3006"),
    _c("DFC101", "latest-tag", W, "FROM image uses the `latest` tag", "DL3007"),
    _c("DFC102", "unpinned-digest", N, "FROM image is not pinned by digest", enabled=False),
    _c("DFC103", "untrusted-registry", E, "FROM image comes from a registry not trusted",
       "DL3026"),
    _c("DFC104", "constant-platform", W, "FROM --platform is a constant",
       "DL3029", "FromPlatformFlagConstDisallowed"),
    _c("DFC105", "redundant-target-platform", W, "FROM --platform=$TARGETPLATFORM is the "
       "default", "DL3065", "RedundantTargetPlatform", fixable=True),
    _c("DFC106", "duplicate-stage-name", E, "Two stages have the same name", "DL3024",
       "DuplicateStageName"),
    _c("DFC107", "reserved-stage-name", W, "Stage named `scratch` or `context`", "DL3063",
       "ReservedStageName"),
    _c("DFC108", "stage-name-casing", W, "Stage name is not lowercase", "StageNameCasing"),
    _c("DFC109", "undefined-arg-in-from", W, "FROM uses an ARG not declared before it",
       "UndefinedArgInFrom"),
    _c("DFC110", "invalid-default-arg-in-from", W,
       "With default ARG values the FROM reference is empty or invalid",
       "InvalidDefaultArgInFrom"),
    _c("DFC111", "unresolvable-image", N,
       "FROM image depends on an ARG without a value: image rules cannot judge it"),
    _c("DFC112", "copy-from-unknown", W, "COPY --from names no earlier stage and is not an "
       "image reference", "DL3022"),
    _c("DFC113", "copy-from-self", E, "COPY --from names its own stage", "DL3023"),
    _c("DFC114", "copy-whole-filesystem", W, "COPY --from=X / / copies a whole filesystem",
       "DL3067"),
    _c("DFC115", "unreachable-stage", W, "The stage is never built for the target"),
    _c("DFC116", "base-platform-mismatch", W, "The base image in the store is for another "
       "platform", "InvalidBaseImagePlatform"),
    # --- instructions ------------------------------------------------------------------
    _c("DFC200", "maintainer-deprecated", E, "MAINTAINER is deprecated", "DL4000",
       "MaintainerDeprecated", fixable=True),
    _c("DFC201", "json-args-recommended", W, "CMD/ENTRYPOINT in shell form",
       "DL3025", "JSONArgsRecommended", fixable=True),
    _c("DFC202", "legacy-key-value", W, "`ENV key value` legacy form", "LegacyKeyValueFormat",
       fixable=True),
    _c("DFC203", "relative-workdir", E, "WORKDIR is a relative path", "DL3000",
       "WorkdirRelativePath"),
    _c("DFC204", "expose-invalid-port", E, "EXPOSE port outside 0-65535", "DL3011"),
    _c("DFC205", "expose-proto-casing", W, "EXPOSE protocol is not lowercase",
       "ExposeProtoCasing", fixable=True),
    _c("DFC206", "expose-invalid-format", W, "EXPOSE with an IP or host-port mapping",
       "ExposeInvalidFormat"),
    _c("DFC207", "multiple-cmd", W, "More than one CMD in a stage", "DL4003",
       "MultipleInstructionsDisallowed"),
    _c("DFC208", "multiple-entrypoint", E, "More than one ENTRYPOINT in a stage", "DL4004",
       "MultipleInstructionsDisallowed"),
    _c("DFC209", "multiple-healthcheck", E, "More than one HEALTHCHECK in a stage", "DL3012",
       "MultipleInstructionsDisallowed"),
    _c("DFC210", "add-instead-of-copy", E, "ADD of local files: use COPY", "DL3020",
       fixable=True),
    _c("DFC211", "copy-dest-not-dir", E, "COPY of several sources needs a destination "
       "ending in /", "DL3021", fixable=True),
    _c("DFC212", "env-self-reference", E, "ENV refers to a variable it defines itself",
       "DL3044"),
    _c("DFC213", "relative-copy-dest", W, "COPY to a relative path with no WORKDIR set",
       "DL3045"),
    _c("DFC214", "invalid-label-key", S, "Invalid LABEL key", "DL3048"),
    _c("DFC215", "missing-label", N, "A label of the label schema is missing", "DL3049"),
    _c("DFC216", "label-not-in-schema", N, "Label not in the schema (strict labels)",
       "DL3050"),
    _c("DFC217", "invalid-label-value", W, "Label value does not match its schema type",
       "DL3051", "DL3052", "DL3053", "DL3054", "DL3055", "DL3056", "DL3058"),
    _c("DFC218", "missing-healthcheck", N, "The final image has no HEALTHCHECK", "DL3057",
       enabled=False),
    _c("DFC219", "last-user-root", W, "The last USER of a stage is root", "DL3002"),
    _c("DFC220", "user-not-numeric", N, "USER by name rather than numeric id", "DL3066"),
    _c("DFC221", "secret-name", W, "ARG/ENV name looks like a secret", "DL3064",
       "SecretsUsedInArgOrEnv"),
    _c("DFC222", "consecutive-run", N, "Consecutive RUNs could be one", "DL3059"),
    # --- commands inside RUN -----------------------------------------------------------
    _c("DFC300", "pointless-command", N, "Command that makes no sense in a container",
       "DL3001"),
    _c("DFC301", "cd-in-run", W, "`cd` in RUN: use WORKDIR", "DL3003"),
    _c("DFC302", "sudo", E, "`sudo` in RUN", "DL3004"),
    _c("DFC303", "apt-get-pin", W, "apt-get install without package versions", "DL3008"),
    _c("DFC304", "apt-lists-cleanup", N, "apt-get lists not removed in the same RUN",
       "DL3009", fixable=True),
    _c("DFC305", "copy-then-extract", N, "COPY of an archive that a RUN extracts: use ADD",
       "DL3010"),
    _c("DFC306", "pip-pin", W, "pip install without versions", "DL3013"),
    _c("DFC307", "apt-get-yes", W, "apt-get install without -y", "DL3014", fixable=True),
    _c("DFC308", "apt-no-recommends", N, "apt-get install without --no-install-recommends",
       "DL3015", fixable=True),
    _c("DFC309", "npm-pin", W, "npm install without versions", "DL3016"),
    _c("DFC310", "apk-pin", W, "apk add without versions", "DL3018"),
    _c("DFC311", "apk-no-cache", N, "apk add without --no-cache", "DL3019", fixable=True),
    _c("DFC312", "apt-not-apt-get", W, "`apt` in RUN: use apt-get", "DL3027"),
    _c("DFC313", "gem-pin", W, "gem install without versions", "DL3028"),
    _c("DFC314", "yum-yes", W, "yum install without -y", "DL3030", fixable=True),
    _c("DFC315", "yum-clean", W, "yum install without `yum clean all`", "DL3032"),
    _c("DFC316", "yum-pin", W, "yum install without versions", "DL3033"),
    _c("DFC317", "zypper-yes", W, "zypper install without -n/-y", "DL3034", fixable=True),
    _c("DFC318", "zypper-dist-upgrade", W, "zypper dist-upgrade in RUN", "DL3035"),
    _c("DFC319", "zypper-clean", W, "zypper install without `zypper clean`", "DL3036"),
    _c("DFC320", "zypper-pin", W, "zypper install without versions", "DL3037"),
    _c("DFC321", "dnf-yes", W, "dnf install without -y", "DL3038", fixable=True),
    _c("DFC322", "dnf-clean", W, "dnf install without `dnf clean all`", "DL3040"),
    _c("DFC323", "dnf-pin", W, "dnf install without versions", "DL3041"),
    _c("DFC324", "pip-no-cache-dir", W, "pip install without --no-cache-dir", "DL3042",
       fixable=True),
    _c("DFC325", "useradd-long-uid", W, "useradd with a large UID but without -l", "DL3046",
       fixable=True),
    _c("DFC326", "wget-progress", N, "wget without --progress: bloated build logs",
       "DL3047"),
    _c("DFC327", "yarn-cache-clean", N, "yarn install without `yarn cache clean`", "DL3060"),
    _c("DFC328", "go-install-version", W, "go install without @version", "DL3062"),
    _c("DFC329", "wget-and-curl", W, "Both wget and curl in one stage", "DL4001"),
    _c("DFC330", "ln-bin-sh", W, "Replacing /bin/sh with ln: use SHELL", "DL4005"),
    _c("DFC331", "pipefail", W, "RUN with a pipe but no `-o pipefail`", "DL4006"),
    # --- whole-build analysis ----------------------------------------------------------
    _c("DFC400", "global-arg-not-redeclared", W,
       "A global ARG is used in a stage that did not redeclare it"),
    _c("DFC401", "undefined-variable", W, "A variable is used but never defined",
       "UndefinedVar"),
    _c("DFC402", "unused-arg", N, "An ARG is declared but never used"),
    _c("DFC403", "secret-value", E, "A value looks like a credential"),
    _c("DFC404", "secret-arg-in-run", W, "A secret ARG is used by a RUN of a shipped stage"),
    _c("DFC405", "credential-file-copied", E,
       "A credential file of the context reaches the final image"),
    _c("DFC406", "cache-busting-copy", N,
       "A broad COPY comes before a dependency install that needs only a manifest"),
    _c("DFC407", "volatile-arg-early", N,
       "A per-build ARG is used early, invalidating every later step"),
    _c("DFC408", "cleanup-in-later-layer", W,
       "Files deleted in a later RUN than the one that made them"),
    _c("DFC409", "chmod-after-copy", N, "chmod/chown RUN after COPY duplicates the files"),
    _c("DFC410", "copy-from-missing-path", W,
       "COPY --from of a path the source stage never writes"),
    _c("DFC411", "user-not-created", W, "USER names a user that is never created"),
    _c("DFC412", "copy-ignored-file", W, "COPY source excluded by .dockerignore",
       "CopyIgnoredFile"),
    _c("DFC413", "package-manager-mismatch", E,
       "The package manager does not match the base image's OS"),
    _c("DFC414", "shell-missing", E, "The shell a RUN needs is not in the base image"),
    _c("DFC415", "implicit-root", N, "The final image runs as root by default",
       enabled=False),
)

ENGINE_DOCS: dict[str, str] = {
    "DFC000": """The instruction does not parse (alias DL1000).

The rest of the file is still linted: the failing instruction is left out and the
file parsed again. Fix the syntax error; the message says what the parser expected.
""",
    "DFC001": """The file parses but cannot be compiled.

For example a `COPY --from` naming a later stage, or a `--from` with a variable.
Rules that need the compiled plan are skipped; the AST rules still run.
""",
    "DFC002": """A suppression comment suppresses nothing.

`# dfc ignore=CODE`, `# hadolint ignore=CODE` or `# check=skip=Rule` that matched no
finding of an enabled rule: remove it, or it will hide a future problem. Unknown codes
in a suppression are reported here too.
""",
    "DFC003": """An inline suppression comment is used (alias DL1001; off by default).

Select it to forbid suppression comments in CI.
""",
    "DFC004": """Only ARG (and comments) may come before the first FROM (alias DL3061).

Catches:

    LABEL a=b
    FROM alpine:3.20
""",
    "DFC005": """ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER (alias DL3043).

Catches:

    ONBUILD FROM alpine:3.20
""",
}

_BY_CODE = {c.code: c for c in CODES}


def by_code(code: str) -> Code | None:
    return _BY_CODE.get(code.upper())


def _index() -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for c in CODES:
        for key in (c.code, c.name, *c.aliases):
            index.setdefault(key.lower(), set()).add(c.code)
    return index


_NAMES = _index()


def resolve(selector: str) -> set[str]:
    """The codes a selector names: a code, a name, an alias, a code prefix (`DFC3`),
    `ALL`, or ShellCheck codes (`SC`, `SC2086`, kept as given, upper-cased).

    >>> sorted(resolve("DL3025")), sorted(resolve("MultipleInstructionsDisallowed"))
    (['DFC201'], ['DFC207', 'DFC208', 'DFC209'])
    """
    key = selector.strip()
    if not key:
        raise UsageError("empty rule selector")
    if key.upper() == "ALL":
        return set(_BY_CODE)
    if SC_CODE.match(key):
        return {key.upper()}
    found = _NAMES.get(key.lower())
    if found:
        return set(found)
    if re.fullmatch(r"DFC\d{1,2}", key, re.IGNORECASE):
        return {c for c in _BY_CODE if c.startswith(key.upper())}
    raise UsageError(f"unknown lint rule {selector!r} (see `dfc lint --explain CODE`)")


def matches(codes: Set[str], code: str) -> bool:
    """Does a resolved selector set name `code` (SC prefixes cover their codes)?"""
    if code in codes:
        return True
    return code.startswith("SC") and any(c.startswith("SC") and code.startswith(c)
                                          for c in codes)
