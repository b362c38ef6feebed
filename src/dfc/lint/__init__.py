"""The lint front end: everything `dfc lint` does around the analysis of
`dfc.compiler.lint` (config files, file discovery, the ShellCheck process, the store,
the build context folder, output formats)."""
