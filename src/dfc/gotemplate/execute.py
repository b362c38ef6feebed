"""Running a parsed template against a value, with Go's rules for fields, variables,
truth, range and with, and Go's error messages (`template: :1:2: executing "" at <.Foo>:
...`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dfc.gotemplate.functions import ARITY, BUILTINS, HEADER, CallError, Function, truth
from dfc.gotemplate.parse import (
    Action,
    Branch,
    Command,
    Loop,
    Node,
    Operand,
    Parser,
    Pipe,
    TemplateError,
    Text,
)
from dfc.gotemplate.typed import GoStruct, NilPointer
from dfc.gotemplate.values import MISSING, Missing, Record, format_value, go_type

__all__ = ["Missing", "Record", "Template", "TemplateError"]


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_NO_FINAL = object()


class Template:
    """A parsed template. `missing_key_error` is Go's `missingkey=error`: a key a map
    does not have is an error (`map has no entry for key`), as in docker's second run of
    an inspect template, on the raw JSON (see dfc.gotemplate.typed for the first)."""

    def __init__(self, text: str, missing_key_error: bool = False) -> None:
        self.text = text
        self.missing_key_error = missing_key_error
        self.nodes = Parser(text, lambda name: name in BUILTINS).parse()

    def execute(self, data: object, header: bool = False) -> str:
        """The text the template makes of `data`; `header` uses docker's header functions
        (a table's header row)."""
        run = _Run(self, data, HEADER if header else BUILTINS)
        run.walk(self.nodes, data)
        return "".join(run.out)


class _Run:
    def __init__(self, template: Template, data: object, functions: dict[str, Function]):
        self.template = template
        self.functions = functions
        self.vars: list[tuple[str, object]] = [("$", data)]
        self.out: list[str] = []

    def fail(self, pos: int, node: str, message: str) -> TemplateError:
        text = self.template.text
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1)
        return TemplateError(f'template: :{line}:{column}: executing "" at <{node}>: {message}')

    # statements ----------------------------------------------------------------------
    def walk(self, nodes: Sequence[Node], dot: object) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.out.append(node.text)
            elif isinstance(node, Action):
                value = self.pipe(node.pipe, dot)
                if not node.pipe.decl:
                    self.out.append(format_value(value, nil="<no value>"))
            elif isinstance(node, Branch):
                self.branch(node, dot)
            elif isinstance(node, Loop):
                raise _Break() if node.kind == "break" else _Continue()

    def branch(self, node: Branch, dot: object) -> None:
        mark = len(self.vars)
        try:
            if node.kind == "range":
                self.range(node, dot)
                return
            value = self.pipe(node.pipe, dot)
            if truth(value):
                self.walk(node.body, value if node.kind == "with" else dot)
            else:
                self.walk(node.orelse, dot)
        finally:
            del self.vars[mark:]

    def range(self, node: Branch, dot: object) -> None:
        value = self.pipe(node.pipe, dot, declare=False)
        if isinstance(value, Mapping):
            pairs: list[tuple[object, object]] = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list | tuple):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(value)]
        elif value is None or value is MISSING:
            pairs = []
        elif isinstance(value, NilPointer):
            raise self.fail(node.pos, "range", "range can't iterate over <nil>")
        else:
            raise self.fail(node.pos, "range", f"range can't iterate over {format_value(value)}")
        if not pairs:
            self.walk(node.orelse, dot)
            return
        decl = node.pipe.decl
        mark = len(self.vars)
        for key, elem in pairs:
            del self.vars[mark:]
            if len(decl) == 1:
                self.vars.append((decl[0], elem))
            elif len(decl) == 2:
                self.vars += [(decl[0], key), (decl[1], elem)]
            try:
                self.walk(node.body, elem)
            except _Continue:
                continue
            except _Break:
                break

    # expressions ---------------------------------------------------------------------
    def pipe(self, pipe: Pipe, dot: object, declare: bool = True) -> object:
        value: object = _NO_FINAL
        for command in pipe.commands:
            value = self.command(command, dot, value)
        if declare and pipe.decl:
            if pipe.assign:
                self.assign(pipe, pipe.decl[0], value)
            else:
                self.vars.append((pipe.decl[0], value))
        return value

    def assign(self, pipe: Pipe, name: str, value: object) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise self.fail(pipe.pos, name, f"undefined variable: {name}")

    def command(self, command: Command, dot: object, final: object) -> object:
        first = command.args[0]
        if first.kind == "func":
            return self.call(first, command, dot, final)
        value = self.operand(first, dot, call=False)
        if callable(value):  # a method of a Record (`{{.Label "com.example.x"}}`)
            values = [self.operand(arg, dot) for arg in command.args[1:]]
            if final is not _NO_FINAL:
                values.append(final)
            return value(*values)
        if len(command.args) > 1 or final is not _NO_FINAL:
            raise self.fail(first.pos, _text(first), f"can't give argument to non-function "
                            f"{_text(first)}")
        return value

    def call(self, name: Operand, command: Command, dot: object, final: object) -> object:
        function = self.functions[name.name]
        args = command.args[1:]
        count = len(args) + (final is not _NO_FINAL)
        low, high = ARITY[name.name]
        if count < low or (high is not None and count > high):
            want = str(low) if low == high else f"at least {low}"
            raise self.fail(name.pos, _text(name),
                            f"wrong number of args for {name.name}: want {want} got {count}")
        if name.name in ("and", "or"):  # short-circuit, as Go's since 1.18
            last: object = None
            for arg in args:
                last = self.operand(arg, dot)
                if truth(last) == (name.name == "or"):
                    return last
            return final if final is not _NO_FINAL else last
        values = [self.operand(arg, dot) for arg in args]
        if final is not _NO_FINAL:
            values.append(final)
        values = [None if v is MISSING else v for v in values]
        try:
            return function(*values)
        except CallError as exc:
            raise self.fail(name.pos, _command_text(command),
                            f"error calling {name.name}: {exc}") from None
        except TemplateError as exc:
            raise self.fail(name.pos, _command_text(command), str(exc)) from None
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. printf "%c" -1
            raise self.fail(name.pos, _command_text(command),
                            f"error calling {name.name}: {exc}") from None

    def operand(self, operand: Operand, dot: object, call: bool = True) -> object:
        """The operand's value; a method at the end of a field chain is called without
        arguments unless `call` is False (the command passes it its arguments)."""
        value = self._operand(operand, dot)
        return value() if call and callable(value) else value

    def _operand(self, operand: Operand, dot: object) -> object:
        kind = operand.kind
        if kind == "literal":
            return operand.value
        if kind == "func":
            return self.call(operand, Command(operand.pos, [operand]), dot, _NO_FINAL)
        if kind == "dot":
            return dot
        if kind == "field":
            value = dot
        elif kind == "var":
            value = self.variable(operand)
        else:
            assert operand.pipe is not None
            value = self.pipe(operand.pipe, dot)
        for name in operand.names:
            value = self.field(operand, value, name)
        return value

    def variable(self, operand: Operand) -> object:
        for name, value in reversed(self.vars):
            if name == operand.name:
                return value
        raise TemplateError(f"template: :{self.template.text.count(chr(10), 0, operand.pos) + 1}"
                            f': undefined variable "{operand.name}"')

    def field(self, operand: Operand, value: object, name: str) -> object:
        if isinstance(value, Record | GoStruct):
            if name not in value:
                raise self.fail(operand.pos, _text(operand),
                                f"can't evaluate field {name} in type {value.type_name}")
            return value[name]
        if isinstance(value, NilPointer):
            raise self.fail(operand.pos, _text(operand),
                            f"nil pointer evaluating {value.type_name}.{name}")
        if isinstance(value, Mapping):
            if name in value:
                return value[name]
            if self.template.missing_key_error:  # Go's missingkey=error, on any map
                raise self.fail(operand.pos, _text(operand), f'map has no entry for key "{name}"')
            return MISSING
        if value is MISSING:
            if self.template.missing_key_error:
                raise self.fail(operand.pos, _text(operand), f'nil data; no entry for key "{name}"')
            return MISSING
        if value is None:
            raise self.fail(operand.pos, _text(operand),
                            f"nil pointer evaluating interface {{}}.{name}")
        raise self.fail(operand.pos, _text(operand),
                        f"can't evaluate field {name} in type {go_type(value)}")


def _text(operand: Operand) -> str:
    """The operand as Go's parse tree prints it."""
    chain = "".join("." + n for n in operand.names)
    if operand.kind == "field":
        return chain
    if operand.kind == "var":
        return operand.name + chain
    if operand.kind == "dot":
        return "."
    if operand.kind == "func":
        return operand.name
    if operand.kind == "pipe" and operand.pipe is not None:
        return "(" + " | ".join(_command_text(c) for c in operand.pipe.commands) + ")" + chain
    return operand.name


def _command_text(command: Command) -> str:
    return " ".join(_text(a) for a in command.args)
