"""Docker's reference rules (distribution/reference), as `docker pull`, `docker tag` and
`docker images` show them. Every row was checked against the docker CLI 28 with dockerd
20.10 on this machine (`docker tag` of a local image, then `docker images`; `docker pull`
of a malformed reference, which fails before any network use)."""

from __future__ import annotations

import pytest

from dfc.reference import (
    InvalidReference,
    Reference,
    familiar,
    parse_named,
    parse_reference,
    parse_repository,
    split_name,
    tag_name,
)

DIGEST = "sha256:" + "0" * 64


@pytest.mark.parametrize(("text", "full"), [
    ("app", "docker.io/library/app:latest"),
    ("me/app:1", "docker.io/me/app:1"),
    ("docker.io/app", "docker.io/library/app:latest"),
    ("docker.io/library/app:2", "docker.io/library/app:2"),
    ("docker.io/a/b:1", "docker.io/a/b:1"),
    ("docker.io/library/a/b:1", "docker.io/library/a/b:1"),
    ("index.docker.io/x:3", "docker.io/library/x:3"),
    ("index.docker.io/library/y", "docker.io/library/y:latest"),
    ("localhost/app", "localhost/app:latest"),
    ("localhost:5000/a", "localhost:5000/a:latest"),
    ("localhost:5000/a/b:2", "localhost:5000/a/b:2"),
    ("ghcr.io/o/r:v1.2", "ghcr.io/o/r:v1.2"),
    ("registry.example.com/library/app:6", "registry.example.com/library/app:6"),
    ("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest"),
    ("[::1]:5000/app:7", "[::1]:5000/app:7"),
    ("a__b", "docker.io/library/a__b:latest"),
    ("a--b.c_d", "docker.io/library/a--b.c_d:latest"),
    ("app:Tag_1.x", "docker.io/library/app:Tag_1.x"),
    ("a@" + DIGEST, "docker.io/library/a@" + DIGEST),
    ("a:1@" + DIGEST, "docker.io/library/a:1@" + DIGEST),
    ("ghcr.io/o/r@" + DIGEST, "ghcr.io/o/r@" + DIGEST),
])
def test_normalised_as_docker_does(text: str, full: str) -> None:
    assert str(parse_reference(text)) == full


@pytest.mark.parametrize(("text", "short"), [
    ("busybox", "busybox:latest"),
    ("docker.io/library/busybox:1", "busybox:1"),
    ("index.docker.io/x:3", "x:3"),
    ("user/app:1", "user/app:1"),
    ("docker.io/a/b:2", "a/b:2"),
    ("docker.io/library/a/b:1", "library/a/b:1"),
    ("localhost/app:5", "localhost/app:5"),
    ("localhost:5000/app:4", "localhost:5000/app:4"),
    ("registry.example.com/library/app:6", "registry.example.com/library/app:6"),
    ("a:1@" + DIGEST, "a:1@" + DIGEST),
    ("a/b@" + DIGEST, "a/b@" + DIGEST),
])
def test_familiar_form_as_docker_images_prints_it(text: str, short: str) -> None:
    assert parse_reference(text).familiar() == short
    assert familiar(str(parse_reference(text))) == short


def test_default_tag_only_without_tag_and_digest() -> None:
    assert parse_named("app") == Reference("docker.io", "library/app")
    assert parse_reference("app").tag == "latest"
    assert parse_reference("app@" + DIGEST) == Reference("docker.io", "library/app", None, DIGEST)
    assert parse_reference("app:1@" + DIGEST) == Reference("docker.io", "library/app", "1",
                                                           DIGEST)
    assert parse_reference("app@" + DIGEST).api_ref == DIGEST
    assert parse_reference("app:1").api_ref == "1"


@pytest.mark.parametrize(("text", "message"), [
    ("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase"),
    ("App", "invalid reference format: repository name (library/App) must be lowercase"),
    ("docker.io/library/Busybox",
     "invalid reference format: repository name (library/Busybox) must be lowercase"),
    ("foo/Bar", "invalid reference format: repository name (foo/Bar) must be lowercase"),
    ("localhost:5000/A", "invalid reference format: repository name (A) must be lowercase"),
    ("UPPER/app", "invalid reference format: repository name (UPPER/app) must be lowercase"),
    ("a b", "invalid reference format"),
    ("a/", "invalid reference format"),
    ("a//b", "invalid reference format"),
    ("a/../b", "invalid reference format"),
    ("", "invalid reference format"),
    (":tag", "invalid reference format"),
    ("busybox:", "invalid reference format"),
    ("busybox:-x", "invalid reference format"),
    ("a:b:c", "invalid reference format"),
    ("a___b", "invalid reference format"),
    ("a.-b", "invalid reference format"),
    ("busybox@sha256:abc", "invalid reference format"),
    ("app@sha256:zz", "invalid reference format"),
    ("busybox@sha256:" + "a" * 40, "invalid checksum digest length"),
    ("busybox@sha512:" + "a" * 64, "invalid checksum digest length"),
    ("busybox@sha256:" + "A" * 64, "invalid checksum digest format"),
    ("busybox@md5:" + "a" * 32, "unsupported digest algorithm"),
    ("a" * 64, f"invalid repository name ({'a' * 64}), cannot specify 64-byte hexadecimal "
     "strings"),
    ("a" * 256, "repository name must not be more than 255 characters"),
])
def test_bad_references_get_dockers_message(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    assert info.value.message == message


def test_store_names_refuse_digests_as_docker_tag_does() -> None:
    assert tag_name("app") == "docker.io/library/app:latest"
    assert tag_name("localhost:5000/a") == "localhost:5000/a:latest"
    with pytest.raises(InvalidReference, match="refusing to create a tag with a digest"):
        tag_name("a@" + DIGEST)


def test_repository_names_and_split_names() -> None:
    assert parse_repository("me/app") == Reference("docker.io", "me/app")
    with pytest.raises(InvalidReference, match="without tag or digest"):
        parse_repository("me/app:1")
    assert split_name("docker.io/library/app:1") == ("app", "1")
    assert split_name("docker.io/library/a/b:1") == ("library/a/b", "1")
    assert split_name("localhost:5000/a:2") == ("localhost:5000/a", "2")
