"""Printable forms of the AST: JSON (complete, for tools and golden files) and text (for people)."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from dfc.grammar import ast

_ENCODER = msgspec.json.Encoder(order="deterministic")


def dump_json(tree: ast.Dockerfile) -> str:
    """The whole AST as indented JSON, keys in a stable order."""
    return msgspec.json.format(_ENCODER.encode(tree), indent=2).decode() + "\n"


def dump_text(tree: ast.Dockerfile) -> str:
    """One line per instruction: `LINE:COL KEYWORD field=value ...` (values JSON-quoted);
    an instruction the compiler will refuse is `LINE:COL REJECTED keyword=... error=...`."""
    out: list[str] = []
    directives = msgspec.to_builtins(tree.directives)
    if directives:
        out.append("# directives " + _fields(directives))
    nodes: list[ast.AnyInstruction | ast.Rejected] = [*tree.instructions, *tree.rejected]
    for node in sorted(nodes, key=lambda n: (n.span.line, n.span.column)):
        out.append(_line(node, ""))
    for warning in tree.warnings:
        out.append(f"# warning {warning.span}: {warning.message}")
    return "\n".join(out) + "\n"


def _line(node: ast.AnyInstruction | ast.Rejected, indent: str) -> str:
    data = msgspec.to_builtins(node)
    hidden = ("instruction", "span", "comments", "trigger")
    for key in hidden if isinstance(node, ast.Rejected) else (*hidden, "keyword"):
        data.pop(key, None)
    if "flags" in data:
        data["flags"] = [flag.word for flag in node.flags]
    if isinstance(node, ast.Rejected) and node.error_span is not None:
        data["error_span"] = str(node.error_span)
    heredocs = data.pop("heredocs", [])
    head = f"{indent}{node.span} {type(node).__name__.upper()} {_fields(data)}".rstrip()
    lines = [head]
    for doc in heredocs:
        doc.pop("span", None)
        lines.append(f"{indent}    heredoc {_fields(doc)}")
    if isinstance(node, ast.Onbuild) and node.trigger is not None:
        lines.append(_line(node.trigger, indent + "    "))
    return "\n".join(lines)


def _fields(data: dict[str, Any]) -> str:
    parts = []
    for key, value in data.items():
        if isinstance(value, dict) and "type" in value and "span" in value:
            value = {k: v for k, v in value.items() if k != "span"}
        if isinstance(value, (list, tuple)):
            value = [_strip_span(v) for v in value]
        parts.append(f"{key}={json.dumps(value, ensure_ascii=False)}")
    return " ".join(parts)


def _strip_span(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "span"}
    return value
