"""Filesystems and layers: layer tars, overlay change sets, snapshots, read-only views, users."""
