"""Parser behaviour that most reimplementations get wrong (reference section 11)."""

from __future__ import annotations

import pytest

from dfc.compiler.checks import parse_checked
from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.parser import parse_dockerfile


def only(text: str) -> list[ast.AnyInstruction]:
    return list(parse_dockerfile(text).instructions)


def test_continuation_keeps_whitespace_and_inserts_nothing() -> None:
    runs = only("FROM x\nRUN echo hello\\\nworld\nRUN echo a \\\n  b\n")[1:]
    assert [r.command.text for r in runs] == ["echo helloworld", "echo a   b"]


def test_comments_inside_continuations_are_dropped_and_do_not_continue() -> None:
    nodes = only("FROM x\nRUN echo a \\\n    # note\n    b\n# trailing \\\nRUN echo c\n")
    assert [n.command.text for n in nodes[1:]] == ["echo a     b", "echo c"]


def test_hash_is_only_a_comment_at_line_start() -> None:
    assert only("FROM x\nRUN echo a # b\n")[1].command.text == "echo a # b"


def test_directives_stop_at_the_first_plain_comment() -> None:
    tree = parse_dockerfile("# hello\n# escape=`\nFROM x\n")
    assert tree.directives.escape == "\\"


def test_backtick_escape_continues_lines() -> None:
    tree = parse_dockerfile("# escape=`\nFROM x\nRUN echo a `\n  b\n")
    assert tree.directives.escape == "`"
    assert tree.instructions[1].command.text == "echo a   b"


def test_doubled_escape_at_end_of_line_is_not_a_continuation() -> None:
    nodes = only("FROM x\nENV P=C:\\\\\nRUN x\n")
    assert nodes[1].pairs[0].value == "C:\\\\"
    assert nodes[2].command.text == "x"


def test_invalid_json_is_shell_form() -> None:
    cmd = only("FROM x\nCMD ['a']\n")[1]
    assert cmd.command == ast.ShellForm(span=cmd.command.span, text="['a']")


def test_non_string_json_is_an_error() -> None:
    with pytest.raises(ParseError, match="arrays must be comprised of strings only"):
        parse_dockerfile('FROM x\nRUN ["a", 1]\n')


def test_single_string_instructions_keep_spaces() -> None:
    assert only("FROM x\nWORKDIR /my dir\n")[1].path == "/my dir"


def test_env_legacy_form_takes_the_rest() -> None:
    pair = only("FROM x\nENV A B C\n")[1].pairs[0]
    assert (pair.key, pair.value, pair.legacy) == ("A", "B C", True)
    with pytest.raises(ParseError, match="can't find = in \"B\""):
        parse_dockerfile("FROM x\nENV A=1 B\n")


def test_heredoc_needs_a_word_starting_with_double_less_than() -> None:
    text = "FROM x\nRUN cat<<EOF\nhello\nEOF\n"
    assert [node.keyword for node in parse_dockerfile(text).rejected] == ["hello", "EOF"]
    with pytest.raises(ParseError, match="unknown instruction: hello"):
        parse_checked(text)
    run = only("FROM x\nRUN cat <<EOF\nhello\nEOF\n")[1]
    assert run.heredocs[0].body == "hello\n"


def test_several_heredocs_in_order_and_quoted_delimiters() -> None:
    copy = only("FROM x\nCOPY <<A <<'B' /dest/\none $x\nA\ntwo $x\nB\n")[1]
    assert [(h.name, h.body, h.expand) for h in copy.heredocs] == [
        ("A", "one $x\n", True), ("B", "two $x\n", False)]
    assert copy.sources == () and copy.dest == "/dest/"


def test_chomp_heredoc_terminator_may_be_tab_indented() -> None:
    run = only("FROM x\nRUN <<-EOF\n\techo hi\n\tEOF\n")[1]
    assert run.heredocs[0].chomp and run.heredocs[0].body == "\techo hi\n"


def test_unterminated_heredoc() -> None:
    with pytest.raises(ParseError, match="unterminated heredoc"):
        parse_dockerfile("FROM x\nRUN <<EOF\nhello\n")


def test_double_dash_ends_flags() -> None:
    copy = only("FROM x\nCOPY -- --weird /x\n")[1]
    assert copy.sources == ("--weird",)


def test_flags_are_ignored_on_arg_and_stopsignal_but_not_env() -> None:
    nodes = only("FROM x\nARG --foo X\nSTOPSIGNAL --x SIGINT\n")
    assert nodes[1].args[0].name == "X" and nodes[2].signal == "SIGINT"
    with pytest.raises(ParseError, match="unknown flag: --x"):
        parse_checked("FROM x\nENV --x a=b\n")


def test_onbuild_forbidden_triggers() -> None:
    for text, message in [("ONBUILD ONBUILD RUN x", "Chaining ONBUILD"),
                          ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
                          ("ONBUILD MAINTAINER x", "MAINTAINER isn't allowed")]:
        assert parse_dockerfile(f"FROM x\n{text}\n").rejected[0].error.startswith(message)
        with pytest.raises(ParseError, match=message):
            parse_checked(f"FROM x\n{text}\n")


def test_onbuild_stores_bad_triggers_unchecked() -> None:
    node = only("FROM x\nONBUILD FOOBAR x\n")[1]
    assert node.trigger is None and node.text == "FOOBAR x"


def test_error_is_located_with_a_caret() -> None:
    with pytest.raises(ParseError) as info:
        parse_checked("FROM x\nRUNN echo hi\n", "Dockerfile")
    assert info.value.render() == (
        "Dockerfile:2:1: error: unknown instruction: RUNN (did you mean RUN?)\n"
        "  |\n2 | RUNN echo hi\n  | ^^^^"
    )


def test_crlf_and_bom() -> None:
    nodes = only("\ufeffFROM x\r\nRUN a \\\r\n b\r\n")
    assert nodes[1].command.text == "a  b"
