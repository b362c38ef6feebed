"""Shell words: the quote-aware splitting and `$VAR` expansion Docker applies to arguments.

`split_raw` is the parse-time splitter (BuildKit's `parseWords`): it keeps quotes and
escapes in the word text, because they are removed later by expansion.
"""

from __future__ import annotations


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
