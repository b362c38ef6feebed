"""TLS as Docker does it, against real registries serving HTTPS on a non-loopback address
(where nothing is insecure by default): a server signed by an unknown CA is refused for
every request, a CA in certs.d (Docker's or containers') is trusted for every request
(ping, manifests and the blobs read through http.client alike), and a registry that wants
a client certificate gets the one in certs.d."""

from __future__ import annotations

import datetime
import ipaddress
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dfc.cache.store import Store

from .conftest import Registry

SPARE_ADDRESS = "198.18.0.77"


@pytest.fixture(scope="session")
def outside_address() -> Iterator[str]:
    """An IPv4 address of this host that is not loopback: the host's own, or one added to
    `lo` for the session (and removed after) on a host that has none."""
    found = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True
                                       ).stdout.split()
             if "." in a and not ipaddress.ip_address(a).is_loopback]
    if found:
        yield found[0]
        return
    subprocess.run(["ip", "addr", "add", f"{SPARE_ADDRESS}/32", "dev", "lo"], check=True)
    try:
        yield SPARE_ADDRESS
    finally:
        subprocess.run(["ip", "addr", "del", f"{SPARE_ADDRESS}/32", "dev", "lo"], check=False)


class Pki:
    """A test CA, a server certificate for one IP, and a client certificate."""

    def __init__(self, folder: Path, ip: str) -> None:
        self.folder = folder
        now = datetime.datetime.now(datetime.UTC)
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dfc test CA")])
        self.ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(self.ca_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                                  critical=True)
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, key_cert_sign=True, crl_sign=True,
                       content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, encipher_only=False,
                       decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                       self.ca_key.public_key()), critical=False)
                   .sign(self.ca_key, hashes.SHA256()))
        self.ca_file = self._write("ca.crt", self.ca.public_bytes(serialization.Encoding.PEM))
        self.server_cert, self.server_key = self._leaf(
            "server", x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            ExtendedKeyUsageOID.SERVER_AUTH)
        self.client_cert, self.client_key = self._leaf(
            "client", None, ExtendedKeyUsageOID.CLIENT_AUTH)

    def _write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def _leaf(self, name: str, san: x509.SubjectAlternativeName | None,
              usage: x509.ObjectIdentifier) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                               f"dfc test {name}")]))
                   .issuer_name(self.ca.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.ca_key.public_key()), critical=False))
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        cert = builder.sign(self.ca_key, hashes.SHA256())
        return (self._write(f"{name}.cert", cert.public_bytes(serialization.Encoding.PEM)),
                self._write(f"{name}.key", key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption())))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory, outside_address: str) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"), outside_address)


def _tls(pki: Pki, client_ca: bool) -> str:
    text = (f"  tls:\n    certificate: {pki.server_cert}\n    key: {pki.server_key}\n")
    return text + (f"    clientcas:\n      - {pki.ca_file}\n" if client_ca else "")


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory: pytest.TempPathFactory, pki: Pki, outside_address: str
                 ) -> Iterator[Registry]:
    reg = Registry(tmp_path_factory.mktemp("tls-registry"), addr=f"{outside_address}:0",
                   http_extra=_tls(pki, client_ca=False))
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def mtls_registry(tmp_path_factory: pytest.TempPathFactory, pki: Pki, outside_address: str
                  ) -> Iterator[Registry]:
    """A registry that wants a client certificate signed by the test CA."""
    reg = Registry(tmp_path_factory.mktemp("mtls-registry"), addr=f"{outside_address}:0",
                   http_extra=_tls(pki, client_ca=True))
    yield reg
    reg.stop()


@pytest.fixture
def certs_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Stand-ins for /etc/docker/certs.d and /etc/containers/certs.d."""
    docker, containers = tmp_path / "docker-certs.d", tmp_path / "containers-certs.d"
    docker.mkdir()
    containers.mkdir()
    monkeypatch.setenv("DFC_CERTS_DIRS", f"{docker}:{containers}")
    return docker, containers


def _put(folder: Path, host: str, **files: Path) -> None:
    target = folder / host
    target.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (target / name.replace("_", ".")).write_bytes(source.read_bytes())


def _round_trip(run_dfc, image_store: Store, empty_store: Store,  # type: ignore[no-untyped-def]
                name: str) -> None:
    image_store.tag(name, image_store.resolve("app:1").manifest)
    pushed = run_dfc("push", name, "--root", str(image_store.root))
    assert pushed.returncode == 0, pushed.stderr
    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert empty_store.check().ok
    assert empty_store.resolve(name).manifest.digest == image_store.resolve(name).manifest.digest


def test_an_unknown_ca_is_refused(tls_registry, image_store: Store, run_dfc, docker_config,
                                  certs_dirs) -> None:
    name = f"{tls_registry.host}/tls/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    done = run_dfc("push", name, "--root", str(image_store.root))
    assert done.returncode == 1
    assert f"cannot reach registry {tls_registry.host}" in done.stderr
    assert "certificate verify failed" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_ca_in_docker_certs_d_is_trusted_for_every_request(
        tls_registry, pki: Pki, image_store: Store, empty_store: Store, run_dfc,
        docker_config, certs_dirs) -> None:
    """The layer of app:1 is 300 kB: it comes through the fast blob path (http.client),
    the manifests through httpx; both trust the same CA."""
    _put(certs_dirs[0], tls_registry.host, ca_crt=pki.ca_file)
    _round_trip(run_dfc, image_store, empty_store, f"{tls_registry.host}/docker-ca/app:1")


def test_containers_certs_d_is_read_too(tls_registry, pki: Pki, image_store: Store,
                                        empty_store: Store, run_dfc, docker_config,
                                        certs_dirs) -> None:
    _put(certs_dirs[1], tls_registry.host, ca_crt=pki.ca_file)
    _round_trip(run_dfc, image_store, empty_store, f"{tls_registry.host}/podman-ca/app:1")


def test_an_insecure_registry_is_not_verified(tls_registry, image_store: Store,
                                              empty_store: Store, run_dfc, docker_config,
                                              certs_dirs, tmp_path: Path) -> None:
    daemon = tmp_path / "daemon.json"
    daemon.write_text(json.dumps({"insecure-registries": [tls_registry.host]}))
    image_store.tag(f"{tls_registry.host}/insecure/app:1", image_store.resolve("app:1").manifest)
    env = {"DFC_DAEMON_CONFIG": str(daemon)}
    name = f"{tls_registry.host}/insecure/app:1"
    assert run_dfc("push", name, "--root", str(image_store.root), env=env).returncode == 0
    pulled = run_dfc("pull", name, "--root", str(empty_store.root), env=env)
    assert pulled.returncode == 0, pulled.stderr


def test_a_client_certificate_from_certs_d(mtls_registry, pki: Pki, image_store: Store,
                                           empty_store: Store, run_dfc, docker_config,
                                           certs_dirs) -> None:
    host = mtls_registry.host
    _put(certs_dirs[0], host, ca_crt=pki.ca_file)
    name = f"{host}/mtls/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    refused = run_dfc("push", name, "--root", str(image_store.root))
    assert refused.returncode == 1 and f"registry {host}" in refused.stderr

    _put(certs_dirs[0], host, client_key=pki.client_key)
    half = run_dfc("push", name, "--root", str(image_store.root))
    assert half.returncode == 1
    assert (f"missing client certificate {certs_dirs[0] / host / 'client.cert'} for key "
            f"{certs_dirs[0] / host / 'client.key'}") in half.stderr

    _put(certs_dirs[0], host, client_cert=pki.client_cert)
    _round_trip(run_dfc, image_store, empty_store, name)


def test_a_command_the_daemon_serves_honours_its_own_ssl_cert_file(
        tls_registry, pki: Pki, image_store: Store, docker_config, certs_dirs,
        dfc_daemon, dfc_cmd: list[str]) -> None:
    """The daemon parses the system CA store once, before it forks; a command whose
    environment names another CA file (SSL_CERT_FILE, as OpenSSL reads it) trusts that
    file, as a process of its own would, and the next command without it does not."""
    name = f"{tls_registry.host}/env-ca/app:1"
    image_store.tag(name, image_store.resolve("app:1").manifest)
    env = {**dfc_daemon.env, "DOCKER_CONFIG": str(docker_config),
           "DFC_DAEMON_CONFIG": str(docker_config / "no-daemon.json"),
           "DFC_CERTS_DIRS": ":".join(map(str, certs_dirs))}
    push = [*dfc_cmd, "push", name, "--root", str(image_store.root)]
    trusted = subprocess.run(push, env={**env, "SSL_CERT_FILE": str(pki.ca_file)},
                             capture_output=True, text=True)
    assert trusted.returncode == 0, trusted.stderr
    refused = subprocess.run(push, env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert "certificate verify failed" in refused.stderr
    assert dfc_daemon.served() == 2  # both were the daemon's children
