"""The one TLS decision for a registry: which servers to trust, which certificate to show.

Every request to a registry (the `/v2/` ping, tokens, manifests, blobs, redirects) uses
the same `ssl.SSLContext`, so a CA is trusted everywhere or nowhere. It starts from the
system store (OpenSSL's default paths, which honour SSL_CERT_FILE/SSL_CERT_DIR) and adds
what Docker reads from `/etc/docker/certs.d/HOST[:PORT]/` and what podman/skopeo read
from `/etc/containers/certs.d/`: every `*.crt` is a CA, every `*.cert` with its `*.key`
is a client certificate. `DFC_CERTS_DIRS` (paths joined by `:`) replaces those two roots
(tests, or a user without root). An insecure registry is still spoken to over TLS when it
offers it, without verifying the server, as Docker does.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

from dfc.runtime.registry.errors import RegistryError

CERTS_ROOTS = (Path("/etc/docker/certs.d"), Path("/etc/containers/certs.d"))


def certs_roots() -> tuple[Path, ...]:
    text = os.environ.get("DFC_CERTS_DIRS")
    if text is None:
        return CERTS_ROOTS
    return tuple(Path(p) for p in text.split(os.pathsep) if p)


def host_folders(host: str) -> list[Path]:
    """The certs.d folders for `host` (`name:port` when the registry has a port)."""
    return [root / host for root in certs_roots() if (root / host).is_dir()]


def ssl_context(host: str, verify: bool) -> ssl.SSLContext:
    """The context for every connection to `host`; `verify` false for an insecure one."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    for folder in host_folders(host):
        try:
            for ca in sorted(folder.glob("*.crt")):
                context.load_verify_locations(cafile=str(ca))
            for cert in sorted(folder.glob("*.cert")):
                key = cert.with_suffix(".key")
                if not key.is_file():
                    raise RegistryError(f"missing key {key} for client certificate {cert}")
                context.load_cert_chain(str(cert), str(key))
            for key in sorted(folder.glob("*.key")):
                if not key.with_suffix(".cert").is_file():
                    raise RegistryError(f"missing client certificate "
                                        f"{key.with_suffix('.cert')} for key {key}")
        except (ssl.SSLError, OSError) as exc:
            raise RegistryError(f"invalid certificate in {folder}: "
                                f"{getattr(exc, 'reason', None) or exc}") from None
    return context
