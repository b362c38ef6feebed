"""`dfc parse` works at BuildKit's parser layer; the instruction layer's checks run when a
file is compiled (dfc.compiler.checks), with the messages, places and exit code they had
as parse errors.

The files below are written for dfc in the shapes BuildKit's own parser test files cover
(flags on any instruction, health checks, JSON-looking text, ONBUILD, unknown words);
each expected node dump follows BuildKit's line parsers: flags without quotes and without
the `--` that ends them, JSON arrays only when the whole text decodes, and so on.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dfc.compiler.checks import parse_checked
from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.parser import parse_dockerfile

SHAPES: dict[str, tuple[str, str]] = {
    "flags-anywhere": (
        "FROM scratch\n"
        "COPY --owner=me src /dst/\n"
        "COPY --from=base --verbose=yes src /dst/\n"
        "COPY --verbose=yes -- src /dst/\n"
        "COPY -- src /dst/\n"
        'COPY --chown="app user" --link src /dst/\n'
        'ENTRYPOINT --now [ "run", "fast" ]\n'
        'ENTRYPOINT --now=1 -- [ "run" ]\n'
        "CMD --later [ ]\n"
        "USER --x root\n"
        "WORKDIR --y /srv\n"
        "EXPOSE --z 80\n"
        "VOLUME --q /v\n"
        'SHELL --s ["/bin/sh", "-c"]\n'
        "LABEL --l a=b\n"
        "MAINTAINER --m me\n"
        "ARG --foo X\n"
        "STOPSIGNAL --sig SIGINT\n"
        "RUN --network=bogus --security=nope true\n"
        "RUN --mount=type=nope true\n"
        "COPY --link=maybe src /dst/\n"
        "COPY --chmod src /dst/\n"
        "FROM --platform=linux/amd64 --platform=linux/arm64 scratch\n",
        '(from "scratch")\n'
        '(copy ["--owner=me"] "src" "/dst/")\n'
        '(copy ["--from=base" "--verbose=yes"] "src" "/dst/")\n'
        '(copy ["--verbose=yes"] "src" "/dst/")\n'
        '(copy "src" "/dst/")\n'
        '(copy ["--chown=app user" "--link"] "src" "/dst/")\n'
        '(entrypoint ["--now"] "run" "fast")\n'
        '(entrypoint ["--now=1"] "run")\n'
        '(cmd ["--later"])\n'
        '(user ["--x"] "root")\n'
        '(workdir ["--y"] "/srv")\n'
        '(expose ["--z"] "80")\n'
        '(volume ["--q"] "/v")\n'
        '(shell ["--s"] "/bin/sh" "-c")\n'
        '(label ["--l"] "a" "b")\n'
        '(maintainer ["--m"] "me")\n'
        '(arg ["--foo"] "X")\n'
        '(stopsignal ["--sig"] "SIGINT")\n'
        '(run ["--network=bogus" "--security=nope"] "true")\n'
        '(run ["--mount=type=nope"] "true")\n'
        '(copy ["--link=maybe"] "src" "/dst/")\n'
        '(copy ["--chmod"] "src" "/dst/")\n'
        '(from ["--platform=linux/amd64" "--platform=linux/arm64"] "scratch")\n'),
    "health-checks": (
        "FROM scratch\n"
        "HEALTHCHECK\n"
        "HEALTHCHECK CMD\n"
        "HEALTHCHECK     CMD    check   --all\n"
        'HEALTHCHECK --retries=2 --timeout=4s CMD ["probe", "-q"]\n'
        "HEALTHCHECK PING host 9000\n"
        "HEALTHCHECK NONE extra\n"
        "HEALTHCHECK --interval=1 CMD probe\n"
        "HEALTHCHECK --retries=many CMD probe\n"
        'HEALTHCHECK --start-period=0s --retries=0 CMD ["probe"]\n'
        "HEALTHCHECK --bogus=1 NONE\n",
        '(from "scratch")\n'
        "(healthcheck)\n"
        '(healthcheck "CMD")\n'
        '(healthcheck "CMD" "check   --all")\n'
        '(healthcheck ["--retries=2" "--timeout=4s"] "CMD" "probe" "-q")\n'
        '(healthcheck "PING" "host 9000")\n'
        '(healthcheck "NONE" "extra")\n'
        '(healthcheck ["--interval=1"] "CMD" "probe")\n'
        '(healthcheck ["--retries=many"] "CMD" "probe")\n'
        '(healthcheck ["--start-period=0s" "--retries=0"] "CMD" "probe")\n'
        '(healthcheck ["--bogus=1"] "NONE")\n'),
    "no-arguments": (
        "ARG ONLY_ARG=1\nRUN\nCMD\nENTRYPOINT\nCOPY\nADD lonely\nEXPOSE\nUSER\nWORKDIR\n"
        "VOLUME\nSHELL\nARG\nENV\nLABEL\nFROM\nSTOPSIGNAL\nMAINTAINER\nFROM a b\n"
        'FROM base AS 9lives\nSHELL echo hi\nSHELL []\nVOLUME [""]\n',
        '(arg "ONLY_ARG=1")\n(run)\n(cmd)\n(entrypoint)\n(copy)\n(add "lonely")\n(expose)\n'
        "(user)\n(workdir)\n(volume)\n(shell)\n(arg)\n(env)\n(label)\n(from)\n(stopsignal)\n"
        '(maintainer)\n(from "a" "b")\n(from "base" "AS" "9lives")\n(shell "echo hi")\n'
        '(shell)\n(volume "")\n'),
    "json-looking-text": (
        'CMD ["a" "b"]\n'
        "CMD ['single', 'quotes']\n"
        'RUN [ "sh", "-c", "echo hi"\n'
        'ENTRYPOINT ["tab\\there"]\n'
        'COPY ["only-one"]\n'
        'ADD [ "one" "two" ] dest\n'
        'VOLUME ["/a", "/b"]\n'
        "ENTRYPOINT []random string\n"
        'RUN ["echo", "hi"]  \n'
        "FROM scratch\n",
        '(cmd "[\\"a\\" \\"b\\"]")\n'
        "(cmd \"['single', 'quotes']\")\n"
        '(run "[ \\"sh\\", \\"-c\\", \\"echo hi\\"")\n'
        '(entrypoint "tab\\there")\n'
        '(copy "only-one")\n'
        '(add "[" "\\"one\\"" "\\"two\\"" "]" "dest")\n'
        '(volume "/a" "/b")\n'
        '(entrypoint "[]random string")\n'
        '(run "echo" "hi")\n'
        '(from "scratch")\n'),
    "onbuild-oddities": (
        "FROM scratch\n"
        "ONBUILD\n"
        "ONBUILD ONBUILD RUN x\n"
        "ONBUILD FROM other\n"
        "ONBUILD MAINTAINER me\n"
        "ONBUILD --x RUN y\n"
        "ONBUILD FOO bar\n"
        "ONBUILD COPY --owner=me a b\n"
        "ONBUILD   run   lower case\n",
        '(from "scratch")\n'
        "(onbuild)\n"
        '(onbuild (onbuild (run "x")))\n'
        '(onbuild (from "other"))\n'
        '(onbuild (maintainer "me"))\n'
        '(onbuild ["--x"] (run "y"))\n'
        "(onbuild (foo))\n"
        '(onbuild (copy ["--owner=me"] "a" "b"))\n'
        '(onbuild (run "lower case"))\n'),
    "unknown-words": (
        "FROM scratch\n"
        "RUNN echo hi\n"
        "copyy a b\n"
        "FROM scratch AS second\n"
        "INSTALL --with-flags package\n"
        "RUN cat<<EOT\n"
        "body\n"
        "EOT\n",
        '(from "scratch")\n(runn)\n(copyy)\n(from "scratch" "AS" "second")\n'
        '(install ["--with-flags"])\n(run "cat<<EOT")\n(body)\n(eot)\n'),
}


@pytest.fixture(params=sorted(SHAPES))
def shape(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    text, nodes = SHAPES[request.param]
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    return dockerfile, nodes


def _dfc(dfc_cmd: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*dfc_cmd, *args], capture_output=True, text=True, check=False)


def _private_store(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DFC_ROOT": str(tmp_path / "store")}


def test_buildkit_node_dump(shape: tuple[Path, str], dfc_cmd: list[str]) -> None:
    dockerfile, nodes = shape
    result = _dfc(dfc_cmd, "parse", "--format", "buildkit", str(dockerfile))
    assert (result.returncode, result.stderr, result.stdout) == (0, "", nodes)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_typed_parse_accepts_what_buildkits_parser_accepts(
        shape: tuple[Path, str], fmt: str, dfc_cmd: list[str]) -> None:
    """One typed node (valid or REJECTED) per BuildKit node, in the same order."""
    dockerfile, nodes = shape
    result = _dfc(dfc_cmd, "parse", "--format", fmt, str(dockerfile))
    assert (result.returncode, result.stderr) == (0, "")
    if fmt == "json":
        tree = json.loads(result.stdout)
        keywords = [n["keyword"].lower() for n in sorted(
            tree["instructions"] + tree["rejected"], key=lambda n: n["span"])]
    else:
        keywords = [line.split()[1].lower() if "REJECTED" not in line
                    else line.split('keyword="')[1].split('"')[0].lower()
                    for line in result.stdout.splitlines() if line[:1].isdigit()]
    assert keywords == [line[1:].split(" ")[0].rstrip(")") for line in nodes.splitlines()]


def test_the_typed_ast_keeps_the_flag_words_as_written() -> None:
    tree = parse_dockerfile('FROM x\nCOPY --chown="app user" --link a b\n'
                            "COPY --owner=me -- a b\n")
    copy = tree.instructions[1]
    assert isinstance(copy, ast.Copy)
    assert [(f.word, str(f.span)) for f in copy.flags] == [('--chown="app user"', "2:6"),
                                                           ("--link", "2:25")]
    assert (copy.chown, copy.link) == ("app user", True)
    [rejected] = tree.rejected
    assert (rejected.keyword, [f.word for f in rejected.flags], rejected.text) == (
        "COPY", ["--owner=me"], "a b")
    assert rejected.error == "unknown flag: --owner (did you mean --chown?)"
    assert str(rejected.error_span) == "3:6"


def test_json_looking_text_is_shell_form_in_both_layers() -> None:
    text = 'FROM x\nCMD ["a" "b"]\nENTRYPOINT []random string\nRUN ["a"]\n'
    cmd, entrypoint, run = parse_dockerfile(text).instructions[1:]
    assert isinstance(cmd, ast.Cmd) and isinstance(entrypoint, ast.Entrypoint)
    assert isinstance(run, ast.Run)
    assert cmd.command == ast.ShellForm(span=cmd.command.span, text='["a" "b"]')
    assert entrypoint.command == ast.ShellForm(span=entrypoint.command.span,
                                               text="[]random string")
    assert run.command == ast.ExecForm(span=run.command.span, args=("a",))


def test_parser_level_errors_stay_parse_errors(dfc_cmd: list[str], tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM x\nUSER --x root\nRUN ["a", 1]\n')
    result = _dfc(dfc_cmd, "parse", str(dockerfile))
    assert result.returncode == 1
    assert "error: when using JSON array syntax, arrays must be comprised of strings only" \
        in result.stderr


# BuildKit's parser reads ONBUILD's trigger and refuses these lines before any instruction
# check: (instruction after `FROM scratch`, column, caret width, message).
PARSER_LEVEL = [
    ("ONBUILD ENV A", 9, 5, "ENV must have two arguments"),
    ('ONBUILD RUN ["a", 1]', 13, 8,
     "when using JSON array syntax, arrays must be comprised of strings only"),
    ("ONBUILD LABEL a=b c", 19, 1,
     'Syntax error - can\'t find = in "c". Must be of the form: name=value'),
    ("ONBUILD --x ENV A", 1, 17, "ENV must have two arguments"),
    ("ENV --x A=1 B", 1, 13, 'Syntax error - can\'t find = in "B". Must be of the form: '
     "name=value"),
]


@pytest.mark.parametrize(("line", "column", "width", "message"), PARSER_LEVEL,
                         ids=[p[0] for p in PARSER_LEVEL])
def test_parser_level_errors_win_over_instruction_checks(
        line: str, column: int, width: int, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_dockerfile(f"FROM scratch\n{line}\n", "Dockerfile")
    assert info.value.render() == (f"Dockerfile:2:{column}: error: {message}\n  |\n"
                                   f"2 | {line}\n  | {' ' * (column - 1)}{'^' * width}")


# (instruction after `FROM scratch`, column, caret width, message): what compiling said
# when these were parse errors, and still says.
BAD = [
    ("COPY --owner=me src /dst/", 6, 10, "unknown flag: --owner (did you mean --chown?)"),
    ("COPY --verbose=yes -- src /dst/", 6, 13, "unknown flag: --verbose"),
    ("USER --x root", 6, 3, "unknown flag: --x"),
    ("RUN --network=bogus true", 5, 15, 'invalid network mode "bogus"'),
    ("RUN --mount=type=nope true", 5, 17, 'unsupported mount type "nope"'),
    ("COPY --link=maybe src /dst/", 6, 12,
     "expecting boolean value for flag --link, not: maybe"),
    ("COPY --chmod src /dst/", 6, 7, "missing a value on flag: --chmod"),
    ("FROM --platform=linux/amd64 --platform=linux/arm64 scratch", 29, 22,
     "duplicate flag specified: --platform"),
    ("HEALTHCHECK", 1, 11, "HEALTHCHECK requires at least one argument"),
    ("HEALTHCHECK PING host 9000", 13, 4, 'Unknown type "PING" in HEALTHCHECK (try CMD)'),
    ("HEALTHCHECK NONE extra", 18, 5, "HEALTHCHECK NONE takes no arguments"),
    ("HEALTHCHECK --interval=1 CMD probe", 13, 12, 'time: missing unit in duration "1"'),
    ("ADD lonely", 1, 10, "ADD requires at least two arguments, but only one was provided. "
     "Destination could not be determined"),
    ("FROM base AS 9lives", 14, 6, 'invalid name for build stage: "9lives", name can\'t '
     "start with a number or contain symbols"),
    ("SHELL echo hi", 1, 13, "SHELL requires the arguments to be in JSON form"),
    ("ONBUILD", 1, 7, "ONBUILD requires at least one argument"),
    ("ONBUILD ONBUILD RUN x", 9, 7, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
    ("ONBUILD --x RUN y", 9, 3, "unknown flag: --x"),
    ("RUNN echo hi", 1, 4, "unknown instruction: RUNN (did you mean RUN?)"),
]


@pytest.mark.parametrize(("line", "column", "width", "message"), BAD, ids=[b[0] for b in BAD])
def test_the_instruction_layer_fails_the_compile(
        line: str, column: int, width: int, message: str) -> None:
    text = f"FROM scratch\n{line}\n"
    assert parse_dockerfile(text).rejected
    with pytest.raises(ParseError) as info:
        parse_checked(text, "Dockerfile")
    assert info.value.render() == (f"Dockerfile:2:{column}: error: {message}\n  |\n"
                                   f"2 | {line}\n  | {' ' * (column - 1)}{'^' * width}")


@pytest.mark.parametrize("index", [0, 3, 8, 13, 16, 18], ids=lambda i: BAD[i][0])
def test_dfc_build_fails_before_building(index: int, dfc_cmd: list[str],
                                         tmp_path: Path) -> None:
    line, column, width, message = BAD[index]
    (tmp_path / "Dockerfile").write_text(f"FROM scratch\n{line}\n")
    result = subprocess.run([*dfc_cmd, "build", "-q", "."], cwd=tmp_path, capture_output=True,
                            text=True, check=False, env=_private_store(tmp_path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"Dockerfile:2:{column}: error: {message}\n  |\n"
                             f"2 | {line}\n  | {' ' * (column - 1)}{'^' * width}\n")


@pytest.mark.parametrize(("text", "error"), [
    ("RUN echo hi\nFROM scratch\n", "Dockerfile:1:1: error: no build stage in current context"),
    ("ARG A\n", "Dockerfile: error: dockerfile contains no stages to build"),
    ('CMD ["a" "b"]\n', "Dockerfile:1:1: error: no build stage in current context"),
])
def test_stages_are_checked_when_compiling(text: str, error: str, dfc_cmd: list[str],
                                           tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(text)
    parsed = _dfc(dfc_cmd, "parse", str(tmp_path / "Dockerfile"))
    assert parsed.returncode == 0, parsed.stderr
    for command in ("compile", "graph", "build"):
        result = subprocess.run([*dfc_cmd, command, "."] if command == "build"
                                else [*dfc_cmd, command, "Dockerfile"], cwd=tmp_path,
                                capture_output=True, text=True, check=False,
                                env=_private_store(tmp_path))
        assert result.returncode == 1, command
        assert result.stderr.splitlines()[0] == error, command
