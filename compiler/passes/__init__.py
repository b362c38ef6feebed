"""Compiler passes, one per file: each a pure (plan, ctx) -> plan function."""
