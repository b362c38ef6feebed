"""The one TLS decision for a registry: which servers to trust, which certificate to show.

Every request to a registry (the `/v2/` ping, tokens, manifests, blobs, redirects) uses
the same `ssl.SSLContext`, so a CA is trusted everywhere or nowhere. It starts from the
system store (OpenSSL's default paths, which honour SSL_CERT_FILE/SSL_CERT_DIR) and adds
what Docker reads from `/etc/docker/certs.d/HOST[:PORT]/` and what podman/skopeo read
from `/etc/containers/certs.d/`: every `*.crt` is a CA, every `*.cert` with its `*.key`
is a client certificate. `DFC_CERTS_DIRS` (paths joined by `:`) replaces those two roots
(tests, or a user without root). An insecure registry is still spoken to over TLS when it
offers it, without verifying the server, as Docker does.

Parsing the system store costs OpenSSL ~40 ms, more than a whole push of an image the
registry already holds: so hosts without certs.d folders share one context per process
(the daemon loads it before it forks), and an unverified context loads no CA.
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
    """The context for every connection to `host`; `verify` false for an insecure one.
    A host without certs.d folders gets the process's shared context (see `_shared`)."""
    folders = host_folders(host)
    if not folders:
        return _shared(verify)
    context = _new_context(verify)
    for folder in folders:
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


def warm() -> None:
    """Load the system store once in the daemon, before it forks: its commands then skip
    the ~40 ms OpenSSL takes to parse it (while the store and SSL_CERT_* stay the same)."""
    _shared(True)


_contexts: dict[tuple[object, ...], ssl.SSLContext] = {}


def _shared(verify: bool) -> ssl.SSLContext:
    """One context per process for the hosts without certs.d folders, built again when
    SSL_CERT_FILE/SSL_CERT_DIR or the system store's files change. An unverified one
    loads no CA at all: it would trust none of them less."""
    key: tuple[object, ...] = (False,) if not verify else (True, *_system_store_stamp())
    context = _contexts.get(key)
    if context is None:
        context = _contexts[key] = _new_context(verify)
    return context


def _system_store_stamp() -> tuple[object, ...]:
    """What the system store is, as far as a context loaded from it depends on."""
    paths = ssl.get_default_verify_paths()
    stamp: list[object] = [paths.cafile, paths.capath]
    for path in (paths.cafile, paths.capath):
        try:
            st = os.stat(path) if path else None
        except OSError:
            st = None
        stamp.append((st.st_mtime_ns, st.st_ino, st.st_size) if st else None)
    return tuple(stamp)


def _new_context(verify: bool) -> ssl.SSLContext:
    if verify:
        return ssl.create_default_context()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context
