"""The distribution API: references, auth, pull, push, lists, search, registry cache."""
