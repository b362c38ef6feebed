"""`dfc lint` as a user runs it: exit codes, formats, discovery, fixes, the store."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import NamedTuple

import jsonschema
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lint"
BAD = "FROM debian\nMAINTAINER me\nRUN cd /src && make\nCMD make run\n"


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(name="dfc_cmd")
def in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`dfc` run in this process through the console entry point (same exit codes and
    output as the script, without paying the interpreter start-up per call)."""
    from dfc.cli import main

    def call(args: list[str], cwd: Path | None, stdin: str | None) -> Result:
        with monkeypatch.context() as patch:
            patch.setattr(sys, "argv", ["dfc", *args])
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            if cwd is not None:
                patch.chdir(cwd)
            capsys.readouterr()
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return call


def run(cmd, *args: str, cwd: Path | None = None, stdin: str | None = None) -> Result:  # type: ignore[no-untyped-def]
    return cmd(["lint", *args], cwd, stdin)


@pytest.mark.slow
def test_console_script_exit_code(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "dfc"
    (tmp_path / "Dockerfile").write_text(BAD)
    proc = subprocess.run([str(script), "lint", "--no-shellcheck", "Dockerfile"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "DFC301" in proc.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "api.Dockerfile").write_text("FROM debian:12\nRUN cd /x\n")
    (tmp_path / "services" / "Dockerfile.dev").write_text("FROM debian:12\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "Dockerfile").write_text("FROM debian\n")
    (tmp_path / "notes.txt").write_text("FROM debian\n")
    (tmp_path / ".gitignore").write_text("build/\n")
    return tmp_path


def test_exit_codes(dfc_cmd, tmp_path: Path) -> None:
    clean = tmp_path / "Dockerfile"
    clean.write_text('FROM debian:12\nCMD ["true"]\n')
    assert run(dfc_cmd, str(clean)).returncode == 0
    clean.write_text(BAD)
    assert run(dfc_cmd, str(clean)).returncode == 1
    assert run(dfc_cmd, "--failure-threshold", "none", str(clean)).returncode == 0
    assert run(dfc_cmd, "--select", "NOPE", str(clean)).returncode == 125
    assert run(dfc_cmd, str(tmp_path / "missing")).returncode == 125
    (tmp_path / ".dfc.toml").write_text("select = [\n")
    broken = run(dfc_cmd, str(clean))
    assert broken.returncode == 125 and ".dfc.toml" in broken.stderr


def test_discovery_honours_gitignore(dfc_cmd, project: Path) -> None:
    out = json.loads(run(dfc_cmd, "-f", "json", "--no-shellcheck", ".", cwd=project).stdout)
    files = {f["file"] for f in out}
    assert files == {"Dockerfile", "services/api.Dockerfile"}  # Dockerfile.dev is clean
    tty = run(dfc_cmd, "--no-shellcheck", ".", cwd=project).stdout
    assert "build/Dockerfile" not in tty and "notes.txt" not in tty


def test_json_and_tty(dfc_cmd, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BAD)
    found = json.loads(run(dfc_cmd, "-f", "json", cwd=tmp_path).stdout)
    cd = next(f for f in found if f["code"] == "DFC301")
    assert (cd["line"], cd["column"], cd["endColumn"], cd["aliases"]) == (3, 5, 12, ["DL3003"])
    tty = run(dfc_cmd, cwd=tmp_path).stdout
    assert "Dockerfile:3:5: warning[DFC301]: Use WORKDIR" in tty and "    ^^^^^^^" in tty


def test_sarif_validates_against_the_schema(dfc_cmd, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BAD)
    log = json.loads(run(dfc_cmd, "-f", "sarif", cwd=tmp_path).stdout)
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    driver = log["runs"][0]["tool"]["driver"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["DFC201"]["properties"]["aliases"] == ["DL3025", "JSONArgsRecommended"]
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "DFC200")
    assert driver["rules"][result["ruleIndex"]]["id"] == "DFC200"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]


def test_github_checkstyle_gnu(dfc_cmd, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BAD)
    github = run(dfc_cmd, "-f", "github", cwd=tmp_path).stdout
    assert "::warning file=Dockerfile,line=3,col=5,endLine=3,endColumn=12,title=DFC301" in github
    root = ET.fromstring(run(dfc_cmd, "-f", "checkstyle", cwd=tmp_path).stdout)
    assert root.find("file/error[@source='dfc.DFC200']") is not None
    gnu = run(dfc_cmd, "-f", "gnu", cwd=tmp_path).stdout
    assert "Dockerfile:3.5-3.12: warning: Use WORKDIR to switch to a directory [DFC301]" in gnu


def test_explain(dfc_cmd) -> None:
    out = run(dfc_cmd, "--explain", "DL3025").stdout
    assert out.startswith("DFC201 json-args-recommended (aliases: DL3025, JSONArgsRecommended)")
    assert "Catches:" in out
    assert "shellcheck.net/wiki/SC2086" in run(dfc_cmd, "--explain", "SC2086").stdout
    assert run(dfc_cmd, "--explain", "nope").returncode == 125


def test_stdin(dfc_cmd) -> None:
    found = json.loads(run(dfc_cmd, "-f", "json", "-", stdin=BAD).stdout)
    assert {f["file"] for f in found} == {"-"}


GOLDEN = sorted(p.name.split(".")[0] for p in (FIXTURES / "fix").glob("*.before.Dockerfile"))


@pytest.mark.parametrize("name", GOLDEN)
def test_fix_golden(dfc_cmd, tmp_path: Path, name: str) -> None:
    target = tmp_path / "Dockerfile"
    shutil.copy(FIXTURES / "fix" / f"{name}.before.Dockerfile", target)
    select = [] if name == "all" else ["--select", name]
    diff = run(dfc_cmd, *select, "--diff", str(target))
    assert diff.stdout.startswith("---") and target.read_text() == \
        (FIXTURES / "fix" / f"{name}.before.Dockerfile").read_text()
    run(dfc_cmd, *select, "--fix", str(target))
    assert target.read_text() == (FIXTURES / "fix" / f"{name}.after.Dockerfile").read_text()


@pytest.mark.slow
def test_base_image_from_the_store(dfc_cmd, busybox_image, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = str(busybox_image.store.root)
    (tmp_path / "Dockerfile").write_text(
        'FROM busybox:latest\nSHELL ["/bin/bash", "-c"]\nRUN echo hi\nUSER app\n')
    found = json.loads(run(dfc_cmd, "-f", "json", "--root", root, cwd=tmp_path).stdout)
    codes = {f["code"] for f in found}
    assert {"DFC411", "DFC414"} <= codes
    (tmp_path / "Dockerfile").write_text("FROM busybox:latest\nRUN echo hi\nUSER nobody\n")
    found = json.loads(run(dfc_cmd, "-f", "json", "--root", root, cwd=tmp_path).stdout)
    assert not {"DFC411", "DFC414"} & {f["code"] for f in found}
