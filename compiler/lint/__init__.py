"""Lint: rules over the AST and the Plan."""
