"""Go types over JSON: docker runs `inspect -f` on its typed structs first, where a field the
JSON has as null (or leaves out) is still there, with its type's zero value: a nil slice
prints `[]`, a nil map `map[]`, a nil pointer `<nil>`, an absent string "". `typed` turns
one JSON object into such values, by a `GoType` description of the struct docker decodes
it into; a field no description names keeps its JSON value.

A struct is a `GoStruct`: asking it for a field it does not have is an error (docker
then runs the template again on the raw JSON, where every missing key is an error). A
map is a `GoMap`: a missing key is Go's invalid value (`<no value>`) for `.Key`, and the
element type's zero value for `index`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import msgspec

Kind = Literal["ptr", "slice", "map", "struct", "string", "int", "bool", "float", "time"]


class GoType(msgspec.Struct, frozen=True):
    """One Go type, as far as templates can tell: `name` is how fmt spells it in
    `%!s(*v1.HealthcheckConfig=<nil>)` and errors; `elem` is what a pointer points to, or
    a slice's or map's element; `fields` a struct's described fields. A `closed` struct
    has no other fields (a template asking for another one fails, as on docker's
    struct), in Go's order, so it prints as fmt prints it (`{no 0}`); `groups` are the
    sizes of the structs it embeds, which print as their own braces. An open struct
    takes any other field the JSON has as it is and prints as a map. `length`: a Go
    array (`[2]uint`), whose zero value has its elements. `json_names`: the JSON keys of
    fields whose Go name differs (`ID` is `Id`): templates name the Go field."""

    kind: Kind
    name: str = ""
    elem: GoType | None = None
    fields: dict[str, GoType] | None = None
    closed: bool = False
    groups: tuple[int, ...] = ()
    length: int = 0
    json_names: dict[str, str] | None = None


STRING = GoType("string", "string")
INT = GoType("int", "int64")
BOOL = GoType("bool", "bool")
FLOAT = GoType("float", "float64")
TIME = GoType("time", "time.Time")


def ptr(name: str, elem: GoType | None = None) -> GoType:
    return GoType("ptr", name, elem)


def slice_of(name: str = "[]string", elem: GoType = STRING) -> GoType:
    return GoType("slice", name, elem)


def map_of(name: str = "map[string]string", elem: GoType | None = STRING) -> GoType:
    """A map; `elem` None: of `interface {}` (values as the JSON has them)."""
    return GoType("map", name, elem)


def struct(name: str, fields: dict[str, GoType], closed: bool = False,
           groups: tuple[int, ...] = (), json_names: dict[str, str] | None = None) -> GoType:
    return GoType("struct", name, fields=fields, closed=closed, groups=groups,
                  json_names=json_names)


def array_of(name: str, elem: GoType, length: int) -> GoType:
    return GoType("slice", name, elem, length=length)


EMPTY_STRUCT = struct("struct {}", {}, closed=True)


class GoStruct(dict[str, object]):
    """A struct value: its fields by name (a closed struct's in Go's order, see GoType);
    `raw` is its JSON, which `json` prints as docker's CLI prints the raw object."""

    def __init__(self, fields: Mapping[str, object], type_name: str, raw: object = None,
                 closed: bool = False, groups: tuple[int, ...] = ()) -> None:
        super().__init__(fields)
        self.type_name = type_name
        self.raw = raw
        self.closed = closed
        self.groups = groups
        self.pointer = False
        """Reached through a pointer: printf's `%v` shows it as `&{...}` (an action
        prints the struct itself: text/template dereferences pointers it prints)."""


class GoMap(dict[str, object]):
    """A map value; `zero` is its element type's zero value (what `index` gives for a key
    it does not have)."""

    def __init__(self, items: Mapping[str, object], type_name: str, zero: object) -> None:
        super().__init__(items)
        self.type_name = type_name
        self.zero = zero


class NilMap(GoMap):
    """A nil map: empty, prints `map[]`, is `null` in JSON."""


class NilSlice(tuple[object, ...]):
    """A nil slice: empty, prints `[]`, is `null` in JSON."""

    type_name: str

    def __new__(cls, type_name: str) -> NilSlice:
        made = super().__new__(cls)
        made.type_name = type_name
        return made


class GoTime(str):
    """A time.Time: its text is what Go's `String` prints (`2026-12-06 19:01:41.54 +0000
    UTC`); `raw` is the JSON's RFC 3339 text, which `json` prints."""

    raw: str

    def __new__(cls, raw: str) -> GoTime:
        made = super().__new__(cls, go_time_text(raw))
        made.raw = raw
        return made


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)")


def go_time_text(text: str) -> str:
    """Go's time.Time.String of an RFC 3339 time, as encoding/json decoded it (a zone it
    cannot name is spelled by its offset); text that is no such time is left as it is.

    >>> go_time_text("2026-12-06T19:01:41.5416085Z"), go_time_text("2020-01-02T03:04:05+02:00")
    ('2026-12-06 19:01:41.5416085 +0000 UTC', '2020-01-02 03:04:05 +0200 +0200')
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        return text
    day, clock, fraction, zone = match.groups()
    fraction = (fraction or "").rstrip("0").rstrip(".")
    offset = "+0000 UTC" if zone == "Z" else zone.replace(":", "") + " " + zone.replace(":", "")
    return f"{day} {clock}{fraction} {offset}"


class NilPointer:
    """A nil pointer: prints `<nil>`, is false; a field of it, its `len` or `range` over
    it is an error."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return "<nil>"


NIL_VALUES = (NilPointer, NilSlice, NilMap)


def zero(t: GoType) -> object:
    """The zero value of `t`."""
    return typed(None, t)


def typed(value: object, t: GoType | None) -> object:
    """`value` (decoded JSON; None for null or absent) as a value of type `t`."""
    if t is None:
        return value
    if t.kind == "ptr":
        if value is None:
            return NilPointer(t.name)
        pointed = typed(value, t.elem)
        if isinstance(pointed, GoStruct):
            pointed.pointer = True
        return pointed
    if t.kind == "slice":
        if value is None and t.length:
            return [zero(t.elem) if t.elem is not None else None] * t.length
        if value is None:
            return NilSlice(t.name)
        return [typed(v, t.elem) for v in value] if isinstance(value, list) else value
    if t.kind == "map":
        elem_zero = zero(t.elem) if t.elem is not None else None
        if value is None:
            return NilMap({}, t.name, elem_zero)
        if not isinstance(value, Mapping):
            return value
        return GoMap({k: typed(v, t.elem) for k, v in value.items()}, t.name, elem_zero)
    if t.kind == "struct":
        return _struct(value if isinstance(value, Mapping) else {}, t)
    if t.kind == "time":
        return GoTime(value if isinstance(value, str) else "0001-01-01T00:00:00Z")
    if value is not None:
        return value
    return {"string": "", "int": 0, "bool": False, "float": 0.0}[t.kind]


def _struct(value: Mapping[str, object], t: GoType) -> GoStruct:
    fields = t.fields or {}
    json_names = t.json_names or {}
    if t.closed:
        out = {name: typed(value.get(json_names.get(name, name)), field)
               for name, field in fields.items()}
    else:
        go_names = {key: name for name, key in json_names.items()}
        out = {}
        for key, item in value.items():
            name = go_names.get(key, key)
            out[name] = typed(item, fields.get(name))
        for name, field in fields.items():  # fields the JSON left out: their zero values
            if name not in out:
                out[name] = zero(field)
    return GoStruct(out, t.name, value, t.closed, t.groups)
