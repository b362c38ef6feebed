"""The functions a template may call: Go's builtins (bar `call`) and the ones docker adds
(json, split, join, title, lower, upper, pad, truncate), plus docker's header versions
of its own, which a `table` header row is rendered with."""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence

from dfc.gotemplate.parse import TemplateError
from dfc.gotemplate.typed import NIL_VALUES, GoMap, GoStruct, NilPointer
from dfc.gotemplate.values import (
    MISSING,
    go_json,
    go_type,
    sprint,
    sprintf,
    sprintln,
)

Function = Callable[..., object]


class CallError(Exception):
    """A function refused its arguments; shown as `error calling NAME: MESSAGE`."""


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TemplateError(f"wrong type for value; expected string; got {go_type(value)}")
    return value


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TemplateError(f"wrong type for value; expected int; got {go_type(value)}")
    return value


def truth(value: object) -> bool:
    """Go's isTrue: zero values, nil pointers and empty collections are false; a struct
    is true."""
    if value is None or value is MISSING or isinstance(value, NilPointer):
        return False
    if isinstance(value, GoStruct):
        return True
    if isinstance(value, str | Sequence | Mapping):
        return len(value) > 0
    return bool(value)


def _len(value: object) -> int:
    if isinstance(value, NilPointer):
        raise CallError("len of nil pointer")
    if isinstance(value, str | Sequence | Mapping):
        return len(value)
    raise CallError(f"len of type {go_type(value)}")


def _index(item: object, *keys: object) -> object:
    for key in keys:
        if isinstance(item, Mapping):
            if not isinstance(key, str):
                raise CallError(f"value has type {go_type(key)}; should be string")
            item = item.get(key, item.zero if isinstance(item, GoMap) else None)
        elif isinstance(item, Sequence) and not isinstance(item, str) or isinstance(item, str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise CallError(f"cannot index slice/array with type {go_type(key)}")
            if not 0 <= key < len(item):
                raise CallError(f"index out of range: {key}")
            item = item[key] if not isinstance(item, str) else ord(item[key])
        elif item is None:
            raise CallError("index of untyped nil")
        elif isinstance(item, NilPointer):
            raise CallError("index of nil pointer")
        else:
            raise CallError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: object, *bounds: object) -> object:
    if not isinstance(item, str | list | tuple):
        raise CallError(f"can't slice item of type {go_type(item)}")
    cut = [_int(b) for b in bounds]
    if len(cut) > 2 or any(not 0 <= b <= len(item) for b in cut):
        raise CallError(f"index out of range: {cut}")
    return item[slice(*cut)] if cut else item


def _comparable(a: object, b: object) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return isinstance(a, float) == isinstance(b, float)  # Go: int and float64 differ
    return type(a) is type(b) and isinstance(a, str) or a is None or b is None


def _eq(first: object, *others: object) -> bool:
    if not others:
        raise CallError("missing argument for comparison")
    for other in others:
        if first is None or other is None:  # nil compares with any nil: `eq .Env nil`
            if _nil(first) == _nil(other):
                return True
            continue
        if isinstance(first, list | dict) or isinstance(other, list | dict):
            raise CallError("non-comparable type")
        if not _comparable(first, other):
            raise CallError("incompatible types for comparison")
        if first == other:
            return True
    return False


def _nil(value: object) -> bool:
    return value is None or value is MISSING or isinstance(value, NIL_VALUES)


def _less(a: object, b: object) -> bool:
    if not _comparable(a, b) or a is None or isinstance(a, bool):
        raise CallError("incompatible types for comparison")
    return bool(a < b)  # type: ignore[operator]


def _and(*args: object) -> object:
    for arg in args:
        if not truth(arg):
            return arg
    return args[-1]


def _or(*args: object) -> object:
    for arg in args:
        if truth(arg):
            return arg
    return args[-1]


def _title(text: object) -> str:
    """strings.Title: an upper-case letter after every non-letter, non-digit character."""
    return re.sub(r"(?:^|(?<=[^\w]))(\w)", lambda m: m.group(1).upper(), _str(text))


def _split(text: object, sep: object) -> list[str]:
    source, by = _str(text), _str(sep)
    return list(source) if by == "" else source.split(by)


def _join(items: object, sep: object) -> str:
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise TemplateError(f"wrong type for value; expected []string; got {go_type(items)}")
    return _str(sep).join(items)


def _pad(text: object, prefix: object, suffix: object) -> str:
    source = _str(text)
    return source and " " * _int(prefix) + source + " " * _int(suffix)


def _truncate(text: object, length: object) -> str:
    source, n = _str(text), _int(length)
    return source if len(source) < n else source[:n]


def _js(*args: object) -> str:
    text = sprint(args)
    escapes = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E",
               "&": "\\u0026", "=": "\\u003D", "\n": "\\u000A", "\r": "\\u000D"}
    return "".join(escapes.get(c, c) for c in text)


BUILTINS: dict[str, Function] = {
    "and": _and, "or": _or, "not": lambda v: not truth(v), "len": _len, "index": _index,
    "slice": _slice, "print": lambda *a: sprint(a), "println": lambda *a: sprintln(a),
    "printf": lambda f, *a: sprintf(_str(f), a),
    "html": lambda *a: html.escape(sprint(a)).replace("&#x27;", "&#39;"),
    "js": _js, "urlquery": lambda *a: urllib.parse.quote_plus(sprint(a)),
    "eq": _eq, "ne": lambda a, b: not _eq(a, b), "lt": _less, "le": lambda a, b: _less(a, b)
    or _eq(a, b), "gt": lambda a, b: not _less(a, b) and not _eq(a, b),
    "ge": lambda a, b: not _less(a, b),
    # docker's (cli/templates)
    "json": go_json, "split": _split, "join": _join, "title": _title,
    "lower": lambda s: _str(s).lower(), "upper": lambda s: _str(s).upper(),
    "pad": _pad, "truncate": _truncate,
}
ARITY: dict[str, tuple[int, int | None]] = {
    "and": (1, None), "or": (1, None), "not": (1, 1), "len": (1, 1), "index": (1, None),
    "slice": (1, None), "print": (0, None), "println": (0, None), "printf": (1, None),
    "html": (0, None), "js": (0, None), "urlquery": (0, None), "eq": (1, None),
    "ne": (2, 2), "lt": (2, 2), "le": (2, 2), "gt": (2, 2), "ge": (2, 2), "json": (1, 1),
    "split": (2, 2), "join": (2, 2), "title": (1, 1), "lower": (1, 1), "upper": (1, 1),
    "pad": (3, 3), "truncate": (2, 2),
}


def _first(value: object, *_: object) -> object:
    return value


HEADER: dict[str, Function] = {
    **BUILTINS, **{name: _first for name in ("json", "split", "join", "title", "lower",
                                            "upper", "pad", "truncate")},
}
"""docker renders a table's header row with these: its own functions pass the header text
through (so `{{upper .Name}}` heads its column NAME, not a mangled one)."""

