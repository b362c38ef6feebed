"""The documentation of a lint rule as `--explain` shows it."""

from __future__ import annotations

from dfc.compiler.lint.codes import by_code, resolve
from dfc.errors import UsageError


def explain(code: str) -> str:
    """What `dfc lint --explain CODE` prints: every rule the name resolves to."""
    found = sorted(resolve(code))
    if not found:
        raise UsageError(f"unknown lint rule {code!r}")
    parts = []
    for name in found:
        info = by_code(name)
        if info is None:
            parts.append(f"{name}: a ShellCheck check, run on shell-form RUN and heredoc "
                         f"scripts.\nSee https://www.shellcheck.net/wiki/{name}\n")
            continue
        aliases = f" (aliases: {', '.join(info.aliases)})" if info.aliases else ""
        traits = [f"severity {info.severity.value}",
                  "fixable" if info.fixable else "not fixable",
                  "on by default" if info.enabled else "off by default (select it)"]
        parts.append(f"{info.code} {info.name}{aliases}\n{', '.join(traits)}\n\n"
                     f"{info.doc.strip()}\n")
    return "\n".join(parts)
