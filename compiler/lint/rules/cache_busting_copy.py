"""A broad COPY comes before a dependency install that needs only a manifest.

The install step's cache key includes everything the COPY brought in, so any edit in
the context (a README) reinstalls every dependency. Copy the manifest and lock file
first, install, then copy the rest.

Catches:

    COPY . /app
    RUN pip install -r requirements.txt

Instead:

    COPY requirements.txt /app/
    RUN pip install -r requirements.txt
    COPY . /app
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import subcommand
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import PIP, pip_command
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.shell import Command
from dfc.grammar import ast

MANIFESTS = {
    "npm": "package.json and package-lock.json", "yarn": "package.json and yarn.lock",
    "pnpm": "package.json and pnpm-lock.yaml", "pip": "requirements*.txt",
    "poetry": "pyproject.toml and poetry.lock", "uv": "pyproject.toml and uv.lock",
    "pipenv": "Pipfile and Pipfile.lock", "go": "go.mod and go.sum",
    "cargo": "Cargo.toml and Cargo.lock", "bundle": "Gemfile and Gemfile.lock",
    "composer": "composer.json and composer.lock", "mvn": "pom.xml",
}


def _installer(command: Command) -> str | None:
    """The ecosystem of a dependency install that reads only a manifest."""
    name, sub = command.name, subcommand(command)
    pip = pip_command(command)
    if pip is not None and subcommand(pip, PIP.valued) == "install" and \
            any(a in ("-r", "--requirement") or a.startswith("--requirement=")
                for a in pip.args):
        return "pip"
    if name in ("npm", "pnpm") and sub in ("ci", "install", "i") and \
            len([a for a in command.args if not a.startswith("-")]) == 1:
        return name
    if name == "yarn" and (sub in ("", "install")):
        return "yarn"
    if name == "go" and command.args[:2] == ("mod", "download"):
        return "go"
    if (name, sub) in (("poetry", "install"), ("pipenv", "install"), ("bundle", "install"),
                       ("composer", "install"), ("cargo", "fetch"), ("uv", "sync")):
        return name
    if name == "mvn" and any(a.startswith("dependency:") for a in command.args):
        return "mvn"
    return None


def cache_busting_copy(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        broad: ast.Copy | ast.Add | None = None
        for node in stage.instructions:
            if isinstance(node, ast.Copy | ast.Add) and broad is None and \
                    any(s.rstrip("/") in (".", "", "*", "./*") for s in node.sources) and \
                    getattr(node, "from_", None) is None:
                broad = node
            elif isinstance(node, ast.Run) and broad is not None:
                for command in lint.commands(node):
                    kind = _installer(command)
                    if kind is not None:
                        yield Hit(broad.span, f"This COPY brings in the whole context before "
                                  f"the dependency install on line {node.span.line}: any file "
                                  f"change reinstalls everything; copy {MANIFESTS[kind]} "
                                  "first, install, then copy the rest")
                        broad = None
                        break
