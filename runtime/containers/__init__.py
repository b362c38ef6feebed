"""Containers: images run by a per-container supervisor, with their state in the store."""
