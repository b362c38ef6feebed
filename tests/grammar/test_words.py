"""BuildKit's shell-word lexer (frontend/dockerfile/shell/lex.go), row by row.

Each row is (text, expected value or Err(message), names in `used`). Rows whose text has
no escape character run under both escape tokens; the escape rows are written per token.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfc.errors import CompileError
from dfc.grammar.words import Expansion, expand_heredoc, expand_word, expand_words

ENV = {
    "PWD": "/home",
    "NULL": "",
    "F": "a/b/c.tar.gz",
    "P": "*/",
    "KOREAN": "한국어",
    "한국어": "ko",
    "STARS": "**x",
    "BR": "[ab]x",
    "Q": "???y",
    "CLOSE": "}x",
    "BS": "\\x",
    "ML": "a\nb",
    "SPACE": "abc  def",
}


class Err(NamedTuple):
    message: str


Row = tuple[str, "str | Err", set[str]]

# Section 2.2: every operator on a set, an empty and an unset variable.
SYNTAX: list[Row] = [
    ("$PWD", "/home", {"PWD"}),
    ("${PWD}", "/home", {"PWD"}),
    ("$NOPE", "", {"NOPE"}),
    ("${NOPE}", "", {"NOPE"}),
    ("x${PWD}y$PWD", "x/homey/home", {"PWD"}),
    ("${PWD:-w}", "/home", {"PWD"}),
    ("${NULL:-w}", "w", {"NULL"}),
    ("${NOPE:-w}", "w", {"NOPE"}),
    ("${NOPE:-}", "", {"NOPE"}),
    ("${PWD-w}", "/home", {"PWD"}),
    ("${NULL-w}", "", {"NULL"}),
    ("${NOPE-w}", "w", {"NOPE"}),
    ("${PWD:+w}", "w", {"PWD"}),
    ("${NULL:+w}", "", {"NULL"}),
    ("${NOPE:+w}", "", {"NOPE"}),
    ("${PWD+w}", "w", {"PWD"}),
    ("${NULL+w}", "w", {"NULL"}),
    ("${NOPE+w}", "", {"NOPE"}),
    ("${PWD:?m}", "/home", {"PWD"}),
    ("${NULL:?m}", Err("NULL: m"), set()),
    ("${NOPE:?m}", Err("NOPE: m"), set()),
    ("${NULL:?}", Err("NULL: is not allowed to be empty"), set()),
    ("${NOPE:?}", Err("NOPE: is not allowed to be unset"), set()),
    ("${PWD?m}", "/home", {"PWD"}),
    ("${NULL?m}", "", {"NULL"}),
    ("${NOPE?m}", Err("NOPE: m"), set()),
    ("${NOPE?}", Err("NOPE: is not allowed to be unset"), set()),
    ("${NOPE?in $PWD}", Err("NOPE: in /home"), set()),
    # The word is expanded (and its names recorded) even when it is not used.
    ("${PWD:-$NOPE}", "/home", {"PWD", "NOPE"}),
    ("${NOPE:-${NOPE2:-deep}}", "deep", {"NOPE", "NOPE2"}),
    ("${NOPE:-${PWD}x}", "/homex", {"NOPE", "PWD"}),
    ('${NOPE:-"a b"}', "a b", {"NOPE"}),
    ("${NOPE:-'$PWD'}", "$PWD", {"NOPE"}),
    ('${NOPE:-"}"}', "}", {"NOPE"}),
    ("${PWD}}", "/home}", {"PWD"}),
    # Prefix and suffix removal: shortest and longest.
    ("${F#*/}", "b/c.tar.gz", {"F"}),
    ("${F##*/}", "c.tar.gz", {"F"}),
    ("${F%.*}", "a/b/c.tar", {"F"}),
    ("${F%%.*}", "a/b/c", {"F"}),
    ("${F%/*}", "a/b", {"F"}),
    ("${F%%/*}", "a", {"F"}),
    ("${F#x}", "a/b/c.tar.gz", {"F"}),
    ("${F#}", "a/b/c.tar.gz", {"F"}),
    ("${F##}", "a/b/c.tar.gz", {"F"}),
    ("${F%}", "a/b/c.tar.gz", {"F"}),
    ("${F#*}", "a/b/c.tar.gz", {"F"}),
    ("${F##*}", "", {"F"}),
    ("${F#?}", "/b/c.tar.gz", {"F"}),
    ("${F%??}", "a/b/c.tar.", {"F"}),
    ("${NOPE#x}", "", {"NOPE"}),
    ("${F#$P}", "b/c.tar.gz", {"F", "P"}),
    ("${F##$NULL}", "a/b/c.tar.gz", {"F", "NULL"}),
    ("${F#'a/'}", "b/c.tar.gz", {"F"}),
    ("${BR#[ab]}", "x", {"BR"}),
    ("${ML#*b}", "a\nb", {"ML"}),
    ("${Q#??}", "?y", {"Q"}),
    # Replacement: first match, every match.
    ("${F/./_}", "a/b/c_tar.gz", {"F"}),
    ("${F//./_}", "a/b/c_tar_gz", {"F"}),
    ("${F/*./_}", "_gz", {"F"}),
    ("${F//[/_}", "a/b/c.tar.gz", {"F"}),
    ("${F/$P/-}", "-c.tar.gz", {"F", "P"}),
    ("${F//?/-}", "------------", {"F"}),
    ("${F/.tar/}", "a/b/c.gz", {"F"}),
    ("${F///}", "a/b/c.tar.gz", {"F"}),
    ("${F/$NULL/w}", "wa/b/c.tar.gz", {"F", "NULL"}),
    ("${NOPE///}", "", {"NOPE"}),
    ("${NOPE/a/b}", "", {"NOPE"}),
    ("${F/c/$PWD}", "a/b//home.tar.gz", {"F", "PWD"}),
    # Go's ReplaceAllString: no empty match right after a match; $0 and $$ in the template.
    ("${F//*/X}", "X", {"F"}),
    ("${PWD//o*/X}", "/hX", {"PWD"}),
    ("${F//c/'<$0>'}", "a/b/<c>.tar.gz", {"F"}),
    ("${F//c/'<${0}>'}", "a/b/<c>.tar.gz", {"F"}),
    ("${F//c/'$$'}", "a/b/$.tar.gz", {"F"}),
    ("${F//c/'$1$x${x}'}", "a/b/.tar.gz", {"F"}),
    ("${F//c/'$.${'}", "a/b/$.${.tar.gz", {"F"}),
    ("${F/c/'$0'}", "a/b/$0.tar.gz", {"F"}),
    # Names: Unicode letters; positional digit runs; one-character special parameters.
    ("$KOREAN", "한국어", {"KOREAN"}),
    ("$한국어/", "ko/", {"한국어"}),
    ("${KOREAN}x", "한국어x", {"KOREAN"}),
    ("$PWD_x", "", {"PWD_x"}),
    ("$1", "", {"1"}),
    ("${1}", "", {"1"}),
    ("$001", "", {"001"}),
    ("$999aaa", "aaa", {"999"}),
    ("$0a", "a", {"0"}),
    ("$@", "", {"@"}),
    ("$*", "", {"*"}),
    ("$#", "", {"#"}),
    ("$?", "", {"?"}),
    ("$-", "", {"-"}),
    ("$$", "", {"$"}),
    ("$!", "", {"!"}),
    ("$0", "", {"0"}),
    ("${#}", "", {"#"}),
    ("${@:-all}", "all", {"@"}),
    ("${-}", "", {"-"}),
    # `$` before a character that cannot start a name is literal.
    ("$", "$", set()),
    ("a$", "a$", set()),
    ("$.", "$.", set()),
    ("$/x", "$/x", set()),
    ("$ x", "$ x", set()),
    ("\ufeff$PWD", "/home", {"PWD"}),
    # Errors.
    ("${}", Err("syntax error: bad substitution"), set()),
    ("${:}", Err("syntax error: bad substitution"), set()),
    ("${:-x}", Err("syntax error: bad substitution"), set()),
    ("${{a}", Err("syntax error: bad substitution"), set()),
    ("${", Err("syntax error: missing '}'"), set()),
    ("${a", Err("syntax error: missing '}'"), set()),
    ("${a:", Err("syntax error: missing '}'"), set()),
    ("${a:}", Err("syntax error: missing '}'"), set()),
    ("${a:-x", Err("syntax error: missing '}'"), set()),
    ("${a-${b}", Err("syntax error: missing '}'"), set()),
    ("${a:-'x}", Err("syntax error: missing '}'"), set()),
    ('${a:-"x}', Err("syntax error: missing '}'"), set()),
    ("${a#x", Err("syntax error: missing '}'"), set()),
    ("${a/b}", Err("syntax error: missing '/' in ${}"), set()),
    ("${a//}", Err("syntax error: missing '/' in ${}"), set()),
    ("${a/b/c", Err("syntax error: missing '}'"), set()),
    ("${a:=x}", Err("unsupported modifier (:=) in substitution"), set()),
    ("${a=x}", Err("unsupported modifier (=) in substitution"), set()),
    ("${a:b}", Err("unsupported modifier (:b) in substitution"), set()),
    ("${a::x}", Err("unsupported modifier (::) in substitution"), set()),
    ("${a:}}", Err("unsupported modifier (:}) in substitution"), set()),
    ("${a^^}", Err("unsupported modifier (^) in substitution"), set()),
    ("${a,,}", Err("unsupported modifier (,) in substitution"), set()),
    ("${#a}", Err("unsupported modifier (a) in substitution"), set()),
    ("${a:#x}", Err("unsupported modifier (:#) in substitution"), set()),
    ("${a:%x}", Err("unsupported modifier (:%) in substitution"), set()),
    ("${ a}", Err("unsupported modifier ( ) in substitution"), set()),
    ("${a:b${}", Err("syntax error: bad substitution"), set()),
    ("${NOPE:-${NULL:?}}", Err("NULL: is not allowed to be empty"), set()),
    ("${NOPE:-${NULL:?}", Err("syntax error: missing '}'"), set()),
    # Quotes (no escape character involved).
    ("'$PWD'", "$PWD", set()),
    ('"$PWD"', "/home", {"PWD"}),
    ("\"'$PWD'\"", "'/home'", {"PWD"}),
    ("'\"$PWD\"'", '"$PWD"', set()),
    ("a'b c'd", "ab cd", set()),
    ('"a  b"', "a  b", set()),
    ("a  b", "a  b", set()),
    ("''", "", set()),
    ('"${PWD:-"x"}"', "/home", {"PWD"}),
    ("'abc", Err("unexpected end of statement while looking for matching single-quote"), set()),
    ('"abc', Err("unexpected end of statement while looking for matching double-quote"), set()),
    ("a'", Err("unexpected end of statement while looking for matching single-quote"), set()),
    ('"$PWD', Err("unexpected end of statement while looking for matching double-quote"), set()),
]

# Section 2.3 and the pattern escapes, per escape token.
ESCAPED: list[tuple[str, str, str | Err, set[str]]] = [
    ("\\", r"he\$PWD", "he$PWD", set()),
    ("`", "he`$PWD", "he$PWD", set()),
    ("`", r"he\$PWD", "he\\/home", {"PWD"}),
    ("\\", r"abc\tdef", "abctdef", set()),
    ("`", "abc`tdef", "abctdef", set()),
    ("\\", r"hello\ there", "hello there", set()),
    ("\\", "abc\\", "abc", set()),
    ("`", "abc`", "abc", set()),
    ("\\", r"\\", "\\", set()),
    ("`", "``", "`", set()),
    ("\\", r"\'a\"", "'a\"", set()),
    ("\\", r"'\$PWD'", r"\$PWD", set()),
    ("`", "'`$PWD'", "`$PWD", set()),
    ("\\", r'"abc\tdef"', r"abc\tdef", set()),
    ("`", '"abc`tdef"', "abc`tdef", set()),
    ("\\", r'"a\"b"', 'a"b', set()),
    ("`", '"a`"b"', 'a"b', set()),
    ("\\", r'"a\$PWD"', "a$PWD", set()),
    ("`", '"a`$PWD"', "a$PWD", set()),
    ("\\", r'"a\\b"', "a\\b", set()),
    ("`", '"a``b"', "a`b", set()),
    ("`", r'"a\"', "a\\", set()),
    ("\\", r'"a\"', Err("unexpected end of statement while looking for matching double-quote"),
     set()),
    ("\\", '"a\\', Err("unexpected end of statement while looking for matching double-quote"),
     set()),
    ("\\", r"\${PWD}", "${PWD}", set()),
    ("\\", r"${NOPE:-\}}", "}", {"NOPE"}),
    ("\\", r"${NOPE:-a\"b}", 'a"b', {"NOPE"}),
    ("`", "${NOPE:-`}}", "}", {"NOPE"}),
    ("\\", "${NOPE:-x\\", Err("syntax error: missing '}'"), set()),
    # Pattern escapes use a backslash whatever the escape token is.
    ("\\", r"${STARS#\*}", "*x", {"STARS"}),
    ("`", r"${STARS#\*}", "*x", {"STARS"}),
    ("\\", r"${STARS%%\**}", "", {"STARS"}),
    ("\\", r"${Q#?\?}", "?y", {"Q"}),
    ("\\", r"${BS#\\}", "x", {"BS"}),
    ("\\", r"${CLOSE#\}}", "x", {"CLOSE"}),
    ("\\", r"${F//\//-}", "a-b-c.tar.gz", {"F"}),
    ("\\", r"${F#\x}", Err(r"invalid pattern (\x) in substitution: invalid escape '\x'"), set()),
    ("\\", r"${F%a\b}", Err(r"invalid pattern (\ba) in substitution: invalid escape '\b'"),
     set()),
    ("\\", r"${F#\[}", Err(r"invalid pattern (\[) in substitution: invalid escape '\['"), set()),
    ("`", r"${F//\//-}",
     Err(r"invalid pattern (\) in substitution: invalid escape '\' at end"), set()),
    ("`", r"${F#`x}", "a/b/c.tar.gz", {"F"}),
    ("\\", r"${F//c/\$0}", "a/b/\\c.tar.gz", {"F"}),
    ("\\", r"${F/c/\$0}", "a/b/\\$0.tar.gz", {"F"}),
]

WORDS: list[tuple[str, tuple[str, ...] | Err]] = [
    ("hello${SPACE}bye", ("helloabc", "defbye")),
    ('hello"${SPACE}"bye', ("helloabc  defbye",)),
    ("hello'${SPACE}'bye", ("hello${SPACE}bye",)),
    ("  a  b  ", ("a", "b")),
    ("a\tb\nc", ("a", "b", "c")),
    ("a\xa0b\u3000c", ("a", "b", "c")),
    ("a\x1cb", ("a\x1cb",)),
    (r"a\ b c", ("a b", "c")),
    ('a "" b', ("a", "b")),
    ('""', ()),
    ("", ()),
    ("$NULL", ()),
    ("x$NULL y", ("x", "y")),
    ("'a b' \"c d\"", ("a b", "c d")),
    ("${NOPE:-3000 4000/udp}", ("3000", "4000/udp")),
    ('${NOPE:-"x y"}', ("x", "y")),
    ("80${NOPE:-81}", ("8081",)),
    ("${PWD", Err("syntax error: missing '}'")),
    ("'a", Err("unexpected end of statement while looking for matching single-quote")),
]

HEREDOC: list[tuple[str, str | Err, set[str]]] = [
    ("\\\n", "\n", set()),
    ("\\\\\n", "\\\n", set()),
    ("\\$\n", "$\n", set()),
    ('"quotes in file"\n', '"quotes in file"\n', set()),
    ("'$PWD' \"$PWD\"\n", "'/home' \"/home\"\n", {"PWD"}),
    ("${NOPE:-'a b'}", "'a b'", {"NOPE"}),
    ("`$PWD", "`/home", {"PWD"}),
    ("a\\tb", "atb", set()),
    ("plain text\n", "plain text\n", set()),
    ("'unbalanced\n", "'unbalanced\n", set()),
    ("${PWD", Err("syntax error: missing '}'"), set()),
]

SKIP_UNSET: list[tuple[str, str | Err]] = [
    ("$NOPE", "$NOPE"),
    ("${NOPE}", "${NOPE}"),
    ("$PWD-$NOPE", "/home-$NOPE"),
    ("${NOPE:-x}", "${NOPE:-x}"),
    ("${NOPE-$PWD}", "${NOPE-/home}"),
    ('${NOPE:-"a b"}', "${NOPE:-a b}"),
    ("${NOPE#x}", "${NOPE#x}"),
    ("${NOPE//a/b}", "${NOPE/a/b}"),
    ("${NOPE?}", "${NOPE?}"),
    ("${NOPE:=x}", "${NOPE:=x}"),
    ("${NULL:-x}", "x"),
    ("$1", "$1"),
    ("${NULL:?}", Err("NULL: is not allowed to be empty")),
    ("${NOPE", Err("syntax error: missing '}'")),
]


def check(got: Expansion | Exception, expected: str | Err, used: set[str]) -> None:
    if isinstance(expected, Err):
        assert isinstance(got, CompileError), got
        assert got.message == expected.message
        assert got.span is None
    else:
        assert isinstance(got, Expansion), got
        assert got == Expansion(expected, frozenset(used))


def run_word(text: str, escape: str, skip_unset: bool = False) -> Expansion | CompileError:
    try:
        return expand_word(text, ENV, escape, skip_unset=skip_unset)
    except CompileError as e:
        return e


@pytest.mark.parametrize("escape", ["\\", "`"])
@pytest.mark.parametrize(("text", "expected", "used"), SYNTAX, ids=[r[0] for r in SYNTAX])
def test_expand_word(text: str, expected: str | Err, used: set[str], escape: str) -> None:
    assert "\\" not in text and "`" not in text, "escape rows belong in ESCAPED"
    check(run_word(text, escape), expected, used)


@pytest.mark.parametrize(
    ("escape", "text", "expected", "used"), ESCAPED, ids=[f"{r[0]} {r[1]}" for r in ESCAPED]
)
def test_escapes(escape: str, text: str, expected: str | Err, used: set[str]) -> None:
    check(run_word(text, escape), expected, used)


@pytest.mark.parametrize(("text", "expected"), WORDS, ids=[w[0] for w in WORDS])
def test_expand_words(text: str, expected: tuple[str, ...] | Err) -> None:
    if isinstance(expected, Err):
        with pytest.raises(CompileError) as info:
            expand_words(text, ENV)
        assert info.value.message == expected.message
    else:
        assert expand_words(text, ENV)[0] == expected


def test_expand_words_used_and_escape_token() -> None:
    assert expand_words("$PWD ${NOPE:-x}", ENV) == (("/home", "x"), frozenset({"PWD", "NOPE"}))
    assert expand_words("a` b c", ENV, "`") == (("a b", "c"), frozenset())
    assert expand_words("3000 4000/udp", ENV) == (("3000", "4000/udp"), frozenset())


@pytest.mark.parametrize(("text", "expected", "used"), HEREDOC, ids=[h[0] for h in HEREDOC])
def test_expand_heredoc(text: str, expected: str | Err, used: set[str]) -> None:
    try:
        got: Expansion | CompileError = expand_heredoc(text, ENV)
    except CompileError as e:
        got = e
    check(got, expected, used)


@pytest.mark.parametrize(("text", "expected"), SKIP_UNSET, ids=[s[0] for s in SKIP_UNSET])
def test_skip_unset(text: str, expected: str | Err) -> None:
    got = run_word(text, "\\", skip_unset=True)
    if isinstance(expected, Err):
        check(got, expected, set())
    else:
        assert isinstance(got, Expansion), got
        assert got.value == expected


def test_nesting_depth_is_bounded() -> None:
    assert expand_word('"${a:-' * 100 + "x" + '}"' * 100, {}).value == "x"
    with pytest.raises(CompileError, match="nested too deeply"):
        expand_word("${a:-" * 500 + "}" * 500, {})


SHELLISH = st.text(alphabet="${}:-+?#%/\\`'\" \n*aAb01_é", max_size=40)


@given(st.one_of(SHELLISH, st.text(max_size=40)), st.sampled_from(["\\", "`"]), st.booleans())
def test_expand_word_returns_or_raises_compile_error(text: str, escape: str, skip: bool) -> None:
    env = {"a": "x y", "A": "", "é": "*"}
    try:
        got = expand_word(text, env, escape, skip_unset=skip)
    except CompileError:
        return
    assert isinstance(got.value, str)
    assert all(name and name in text for name in got.used)


@given(st.one_of(SHELLISH, st.text(max_size=40)))
def test_words_and_heredoc_return_or_raise_compile_error(text: str) -> None:
    for fn in (lambda t: expand_words(t, {"a": "1 2"}), lambda t: expand_heredoc(t, {})):
        try:
            fn(text)
        except CompileError:
            pass


@given(st.text(alphabet="abc /.:\t-", max_size=30))
def test_plain_text_is_unchanged(text: str) -> None:
    assert expand_word(text, ENV) == Expansion(text, frozenset())
    assert expand_words(text, ENV) == (tuple(text.split()), frozenset())
    assert expand_heredoc(text, ENV) == Expansion(text, frozenset())
