"""CLI commands, one module per command family; each has `register(app)`."""
