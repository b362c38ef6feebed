"""Images of the store: the OCI config, describe/list, remove, load, import, export."""
