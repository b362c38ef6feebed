"""Go's text/template language with docker's functions: what `--format` and `inspect -f`
evaluate. docker evaluates templates client-side on JSON-shaped values, so this package
works on plain Python values (dict, list, str, int, float, bool, None) and prints them as
Go's fmt would print their decoded form."""

from dfc.gotemplate.execute import Missing, Record, Template, TemplateError

__all__ = ["Missing", "Record", "Template", "TemplateError"]
