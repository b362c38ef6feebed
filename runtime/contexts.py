"""Build contexts as `docker build` takes them: a folder, a tar on stdin, a Dockerfile on
stdin with no context, a git repository URL (`URL#ref:subdir`) or a tar archive URL.

Everything that is not a local folder is unpacked into a temporary folder first, so the
rest of the build only ever sees a directory.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import msgspec

from dfc.cache.ignorefile import find_ignore_file, load_ignore_file
from dfc.cache.inputs import Origin
from dfc.cache.patterns import IgnoreMatcher
from dfc.errors import DfcError
from dfc.reference import InvalidReference, context_name

GIT_PREFIXES = ("git://", "git@", "github.com/")


class Context(msgspec.Struct, frozen=True):
    """A materialised build context and the Dockerfile chosen for it."""

    root: str
    dockerfile: bytes
    dockerfile_name: str
    ignore: IgnoreMatcher
    temporary: bool = False
    """Unpacked for this build only (stdin, git, tar URL): removed when it ends."""

    def origin(self) -> Origin:
        """The context as COPY sees it: `.dockerignore` applied, owners reset to 0:0."""
        return Origin(self.root, self.ignore, reset_owner=True, temporary=self.temporary)


def is_git_url(location: str) -> bool:
    """Is this context location a git repository (Docker's rules)?

    >>> is_git_url("https://h/r.git#main"), is_git_url("https://h/a.tar.gz")
    (True, False)
    """
    base = location.partition("#")[0]
    return location.startswith(GIT_PREFIXES) or base.endswith(".git")


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


@contextlib.contextmanager
def open_context(location: str, dockerfile: str | None, stdin: BinaryIO | None = None
                 ) -> Iterator[Context]:
    """Materialise `location` (a folder, `-`, a git or tar URL) for the duration."""
    if location == "-" and dockerfile == "-":
        raise DfcError("invalid argument: can't use stdin for both build context and "
                       "dockerfile")
    temp = None
    try:
        if location == "-":
            data = (stdin or io.BytesIO()).read()
            if _is_tar(data):
                temp = tempfile.mkdtemp(prefix="dfc-context-")
                _unpack(io.BytesIO(data), temp)
                root = temp
            else:
                temp = tempfile.mkdtemp(prefix="dfc-context-")
                yield Context(temp, data, "Dockerfile", IgnoreMatcher(), temporary=True)
                return
        elif is_git_url(location):
            from dfc.runtime.fetch import clone

            temp = tempfile.mkdtemp(prefix="dfc-context-")
            root = os.path.join(temp, clone(location, temp, "", False))
        elif is_url(location):
            temp = tempfile.mkdtemp(prefix="dfc-context-")
            _download_tar(location, temp)
            root = temp
        else:
            root = location
            if not os.path.isdir(root):
                raise DfcError(f'unable to prepare context: path "{location}" not found')
        if dockerfile == "-":
            ignore = load_ignore_file(find_ignore_file(Path(root), None))
            yield Context(root, (stdin or io.BytesIO()).read(), "Dockerfile", ignore,
                          temporary=temp is not None)
            return
        yield msgspec.structs.replace(_with_dockerfile(root, dockerfile),
                                      temporary=temp is not None)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def _with_dockerfile(root: str, dockerfile: str | None) -> Context:
    """Read the Dockerfile (default `Dockerfile`, else `dockerfile`, in the context) and its
    ignore file."""
    if dockerfile is None:
        path = Path(root) / "Dockerfile"
        if not path.exists() and (Path(root) / "dockerfile").exists():
            path = Path(root) / "dockerfile"
        name = "Dockerfile"
    else:
        path = Path(dockerfile) if os.path.isabs(dockerfile) or os.path.exists(dockerfile) \
            else Path(root) / dockerfile
        name = str(dockerfile)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DfcError(f"failed to read dockerfile: open {path}: no such file or directory") \
            from None
    except OSError as exc:
        raise DfcError(f"failed to read dockerfile {path}: {exc.strerror}") from None
    return Context(root, data, name, load_ignore_file(find_ignore_file(Path(root), path)))


def _is_tar(data: bytes) -> bool:
    from dfc.runtime.fs.layer import decompressed

    try:
        with decompressed(io.BytesIO(data)) as stream, tarfile.open(fileobj=stream,
                                                                    mode="r|") as tar:
            return tar.next() is not None
    except Exception:  # anything unreadable is "not a tar"
        return False


def _unpack(stream: BinaryIO, dest: str) -> None:
    """Unpack a context archive with the layer extractor's protections."""
    from dfc.runtime.fs.layer import decompressed
    from dfc.runtime.fs.snapshots import extract_layer

    with decompressed(stream) as plain:
        extract_layer(plain, Path(dest), mode="apply")


def _download_tar(url: str, dest: str) -> None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DfcError(f"unable to prepare context: {url}: {exc}") from None
    if not _is_tar(data):
        raise DfcError(f"unable to prepare context: {url} is not a tar archive")
    _unpack(io.BytesIO(data), dest)


RESERVED_NAMES = ("scratch", "context")
"""Names BuildKit never looks up among the named contexts."""


class NamedContext(msgspec.Struct, frozen=True):
    """`--build-context NAME=VALUE`: what `FROM NAME`, `COPY --from=NAME` and
    `RUN --mount=from=NAME` use instead of the image NAME, and what replaces a stage
    named NAME (its instructions are not run). Exactly one of `image` (a
    `docker-image://` reference), `folder` (a local directory) or `layout` (an
    `oci-layout://` folder, with an optional `@sha256:` digest) is set. `name` is in
    the form `context_name` gives (`alpine:latest` is `alpine`)."""

    name: str
    image: str = ""
    folder: str = ""
    layout: str = ""
    digest: str = ""


def folder_origin(folder: str) -> Origin:
    """A `--build-context NAME=DIR` folder as BuildKit reads a local context: its own
    `.dockerignore` applied, owners reset to 0:0 (as the client sends every local
    folder)."""
    ignore = load_ignore_file(find_ignore_file(Path(folder), None))
    return Origin(folder, ignore, reset_owner=True)


def lookup_key(name: str) -> str:
    """The context name a FROM, `--from` or stage name is looked up as ("" for the
    reserved names and for what is no reference, which no context can have)."""
    if name.lower() in RESERVED_NAMES:
        return ""
    try:
        return context_name(name)
    except InvalidReference:
        return ""


def parse_build_context(text: str) -> NamedContext:
    """`NAME=DIR`, `NAME=docker-image://REF`, `NAME=oci-layout://PATH[@sha256:…]`.

    >>> parse_build_context("base=docker-image://busybox:1")
    NamedContext(name='base', image='busybox:1', folder='', layout='', digest='')
    """
    name, sep, value = text.partition("=")
    if not sep or not name or not value:
        raise DfcError(f"invalid context value: {text}, expected key=value")
    try:
        name = context_name(name)
    except InvalidReference as exc:
        # buildx's words; a `NAME::PLATFORM` key (BuildKit's per-platform context, which
        # only the frontend option can set) fails here as it does in buildx.
        raise DfcError(f"invalid context name {text.partition('=')[0]}: "
                       f"{exc.message.removeprefix('error: ')}") from None
    if value.startswith("docker-image://"):
        return NamedContext(name, image=value.removeprefix("docker-image://"))
    if value.startswith("oci-layout://"):
        path, at, digest = value.removeprefix("oci-layout://").partition("@")
        if at and not digest.startswith("sha256:"):
            raise DfcError(f"invalid --build-context {text!r}: expected @sha256:DIGEST")
        return NamedContext(name, layout=path, digest=digest)
    if "://" in value or is_git_url(value):
        raise DfcError(f"--build-context {text!r}: dfc takes a folder, docker-image:// or "
                       "oci-layout:// (not URLs)")
    if not os.path.isdir(value):
        raise DfcError(f"--build-context {text!r}: {value} is not a folder")
    return NamedContext(name, folder=os.path.abspath(value))
