"""Lint rules, one per file; each docstring is the user documentation."""
