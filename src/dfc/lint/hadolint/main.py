"""`dfc-hadolint`: dfc's linter behind hadolint's command line, for CI images and
scripts written for hadolint (also what `dfc` does when it is run under the name
`hadolint`, e.g. through a symlink).

hadolint's flags, its HADOLINT_* environment and config file lookup, its formats and
its exit status (1 for findings at or above the threshold, and for every usage error;
0 otherwise).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

from dfc.errors import DfcError
from dfc.version import VERSION

FORMAT_NAMES = ("tty", "json", "checkstyle", "codeclimate", "gitlab_codeclimate", "gnu",
                "codacy", "sonarqube", "sarif", "junit")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """A usage error exits 1, as hadolint's does (argparse's own exit is 2)."""
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(1)


def parser(prog: str) -> argparse.ArgumentParser:
    p = _Parser(prog=prog, description="Lint Dockerfiles with dfc, speaking hadolint's "
                "command line, codes and formats.")
    p.add_argument("dockerfiles", nargs="*", metavar="DOCKERFILE",
                   help="Dockerfiles to lint; - reads stdin")
    p.add_argument("-v", "--version", action="store_true", help="Show version")
    p.add_argument("-c", "--config", metavar="FILENAME", help="Path to the configuration file")
    p.add_argument("--file-path-in-report", metavar="FILEPATHINREPORT",
                   help="The file path in checkstyle, codeclimate, gitlab_codeclimate, "
                   "sonarqube and junit reports")
    p.add_argument("-o", "--output", metavar="OUTPUT", help="Output destination file")
    p.add_argument("--no-fail", action="store_true", default=None,
                   help="Exit 0 whatever is found")
    p.add_argument("--no-color", action="store_true", default=None,
                   help="Don't colorize output")
    p.add_argument("-V", "--verbose", action="store_true", default=None,
                   help="Say which configuration is used, on stderr")
    p.add_argument("-f", "--format", choices=FORMAT_NAMES, help="Output format (tty)")
    for level in ("error", "warning", "info", "style"):
        p.add_argument(f"--{level}", action="append", default=[], metavar="RULECODE",
                       help=f"Make the rule RULECODE have the level {level}")
    p.add_argument("--ignore", action="append", default=[], metavar="RULECODE",
                   help="A rule to ignore")
    p.add_argument("--trusted-registry", action="append", default=[], metavar="REGISTRY",
                   help="A registry FROM images may come from (e.g. docker.io)")
    p.add_argument("--require-label", action="append", default=[], metavar="LABELSCHEMA",
                   help="A label the image must have, as name:type (e.g. maintainer:text)")
    p.add_argument("--strict-labels", action="store_true", default=None,
                   help="Permit no labels other than the required ones")
    p.add_argument("--disable-ignore-pragma", action="store_true", default=None,
                   help="Disable inline `# hadolint ignore=...` pragmas")
    p.add_argument("-t", "--failure-threshold", metavar="THRESHOLD",
                   choices=("error", "warning", "info", "style", "ignore", "none"),
                   help="Lowest level that fails the run (default: info)")
    return p


def run(argv: list[str], prog: str = "dfc-hadolint") -> int:
    """Lint as hadolint would be asked to; the exit status."""
    from dfc.compiler.lint.config import Overrides
    from dfc.lint.engine import lint_files
    from dfc.lint.hadolint import settings as hs
    from dfc.lint.hadolint.report import exit_status, render
    from dfc.lint.inputs import inputs
    from dfc.lint.store import image_lookup

    args = parser(prog).parse_args(argv)
    if args.version:
        print(f"dfc {VERSION} (hadolint-compatible mode, hadolint 2.15 codes)")
        return 0
    if not args.dockerfiles:
        print("Please provide a Dockerfile", file=sys.stderr)
        return 1
    env = hs.environment()
    path = Path(args.config) if args.config else hs.find_file(Path.cwd(), os.environ)
    cli = hs.Settings(
        no_fail=args.no_fail, no_color=args.no_color, verbose=args.verbose,
        format=args.format,
        overrides={level: getattr(args, level) for level in hs.LEVELS},
        ignored=args.ignore, trusted_registries=args.trusted_registry,
        label_schema=hs.label_schema(args.require_label, "--require-label"),
        strict_labels=args.strict_labels, disable_ignore_pragma=args.disable_ignore_pragma,
        failure_threshold=args.failure_threshold)
    merged = hs.merge(env, hs.from_file(path) if path else hs.Settings(), cli)
    if merged.verbose:
        print(f"Configuration file used: {path}" if path else
              "No configuration was specified. Using default configuration", file=sys.stderr)
    fmt = merged.format or "tty"
    overrides = Overrides(codes="hadolint", threshold=hs.threshold(merged))
    items = inputs(args.dockerfiles, None, overrides, None, image_lookup(None),
                   given=hs.lint_config(merged))
    reports = lint_files(items, lambda note: print(note, file=sys.stderr))
    text = render(reports, fmt, not merged.no_color, args.file_path_in_report)
    if args.output:
        Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return exit_status(reports, fmt)


def main() -> None:
    """Console entry point of `dfc-hadolint`."""
    prog = Path(sys.argv[0]).name or "dfc-hadolint"
    try:
        code = run(sys.argv[1:], prog)
    except DfcError as exc:
        print(f"{prog}: {exc.message}", file=sys.stderr)
        code = 1
    sys.exit(code)
