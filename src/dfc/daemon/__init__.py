"""The optional warm daemon dfc commands are forked from, and its client protocol.

`wire` is imported by every command (through dfc.client) before the CLI loads, so this
package's own import must stay empty: the server and its parts load only in the daemon.
"""
