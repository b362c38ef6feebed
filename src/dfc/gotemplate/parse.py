"""Template text -> tree, as Go's text/template/parse reads it: `{{ }}` actions with `{{-`
and `-}}` trimming, comments, pipelines with declarations, if/else if/range/with/end."""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

_SPACE = " \t\r\n"


class TemplateError(Exception):
    """A template that does not parse or cannot run; the message is Go's."""


class Token(msgspec.Struct, frozen=True):
    kind: str  # field var dot ident string number char ( ) | , := = bool nil
    text: str
    pos: int
    spaced: bool  # whitespace came before it (a field right after an operand chains)


class Node(msgspec.Struct):
    pos: int


class Text(Node):
    text: str


class Operand(Node):
    """One argument: kind is field, var, dot, func, literal or pipe; `names` is the field
    chain after it (`.A.B`, `$x.A`, `(pipe).A`)."""

    kind: str
    name: str = ""
    names: list[str] = []
    value: object = None
    pipe: Pipe | None = None


class Command(Node):
    args: list[Operand]


class Pipe(Node):
    decl: list[str]
    assign: bool
    commands: list[Command]


class Action(Node):
    pipe: Pipe


class Branch(Node):
    """if, range or with: the body, and what `else` holds (an `else if` is an If there)."""

    kind: str
    pipe: Pipe
    body: list[Node]
    orelse: list[Node]


class Loop(Node):
    kind: str  # break or continue


class _Item(msgspec.Struct):
    kind: str  # text or action
    text: str
    pos: int
    tokens: list[Token] = []


_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<assign>:=)
  | (?P<punct>[()|,=])
  | (?P<field>\.[A-Za-z_]\w*)
  | (?P<var>\$\w*)
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_]\w*)
""", re.VERBOSE)


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


class Parser:
    """One template's text; `parse()` gives its node list. `functions` is the set of names
    a command may call (checked while parsing, as Go does)."""

    def __init__(self, text: str, functions: Callable[[str], bool]) -> None:
        self.text = text
        self.known = functions
        self.items = self._lex()
        self.at = 0
        self.loops = 0

    def fail(self, pos: int, message: str) -> TemplateError:
        return TemplateError(f"template: :{line_of(self.text, pos)}: {message}")

    # lexing --------------------------------------------------------------------------
    def _lex(self) -> list[_Item]:
        text, items, pos, trim_next = self.text, [], 0, False
        while pos <= len(text):
            start = text.find("{{", pos)
            chunk = text[pos:] if start < 0 else text[pos:start]
            if trim_next:
                chunk = chunk.lstrip(_SPACE)
            if start < 0:
                if chunk:
                    items.append(_Item("text", chunk, pos))
                break
            inner = start + 2
            if text.startswith("-", inner) and text[inner + 1:inner + 2] in tuple(_SPACE):
                chunk = chunk.rstrip(_SPACE)
                inner += 2
            if chunk:
                items.append(_Item("text", chunk, pos))
            if text.startswith("/*", inner):
                close = text.find("*/", inner + 2)
                if close < 0:
                    raise self.fail(start, "unclosed comment")
                end, trim_next = self._close(close + 2, start, comment=True)
                pos = end
                continue
            tokens, end, trim_next = self._action(inner, start)
            items.append(_Item("action", "", start, tokens))
            pos = end
        return items

    def _close(self, pos: int, start: int, comment: bool) -> tuple[int, bool]:
        """Where the text after `}}` starts, and whether it is trimmed (` -}}`)."""
        text = self.text
        if text.startswith("}}", pos):
            return pos + 2, False
        if text[pos:pos + 1] in tuple(_SPACE) and text.startswith("-}}", pos + 1):
            return pos + 4, True
        raise self.fail(start, "comment ends before closing delimiter" if comment
                        else "unclosed action")

    def _action(self, pos: int, start: int) -> tuple[list[Token], int, bool]:
        text, spaced = self.text, False
        tokens: list[Token] = []
        while True:
            if pos >= len(text):
                raise self.fail(start, "unclosed action")
            if text.startswith("}}", pos):
                return tokens, pos + 2, False
            ch = text[pos]
            if ch in _SPACE:
                if text.startswith("-}}", pos + 1):
                    return tokens, pos + 4, True
                pos, spaced = pos + 1, True
                continue
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise self.fail(pos, f"unexpected {ch!r} in command")
            kind = m.lastgroup or ""
            word = m.group()
            if kind == "ident" and word in ("true", "false"):
                kind = "bool"
            elif kind == "ident" and word == "nil":
                kind = "nil"
            elif kind == "punct":
                kind = word
            elif kind == "assign":
                kind = ":="
            tokens.append(Token(kind, word, pos, spaced))
            pos, spaced = m.end(), False

    # parsing -------------------------------------------------------------------------
    def parse(self) -> list[Node]:
        nodes, stop, item = self._list()
        if stop:
            raise self.fail(item.pos, f"unexpected {{{{{stop}}}}}")
        return nodes

    def _list(self) -> tuple[list[Node], str, _Item]:
        """Nodes up to an `end` or `else` (returned with its item), or the text's end."""
        nodes: list[Node] = []
        while self.at < len(self.items):
            item = self.items[self.at]
            self.at += 1
            if item.kind == "text":
                nodes.append(Text(item.pos, item.text))
                continue
            tokens = item.tokens
            if not tokens:
                raise self.fail(item.pos, "missing value for command")
            head = tokens[0]
            if head.kind == "ident" and head.text in ("end", "else"):
                return nodes, head.text, item
            if head.kind == "ident" and head.text in ("if", "range", "with"):
                nodes.append(self._branch(head.text, tokens[1:], item))
            elif head.kind == "ident" and head.text in ("break", "continue"):
                if not self.loops:
                    raise self.fail(item.pos, f"{{{{{head.text}}}}} outside {{{{range}}}}")
                nodes.append(Loop(item.pos, head.text))
            elif head.kind == "ident" and head.text in ("define", "template", "block"):
                raise self.fail(item.pos, f"{{{{{head.text}}}}} is not supported by dfc")
            else:
                nodes.append(Action(item.pos, self._pipe(tokens, item.pos, "command")))
        return nodes, "", _Item("text", "", len(self.text))

    def _branch(self, kind: str, tokens: list[Token], item: _Item) -> Branch:
        pipe = self._pipe(tokens, item.pos, kind)
        self.loops += kind == "range"
        body, stop, end = self._list()
        self.loops -= kind == "range"
        orelse: list[Node] = []
        if stop == "else":
            rest = end.tokens[1:]
            if rest and rest[0].kind == "ident" and rest[0].text in ("if", "with") \
                    and kind in ("if", "with"):
                # `else if` / `else with`: a branch in the else part sharing this `end`
                return Branch(item.pos, kind, pipe, body,
                              [self._branch(rest[0].text, rest[1:], end)])
            if rest:
                raise self.fail(end.pos, "unexpected tokens after else")
            orelse, stop, end = self._list()
        if stop != "end":
            raise self.fail(end.pos, "unexpected EOF" if not stop else f"unexpected {{{{{stop}}}}}")
        return Branch(item.pos, kind, pipe, body, orelse)

    def _pipe(self, tokens: list[Token], pos: int, context: str) -> Pipe:
        decl: list[str] = []
        assign = False
        i = 0
        names = []
        while i < len(tokens) and tokens[i].kind == "var":
            names.append(tokens[i].text)
            if i + 1 < len(tokens) and tokens[i + 1].kind == ",":
                i += 2
                continue
            if i + 1 < len(tokens) and tokens[i + 1].kind in (":=", "="):
                decl, assign = names, tokens[i + 1].kind == "="
                i += 2
            break
        if decl and (len(decl) > 2 or (len(decl) == 2 and context != "range")):
            raise self.fail(pos, "too many declarations in " + context)
        commands, i = self._commands(tokens, i, pos, context)
        if i < len(tokens):
            raise self.fail(tokens[i].pos, f"unexpected {tokens[i].text!r} in {context}")
        if not commands:
            raise self.fail(pos, f"missing value for {context}")
        return Pipe(pos, decl, assign, commands)

    def _commands(self, tokens: list[Token], i: int, pos: int,
                  context: str) -> tuple[list[Command], int]:
        commands: list[Command] = []
        while True:
            args: list[Operand] = []
            while i < len(tokens) and tokens[i].kind not in ("|", ")"):
                operand, i = self._operand(tokens, i)
                args.append(operand)
            if not args:
                raise self.fail(pos, f"missing value for {context}")
            commands.append(Command(args[0].pos, args))
            if i < len(tokens) and tokens[i].kind == "|":
                i += 1
                continue
            return commands, i

    def _operand(self, tokens: list[Token], i: int) -> tuple[Operand, int]:
        tok = tokens[i]
        i += 1
        if tok.kind == "field":
            operand = Operand(tok.pos, "field", names=[tok.text[1:]])
        elif tok.kind == "var":
            operand = Operand(tok.pos, "var", name=tok.text)
        elif tok.kind == "dot":
            operand = Operand(tok.pos, "dot")
        elif tok.kind == "ident":
            if not self.known(tok.text):
                raise self.fail(tok.pos, f'function "{tok.text}" not defined')
            operand = Operand(tok.pos, "func", name=tok.text)
        elif tok.kind == "(":
            commands, i = self._commands(tokens, i, tok.pos, "parenthesized pipeline")
            if i >= len(tokens) or tokens[i].kind != ")":
                raise self.fail(tok.pos, "unclosed left paren")
            i += 1
            operand = Operand(tok.pos, "pipe", pipe=Pipe(tok.pos, [], False, commands))
        elif tok.kind in ("string", "raw", "char", "number", "bool", "nil"):
            operand = Operand(tok.pos, "literal", name=tok.text, value=self._literal(tok))
        else:
            raise self.fail(tok.pos, f"unexpected {tok.text!r} in operand")
        while i < len(tokens) and tokens[i].kind == "field" and not tokens[i].spaced:
            if operand.kind in ("func", "literal", "dot") and operand.kind != "dot":
                raise self.fail(tokens[i].pos, f"unexpected {tokens[i].text!r} in operand")
            if operand.kind == "dot":
                raise self.fail(tokens[i].pos, "unexpected . after term")
            if len(operand.names) == (1 if operand.kind == "field" else 0):
                operand.pos = tokens[i].pos  # Go reports a chain at its second link
            operand.names.append(tokens[i].text[1:])
            i += 1
        return operand, i

    def _literal(self, tok: Token) -> object:
        text = tok.text
        if tok.kind == "bool":
            return text == "true"
        if tok.kind == "nil":
            return None
        if tok.kind == "raw":
            return text[1:-1]
        if tok.kind in ("string", "char"):
            value = _unquote(text[1:-1])
            if tok.kind == "char":
                if len(value) != 1:
                    raise self.fail(tok.pos, f"malformed character constant: {text}")
                return ord(value)
            return value
        clean = text.replace("_", "")
        try:
            if clean.lower().lstrip("+-").startswith("0x"):
                return int(clean, 16)
            if any(c in clean for c in ".eE"):
                number = float(clean)
                exact = number.is_integer() and "." not in clean and abs(number) < 2**63
                return int(number) if exact else number
            return int(clean, 10)
        except ValueError:
            raise self.fail(tok.pos, f"bad number syntax: {text!r}") from None


_UNESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)")
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
           "\\": "\\", '"': '"', "'": "'"}


def _unquote(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code in _SIMPLE:
            return _SIMPLE[code]
        if code[0] in "xuU":
            return chr(int(code[1:], 16))
        if code.isdigit():
            return chr(int(code, 8))
        raise TemplateError(f"template: invalid escape \\{code}")

    return _UNESCAPE.sub(one, text)
