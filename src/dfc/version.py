"""dfc's version: one place, read by packaging and by the caches whose records it keys
(a foundation module like source.py and errors.py, importable from every layer)."""

VERSION = "0.1.0"
