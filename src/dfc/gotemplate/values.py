"""Values printed the way Go's fmt prints what encoding/json decoded: `[a b]`, `map[k:v]`
with sorted keys, `<nil>`, floats in `%v`'s shortest form (`1e+06`). Also Fprintf's verbs."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from dfc.compiler.history import go_quote  # strconv.Quote, as history texts use it
from dfc.gotemplate.typed import NIL_VALUES, GoMap, GoStruct, GoTime, NilPointer, NilSlice


class Missing:
    """Go's invalid reflect.Value: what a map lookup of an absent key gives; prints
    `<no value>`."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<no value>"


MISSING = Missing()


class Record(dict[str, object]):
    """A Go struct: a row of `docker images`/`ps`. Unlike a map, asking it for a field it
    does not have is an error naming its type, as docker's formatter contexts do. A
    callable value is a method taking arguments (`{{.Label "x"}}`); `json` and `%v`
    leave methods out, as Go's marshalling of docker's contexts does."""

    def __init__(self, fields: Mapping[str, object], type_name: str) -> None:
        super().__init__(fields)
        self.type_name = type_name


def go_type(value: object) -> str:
    """The Go type a decoded JSON value has, for error messages and `%!v(T=...)`."""
    if isinstance(value, Record | GoStruct | GoMap | NilSlice | NilPointer):
        return value.type_name
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, Sequence):
        return "[]interface {}"
    return "interface {}"


def go_float(value: float) -> str:
    """Go's `%v` of a float64: the shortest digits, in exponent form below 1e-4 and from
    1e+06 up (strconv's 'g' with the shortest precision decides at exponent 6)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    exp = len(text) + exponent - 1  # the decimal exponent of the first digit
    prefix = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    point = exp + 1
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def format_value(value: object, nil: str = "<nil>") -> str:
    """`%v`: how fmt prints one value; `nil` is what a JSON null becomes (`<no value>` for
    an action's result, `<nil>` inside lists and maps and in function arguments)."""
    if value is None:
        return nil
    if isinstance(value, Missing):
        return "<no value>"
    if isinstance(value, NilPointer):
        return "<nil>"
    if isinstance(value, GoStruct) and value.closed:
        return _struct_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, Record):
        return "{" + " ".join(format_value(v) for v in value.values() if not callable(v)) + "}"
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{k}:{format_value(v)}" for k, v in items) + "]"
    if isinstance(value, Sequence):
        return "[" + " ".join(format_value(v) for v in value) + "]"
    return str(value)


def _struct_text(value: GoStruct) -> str:
    """fmt's `%v` of a struct: its fields' values in order, embedded structs in braces."""
    texts = [format_value(v) for v in value.values()]
    if value.groups:
        parts, start = [], 0
        for size in value.groups:
            parts.append("{" + " ".join(texts[start:start + size]) + "}")
            start += size
        texts = parts
    return "{" + " ".join(texts) + "}"


def _json_ready(value: object) -> object:
    if isinstance(value, (Missing, *NIL_VALUES)):
        return None
    if isinstance(value, GoStruct):
        return _json_ready(value.raw)
    if isinstance(value, GoTime):
        return value.raw
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Record):  # docker marshals its contexts through a map: sorted
        return {k: _json_ready(value[k]) for k in sorted(value) if not callable(value[k])}
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def go_json(value: object) -> str:
    """docker's `json` function: encoding/json without HTML escaping, compact; objects keep
    their field order (docker marshals structs, whose order the JSON already has)."""
    text = json.dumps(_json_ready(value), separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, Record):  # its MarshalJSON is json.Marshal, which escapes HTML
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def _operand(value: object) -> str:
    """fmt's `%v` of an operand of print/printf: a struct reached through a pointer shows
    as `&{...}` (an action prints the struct itself: text/template dereferences it)."""
    pointer = isinstance(value, GoStruct) and value.closed and value.pointer
    return ("&" if pointer else "") + format_value(value)


def sprint(args: Sequence[object]) -> str:
    """fmt.Sprint: a space between two operands when neither is a string."""
    out = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(_operand(arg))
    return "".join(out)


def sprintln(args: Sequence[object]) -> str:
    """fmt.Sprintln: spaces between all operands, a newline after."""
    return " ".join(_operand(arg) for arg in args) + "\n"


_VERB = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


def _bad(verb: str, value: object) -> str:
    if value is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type(value)}={format_value(value)})"


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one(verb: str, flags: str, prec: int | None, value: object) -> str:
    """One verb applied to one value, without width padding."""
    if verb == "v":
        return _operand(value)
    if isinstance(value, NilPointer):  # fmt prints a nil pointer's address for integers
        return "0" if verb in "dboxX" else f"%!{verb}({value.type_name}=<nil>)"
    if isinstance(value, list | tuple) and verb in "sdqxXfegt":
        return "[" + " ".join(_one(verb, flags, prec, v) for v in value) + "]"
    if isinstance(value, GoMap) and verb in "sdqxXfegt":
        return "map[" + " ".join(f"{_one(verb, flags, prec, k)}:{_one(verb, flags, prec, v)}"
                                 for k, v in sorted(value.items())) + "]"
    plus = "+" if "+" in flags else (" " if " " in flags else "")
    if verb == "s":
        if not isinstance(value, str):
            return _bad(verb, value)
        return value if prec is None else value[:prec]
    if verb == "q":
        if isinstance(value, str):
            return go_quote(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return "'" + go_quote(chr(value))[1:-1].replace("'", "\\'") + "'"
        return _bad(verb, value)
    if verb == "t":
        return ("true" if value else "false") if isinstance(value, bool) else _bad(verb, value)
    if verb in "dboxXc":
        if isinstance(value, str) and verb in "xX":
            text = value.encode().hex()
            return text.upper() if verb == "X" else text
        if not isinstance(value, int) or isinstance(value, bool):
            return _bad(verb, value)
        if verb == "c":
            return chr(value)
        spec = {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb]
        text = format(value, ("+" if plus == "+" else "") + spec)
        if "#" in flags and verb in "xX":
            text = ("-" if value < 0 else "") + "0" + verb + text.lstrip("-")
        return text
    if verb in "feEgG":
        if not isinstance(value, float):
            return _bad(verb, value)
        if verb in "gG" and prec is None:
            text = go_float(value)
            return text.upper() if verb == "G" else text
        return format(value, f"{plus}.{6 if prec is None else prec}{verb}")
    return f"%!{verb}({go_type(value)}={format_value(value)})"


def sprintf(fmt: str, args: Sequence[object]) -> str:
    """fmt.Sprintf for the verbs templates use (%s %d %v %q %t %x %f %e %g %c %%), with
    flags, width and precision; wrong types and missing or extra arguments are spelled as
    Go spells them (`%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA ...)`)."""
    out: list[str] = []
    pos = used = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width_text, prec_text, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        width = prec = None
        if width_text == "*":
            width, used = (args[used] if used < len(args) else 0), used + 1
        elif width_text:
            width = int(width_text)
        if prec_text == "*":
            prec, used = (args[used] if used < len(args) else 0), used + 1
        elif prec_text is not None:
            prec = int(prec_text or 0)
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        text = _one(verb, flags, prec if isinstance(prec, int) else None, args[used])
        used += 1
        if isinstance(width, int) and len(text) < width:
            if "-" in flags:
                text = text.ljust(width)
            elif "0" in flags and _number(args[used - 1]):
                sign = text[0] if text[:1] in "+-" else ""
                text = sign + text[len(sign):].rjust(width - len(sign), "0")
            else:
                text = text.rjust(width)
        out.append(text)
    out.append(fmt[pos:])
    if used < len(args):
        extra = ", ".join(f"{go_type(a)}={format_value(a)}" if a is not None else "<nil>"
                          for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
