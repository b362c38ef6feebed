"""One executor per step kind."""
