"""The hadolint compatibility mode of `dfc lint`: hadolint's codes, output formats,
flags, environment, config file lookup and exit codes over dfc's analysis
(`dfc lint --codes hadolint`, and the `dfc-hadolint` console script)."""
