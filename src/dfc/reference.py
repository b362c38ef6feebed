"""Image references by Docker's rules: one parser for FROM, the store, pull and push, lint.

`busybox` is `docker.io/library/busybox:latest`. A first component holding a `.` or a
`:`, or equal to `localhost`, names a registry; any other name lives on Docker Hub, and a
one-component Hub name is an official image under `library/`. `:latest` is added only when
neither a tag nor a digest is given; `name:tag@digest` keeps both. Docker prints the
familiar (short) form, which drops `docker.io/` and, for one-component names only,
`library/`: `docker.io/library/a/b:1` is shown as `library/a/b:1`.

Error messages are the ones `docker pull` and `docker tag` print.
"""

from __future__ import annotations

import re

import msgspec

from dfc.errors import DfcError

DOCKER_HUB = "docker.io"
LEGACY_DOCKER_HUB = "index.docker.io"
OFFICIAL = "library/"
DEFAULT_TAG = "latest"
NAME_MAX = 255

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_DOMAIN_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    rf"(?:{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_DIGEST_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}
_IMAGE_ID = re.compile(r"[a-f0-9]{64}")


class InvalidReference(DfcError):
    """Text that is not an image reference."""


class Reference(msgspec.Struct, frozen=True):
    """A normalised reference: `registry/repository` plus a tag, a digest, or both."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """`docker.io/library/busybox`: the repository's full name."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_ref(self) -> str:
        """What follows `/manifests/` in the API: the digest if there is one, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    def __str__(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        return f"{self.name}{tag}{'@' + self.digest if self.digest else ''}"

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.registry, self.repository, tag, None)

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, None, digest)

    def with_default_tag(self) -> Reference:
        """`:latest` when the reference names neither a tag nor a digest."""
        if self.tag is None and self.digest is None:
            return self.with_tag(DEFAULT_TAG)
        return self

    def familiar(self) -> str:
        """The short form Docker prints: `busybox:latest`, `user/app:1`, `host:5000/app:1`."""
        return familiar(str(self))


def parse_named(text: str) -> Reference:
    """A reference exactly as written, normalised but without a default tag (Docker's
    `ParseNormalizedNamed`): lint needs to know whether a tag was given."""
    if _IMAGE_ID.fullmatch(text):
        raise InvalidReference(f"invalid repository name ({text}), cannot specify 64-byte "
                               "hexadecimal strings")
    registry, remainder = _split_registry(text)
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:
        raise InvalidReference(f"invalid reference format: repository name ({remote}) "
                               "must be lowercase")
    rest, at, digest = remainder.partition("@")
    repository, tag = _split_tag(rest)
    if not (_DOMAIN.fullmatch(registry) and _PATH.fullmatch(repository)) \
            or (tag is not None and not _TAG.fullmatch(tag)) \
            or (at and not _DIGEST.fullmatch(digest)):
        raise InvalidReference("invalid reference format")
    if len(registry) + 1 + len(repository) > NAME_MAX:
        raise InvalidReference(f"repository name must not be more than {NAME_MAX} characters")
    if at:
        _check_digest(digest)
    return Reference(registry, repository, tag, digest if at else None)


def parse_reference(text: str) -> Reference:
    """A reference as pull, push and the store use it: `:latest` added when it names
    neither a tag nor a digest."""
    return parse_named(text).with_default_tag()


def parse_repository(text: str) -> Reference:
    """A repository name without tag or digest (search, catalog)."""
    ref = parse_named(text)
    if ref.tag is not None or ref.digest is not None:
        raise InvalidReference(f"expected a repository name without tag or digest, got {text!r}")
    return ref


def tag_name(text: str) -> str:
    """The full `registry/repository:tag` that names an image in the store; a digest
    cannot name one (`docker tag` refuses it the same way)."""
    ref = parse_reference(text)
    if ref.digest is not None:
        raise InvalidReference("refusing to create a tag with a digest reference")
    return str(ref)


def familiar(full: str) -> str:
    """Docker's short spelling of a normalised reference: `docker.io/library/x:1` ->
    `x:1`, `docker.io/u/x:1` -> `u/x:1`, `docker.io/library/a/b` -> `library/a/b`."""
    if not full.startswith(DOCKER_HUB + "/"):
        return full
    rest = full.removeprefix(DOCKER_HUB + "/")
    official = rest.removeprefix(OFFICIAL)
    path = official.partition("@")[0]
    return official if official != rest and "/" not in path else rest


def split_name(full: str) -> tuple[str, str]:
    """(repository, tag) of a store name (`registry/repository:tag`), in familiar form."""
    repository, _, tag = familiar(full).rpartition(":")
    return repository, tag


def _split_tag(name: str) -> tuple[str, str | None]:
    """`name[:tag]`: a `:` after the last `/` starts the tag (before it, a port)."""
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        return name[:colon], name[colon + 1 :]
    return name, None


def _split_registry(text: str) -> tuple[str, str]:
    """(registry, the rest), with Docker Hub's defaults filled in. An upper-case first
    component is part of the repository (so refused), as dockerd 20.10 and the store see
    it, not a registry host as the newer CLI reads it."""
    first, slash, rest = text.partition("/")
    if not slash or not ("." in first or ":" in first or first == "localhost"):
        first, rest = DOCKER_HUB, text
    if first == LEGACY_DOCKER_HUB:
        first = DOCKER_HUB
    if first == DOCKER_HUB and "/" not in rest:
        rest = OFFICIAL + rest
    return first, rest


def _check_digest(digest: str) -> None:
    """The digest checks of go-digest, with its messages."""
    algorithm, _, hexpart = digest.partition(":")
    if algorithm not in _DIGEST_HEX_LENGTH:
        raise InvalidReference("unsupported digest algorithm")
    if len(hexpart) != _DIGEST_HEX_LENGTH[algorithm]:
        raise InvalidReference("invalid checksum digest length")
    if hexpart != hexpart.lower():
        raise InvalidReference("invalid checksum digest format")


def context_name(text: str) -> str:
    """The key a `--build-context` name and a name looked up against it share: the
    familiar form without `:latest`, so `alpine`, `alpine:latest` and
    `docker.io/library/alpine` are one name (buildx's and BuildKit's rule).

    >>> context_name("docker.io/library/alpine:latest"), context_name("base:1")
    ('alpine', 'base:1')
    """
    return familiar(str(parse_named(text))).removesuffix(":" + DEFAULT_TAG)
