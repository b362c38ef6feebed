"""Sandboxes: RUN steps (and containers) in namespaces over overlayfs, two backends."""
