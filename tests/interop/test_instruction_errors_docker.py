"""Docker refuses each instruction that dfc parses and then refuses to compile, on the same
line, and (apart from docker 20.10's older flag wording) with the same message; what dfc's
parser refuses, docker's parser refuses with the same message."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.grammar.test_parse_layers import BAD, PARSER_LEVEL

DOCKER_ERROR = "Error response from daemon: dockerfile parse error line "


@pytest.mark.parametrize(("line", "column", "width", "message"), BAD, ids=[b[0] for b in BAD])
def test_docker_refuses_the_same_instruction(
        line: str, column: int, width: int, message: str, docker_ready: None,
        dfc_cmd: list[str], tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM scratch\n{line}\n")
    docker = subprocess.run(["/usr/bin/docker", "build", "-q", "."], cwd=tmp_path,
                            capture_output=True, text=True,
                            env={**os.environ, "DOCKER_BUILDKIT": "0"})
    assert docker.returncode == 1
    [error] = [text for text in docker.stderr.splitlines() if text.startswith(DOCKER_ERROR)]
    where, said = error.removeprefix(DOCKER_ERROR).split(": ", 1)
    dfc = subprocess.run([*dfc_cmd, "parse", "Dockerfile"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert dfc.returncode == 0
    assert "2:1 REJECTED keyword=" in dfc.stdout
    assert where == "2"
    if "flag" not in said:  # 20.10 says `Unknown flag: x`, BuildKit `unknown flag: --x`
        assert message.startswith(said)


@pytest.mark.parametrize(("line", "column", "width", "message"), PARSER_LEVEL,
                         ids=[p[0] for p in PARSER_LEVEL])
def test_docker_fails_the_parse_with_the_same_message(
        line: str, column: int, width: int, message: str, docker_ready: None,
        tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM scratch\n{line}\n")
    docker = subprocess.run(["/usr/bin/docker", "build", "-q", "."], cwd=tmp_path,
                            capture_output=True, text=True,
                            env={**os.environ, "DOCKER_BUILDKIT": "0"})
    assert docker.returncode == 1
    assert f"failed to parse Dockerfile: {message}\n" in docker.stderr
