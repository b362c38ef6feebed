"""Shell words: the quote-aware splitting and `$VAR` expansion Docker applies to arguments.

`split_raw` is the parse-time splitter (BuildKit's `parseWords`): it keeps quotes and
escapes in the word text, because they are removed later by expansion.

`expand_word`, `expand_words` and `expand_heredoc` run BuildKit's shell lexer
(grammar/shell_lexer.py) in its three modes. Where BuildKit would print its end-of-input
rune in a message, a plain message is given instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from dfc.grammar.shell_lexer import SPACE_RUN, Lexer, Words


def split_raw(text: str, escape: str = "\\") -> list[str]:
    """Split on unquoted whitespace, keeping quotes and escapes in the words.

    Inside `'...'` the escape token means nothing; inside `"..."` and outside quotes it
    keeps itself and the next character. An escape token at the very end is dropped and an
    unterminated quote runs to the end of the text.

    >>> split_raw('a="x y" b\\\\ c \\'d e\\'')
    ['a="x y"', 'b\\\\ c', "'d e'"]
    >>> split_raw('')
    []
    """
    words: list[str] = []
    word: list[str] = []
    in_word = False
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if i + 1 == n:
                    i += 1
                    continue
                word.append(ch)
                i += 1
                ch = text[i]
            word.append(ch)
        elif ch.isspace():
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            in_word = True
            if ch in "'\"":
                quote = ch
            elif ch == escape:
                if i + 1 == n:
                    i += 1
                    continue
                word.append(ch)
                i += 1
                ch = text[i]
            word.append(ch)
        i += 1
    if in_word:
        words.append("".join(word))
    return words


class Expansion(msgspec.Struct, frozen=True):
    """An expanded word and every variable name it referenced, set or not.

    `used` feeds cache keys (a step depends on exactly these names) and lint (undefined
    variables), so names are recorded even when a default made the value irrelevant.
    """

    value: str
    used: frozenset[str]


_NO_NAMES: frozenset[str] = frozenset()
def expand_word(
    text: str, env: Mapping[str, str], escape: str = "\\", *, skip_unset: bool = False,
    raw_quotes: bool = False,
) -> Expansion:
    """ProcessWord: expand variables and remove quotes and escapes, keeping inner spaces.

    With `skip_unset`, unset variables stay as written (BuildKit's SkipUnsetEnv, used for
    display names), so only known values are substituted; with `raw_quotes` the quotes
    stay in the value (RawQuotes: a RUN's progress name).

    >>> e = expand_word('"$A b"/${B:-c}', {"A": "a"})
    >>> e.value, sorted(e.used)
    ('a b/c', ['A', 'B'])
    >>> expand_word("x-$NOPE", {}, skip_unset=True).value
    'x-$NOPE'
    >>> print(expand_word("echo \\"$A\\" '$A'", {"A": "a"}, raw_quotes=True).value)
    echo "a" '$A'
    """
    if "$" not in text and escape not in text and "'" not in text and '"' not in text:
        if not text.startswith("\ufeff"):
            return Expansion(text, _NO_NAMES)
    lexer = Lexer(text, env, escape, quotes=True, skip_unset=skip_unset,
                  raw_quotes=raw_quotes)
    value = lexer.until("", False)
    return Expansion(value, frozenset(lexer.used))


def expand_words(
    text: str, env: Mapping[str, str], escape: str = "\\"
) -> tuple[tuple[str, ...], frozenset[str]]:
    """ProcessWords: expand as expand_word, then split on unquoted whitespace, including
    whitespace an unquoted expansion produced (EXPOSE $PORTS gives one port per word).

    >>> expand_words('a${S}b "x y"', {"S": " 1 2 "})
    (('a', '1', '2', 'b', 'x y'), frozenset({'S'}))
    """
    if "$" not in text and escape not in text and "'" not in text and '"' not in text:
        if not text.startswith("\ufeff"):
            return tuple(w for w in SPACE_RUN.split(text) if w), _NO_NAMES
    lexer = Lexer(text, env, escape, quotes=True, skip_unset=False)
    words = Words()
    lexer.until("", False, words)
    words.flush()
    return tuple(words.words), frozenset(lexer.used)


def expand_heredoc(text: str, env: Mapping[str, str]) -> Expansion:
    """Expand a COPY/ADD heredoc body whose delimiter was not quoted.

    Quotes are ordinary text here (the body is file content, not Dockerfile syntax), but
    backslash escapes are consumed whatever the escape directive says: `\\$` gives `$`,
    `\\\\` gives `\\`, and a backslash before a newline is dropped (the newline stays).

    >>> expand_heredoc("'$A' \\\\$A\\n", {"A": "1"}).value
    "'1' $A\\n"
    """
    if "$" not in text and "\\" not in text and not text.startswith("\ufeff"):
        return Expansion(text, _NO_NAMES)
    lexer = Lexer(text, env, "\\", quotes=False, skip_unset=False)
    value = lexer.until("", False)
    return Expansion(value, frozenset(lexer.used))
