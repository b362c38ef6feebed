"""Which build context files hold credentials (a token in `.npmrc`, a private key, a
`.env`), by name: examples and public keys are not."""

from __future__ import annotations

import fnmatch
import posixpath

CREDENTIALS = (".npmrc", ".pypirc", ".netrc", ".git-credentials", "id_rsa", "id_dsa",
               "id_ecdsa", "id_ed25519", "*.pem", "*.key", "*.p12", "*.pfx", ".env",
               ".env.*", "credentials", "credentials.json", ".htpasswd", "*.kdbx",
               "service-account*.json", ".dockercfg")
HARMLESS = (".env.example", ".env.sample", ".env.template", ".env.dist", "*.pub")


def is_credential(rel: str) -> bool:
    """Does a context path name a credential file?

    >>> [is_credential(p) for p in ("a/.npmrc", ".env", ".env.example", "src/app.py")]
    [True, True, False, False]
    """
    name = posixpath.basename(rel)
    if any(fnmatch.fnmatch(name, p) for p in HARMLESS):
        return False
    if rel.endswith((".aws/credentials", ".docker/config.json")):
        return True
    return any(fnmatch.fnmatch(name, p) for p in CREDENTIALS)
