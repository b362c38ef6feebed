"""`dfc parse --format buildkit`: BuildKit's parser layer. What its parser must accept
(no FROM, unknown flags such as `COPY --user`, a bare HEALTHCHECK, JSON-looking commands
that are not JSON) parses, printed as BuildKit's parser tests print nodes; the
instruction-level checks stay with the compiler, with their messages."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dfc.errors import ParseError
from dfc.grammar.nodes import dump_nodes, parse_nodes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "buildkit_nodes"


@pytest.mark.parametrize(("line", "node"), [
    ("COPY --user=app --chown=1:1 src dst/", '(copy ["--user=app" "--chown=1:1"] "src" "dst/")'),
    ("HEALTHCHECK", "(healthcheck)"),
    ("HEALTHCHECK --timeout=3s CMD [\"a\", \"b c\"]",
     '(healthcheck ["--timeout=3s"] "CMD" "a" "b c")'),
    ('CMD ["echo", "x"', '(cmd "[\\"echo\\", \\"x\\"")'),
    ('CMD [ "a" ]', '(cmd "a")'),
    ('CMD ["a"] trailing', '(cmd "[\\"a\\"] trailing")'),
    ("ENV k v  w", '(env "k" "v  w")'),
    ('LABEL a="b c" d=e', '(label "a" "\\"b c\\"" "d" "e")'),
    ("ARG A B=1", '(arg "A" "B=1")'),
    ("FROM x AS y", '(from "x" "AS" "y")'),
    ("ONBUILD COPY --from=b a c", '(onbuild (copy ["--from=b"] "a" "c"))'),
    ("NOTANINSTRUCTION a b", "(notaninstruction)"),
    ("RUN\techo\t'\\n'", "(run \"echo\\t'\\\\n'\")"),
])
def test_lines_become_buildkits_nodes(line: str, node: str) -> None:
    assert dump_nodes(parse_nodes(line + "\n")) == node + "\n"


def test_parser_level_errors() -> None:
    with pytest.raises(ParseError, match="ENV must have two arguments"):
        parse_nodes("ENV KEY\n")
    with pytest.raises(ParseError, match="can't find = in"):
        parse_nodes("LABEL a=b c\n")
    with pytest.raises(ParseError, match="arrays must be comprised of strings only"):
        parse_nodes('ENTRYPOINT ["x", 1]\n')


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.Dockerfile")))
def test_whole_files_through_the_cli(name: str, dfc_cmd: list[str]) -> None:
    out = subprocess.run([*dfc_cmd, "parse", "--format", "buildkit",
                          str(FIXTURES / f"{name}.Dockerfile")], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (FIXTURES / f"{name}.result").read_text()


def test_instruction_checks_stay_with_the_compiler(dfc_cmd: list[str], tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM busybox\nCOPY --user=app a b\n")
    parsed = subprocess.run([*dfc_cmd, "parse", "--format", "buildkit", str(dockerfile)],
                            capture_output=True, text=True)
    assert parsed.stdout == '(from "busybox")\n(copy ["--user=app"] "a" "b")\n'
    compiled = subprocess.run([*dfc_cmd, "compile", str(dockerfile)], capture_output=True,
                              text=True)
    assert compiled.returncode != 0
    assert "error: unknown flag: --user" in compiled.stderr


def test_a_file_without_from_parses_and_fails_to_compile(dfc_cmd: list[str],
                                                         tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("ARG A=1\nRUN echo hi\n")
    parsed = subprocess.run([*dfc_cmd, "parse", str(dockerfile)], capture_output=True,
                            text=True)
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.splitlines()[1] == '2:1 RUN command={"type": "shell", "text": ' \
        '"echo hi"}'
    compiled = subprocess.run([*dfc_cmd, "compile", str(dockerfile)], capture_output=True,
                              text=True)
    assert compiled.returncode == 1
    assert compiled.stderr.startswith(f"{dockerfile}:2:1: error: no build stage in current "
                                      "context\n")
