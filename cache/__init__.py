"""Cache keys, context inputs and the content store (an OCI image layout)."""
