"""Docker's reference rules, short names, and which registries may be plain HTTP."""

from __future__ import annotations

import pytest

from dfc.errors import DfcError
from dfc.reference import Reference, parse_reference
from dfc.runtime.registry.config import RegistrySettings
from dfc.runtime.registry.hosts import registry_of_server


@pytest.mark.parametrize(("text", "expected"), [
    ("busybox", Reference("docker.io", "library/busybox", "latest")),
    ("user/app:1", Reference("docker.io", "user/app", "1")),
    ("localhost/app", Reference("localhost", "app", "latest")),
    ("localhost:5000/a/b:2", Reference("localhost:5000", "a/b", "2")),
    ("reg.example/app", Reference("reg.example", "app", "latest")),
    ("127.0.0.1:5000/app@sha256:" + "a" * 64,
     Reference("127.0.0.1:5000", "app", None, "sha256:" + "a" * 64)),
])
def test_references_follow_docker(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(("text", "short"), [
    ("busybox", "busybox:latest"), ("docker.io/library/busybox:1", "busybox:1"),
    ("user/app:1", "user/app:1"), ("docker.io/library/a/b:1", "library/a/b:1"),
    ("127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1"),
])
def test_short_names_as_docker_prints_them(text: str, short: str) -> None:
    assert parse_reference(text).familiar() == short


def test_bad_references_are_refused() -> None:
    for bad in ("UPPER/app", "app@sha256:zz", "a//b"):
        with pytest.raises(DfcError, match="invalid reference format"):
            parse_reference(bad)


def test_plain_http_only_for_loopback_and_listed_registries() -> None:
    settings = RegistrySettings(insecure=("reg.lan:5000", "10.1.0.0/16"))
    assert settings.is_insecure("127.0.0.1:5000") and settings.is_insecure("localhost:5000")
    assert settings.is_insecure("[::1]:5000")
    assert settings.is_insecure("reg.lan:5000") and not settings.is_insecure("reg.lan:5001")
    assert settings.is_insecure("10.1.2.3:443") and not settings.is_insecure("10.2.0.1")
    assert not settings.is_insecure("registry-1.docker.io")


def test_login_server_names() -> None:
    assert registry_of_server(None) == "docker.io"
    assert registry_of_server("https://index.docker.io/v1/") == "docker.io"
    assert registry_of_server("https://reg.example:5000/") == "reg.example:5000"
