"""ADD's remote sources: an HTTP(S) file or a git repository, fetched into scratch space.

A URL becomes one file named after the last path segment (`__unnamed__` for an empty
path), mode 0600, with Last-Modified as its mtime, checked against `--checksum` when given.
A git source is cloned with the `git` command at `#ref[:subdir]`, without `.git` unless
`--keep-git-dir`.

A URL without `--checksum` is keyed by what the server serves now, as BuildKit's http
source does: `UrlCache` keeps each download (by content digest) with the ETag and
Last-Modified it came with, asks the server on every build whether it changed (HEAD then
GET with If-None-Match; If-Modified-Since when the server gave no ETag) and downloads
again when it did.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from dfc.cache.inputs import Origin
from dfc.compiler import ir
from dfc.errors import DfcError

if TYPE_CHECKING:
    from http.client import HTTPResponse

TIMEOUT = 60


def fetch_remote(source: ir.UrlSource | ir.GitSource, scratch: str, checksum: str = "",
                 keep_git_dir: bool = False) -> tuple[Origin, str]:
    """Fetch `source` under `scratch`; return the origin to copy from and the path in it."""
    folder = tempfile.mkdtemp(prefix="fetch-", dir=scratch)
    if isinstance(source, ir.GitSource):
        return Origin(folder), clone(source.url, folder, checksum, keep_git_dir)
    return Origin(folder, reset_owner=True), download(source.url, folder, checksum)


def url_file_name(url: str) -> str:
    """The file name ADD gives a downloaded URL.

    >>> url_file_name("https://x/a/b.tgz?x=1"), url_file_name("http://x/")
    ('b.tgz', '__unnamed__')
    """
    import urllib.parse

    name = posixpath.basename(urllib.parse.urlparse(url).path)
    return name or "__unnamed__"


def download(url: str, folder: str, checksum: str) -> str:
    import urllib.error
    import urllib.request

    name = url_file_name(url)
    path = os.path.join(folder, name)
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, open(path, "wb") as out:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
            modified = response.headers.get("Last-Modified")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DfcError(f"failed to download {url}: {exc}") from None
    check_checksum("sha256:" + digest.hexdigest(), checksum)
    _finish(path, modified)
    return name


def check_checksum(actual: str, expected: str) -> None:
    """`ADD --checksum`: BuildKit's error when the download is something else."""
    if expected and actual != expected:
        raise DfcError(f"digest mismatch {actual}: {expected}")


def _finish(path: str, modified: str | None) -> None:
    """A downloaded file as ADD leaves it: mode 0600, Last-Modified as its mtime."""
    import email.utils

    os.chmod(path, 0o600)
    if modified:
        when = email.utils.parsedate_to_datetime(modified).timestamp()
        os.utime(path, (when, when))


class Download(msgspec.Struct, frozen=True):
    """A URL's content as last served: its digest, and the validators it came with."""

    url: str
    digest: str
    etag: str = ""
    modified: str = ""

    def key(self) -> str:
        """What keys an ADD of this URL: the content, and the Last-Modified that becomes
        the file's mtime."""
        return f"url:{self.digest}:{self.modified}"


class UrlCache:
    """ADD's downloads kept under `folder` (content by digest, validators by URL), so a
    rebuild asks the server whether the file changed instead of trusting the URL. One
    build asks once per URL."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.resolved: dict[str, Download] = {}
        self.lock = threading.Lock()

    def key(self, url: str) -> str:
        return self.resolve(url).key()

    def resolve(self, url: str) -> Download:
        with self.lock:
            known = self.resolved.get(url)
            if known is None:
                known = self.resolved[url] = self._revalidate(url)
            return known

    def fetch(self, source: ir.UrlSource | ir.GitSource, scratch: str, checksum: str = "",
              keep_git_dir: bool = False) -> tuple[Origin, str]:
        """`fetch_remote`, serving a URL this build resolved from the kept download."""
        if isinstance(source, ir.GitSource) or checksum:
            return fetch_remote(source, scratch, checksum, keep_git_dir)
        found = self.resolve(source.url)
        folder = tempfile.mkdtemp(prefix="fetch-", dir=scratch)
        name = url_file_name(source.url)
        shutil.copyfile(self._content(found.digest), os.path.join(folder, name))
        _finish(os.path.join(folder, name), found.modified or None)
        return Origin(folder, reset_owner=True), name

    def _meta(self, url: str) -> Path:
        return self.folder / (hashlib.sha256(url.encode()).hexdigest() + ".json")

    def _content(self, digest: str) -> Path:
        return self.folder / digest.removeprefix("sha256:")

    def _revalidate(self, url: str) -> Download:
        kept = self._kept(url)
        if kept is not None:
            if kept.etag and self._head_matches(url, kept.etag):
                return kept
            headers = {"If-None-Match": kept.etag} if kept.etag else \
                {"If-Modified-Since": kept.modified} if kept.modified else {}
            return self._get(url, headers, kept)
        return self._get(url, {}, None)

    def _kept(self, url: str) -> Download | None:
        try:
            kept = msgspec.json.decode(self._meta(url).read_bytes(), type=Download)
        except (OSError, msgspec.DecodeError):
            return None
        return kept if kept.url == url and self._content(kept.digest).exists() else None

    def _head_matches(self, url: str, etag: str) -> bool:
        """BuildKit's first question: a HEAD with If-None-Match, compared by hand (some
        servers answer a conditional GET with the whole body)."""
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, method="HEAD", headers={
            "If-None-Match": etag, "Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return _etag(response.headers.get("ETag")) == etag
        except urllib.error.HTTPError as exc:
            return exc.code == 304 and _etag(exc.headers.get("ETag")) in ("", etag)
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _get(self, url: str, headers: dict[str, str], kept: Download | None) -> Download:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return self._save(url, response)
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and kept is not None:
                return kept
            raise DfcError(f"failed to download {url}: {exc}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DfcError(f"failed to download {url}: {exc}") from None

    def _save(self, url: str, response: HTTPResponse) -> Download:
        self.folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".part-", delete=False) as out:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        done = Download(url=url, digest="sha256:" + digest.hexdigest(),
                        etag=_etag(response.headers.get("ETag")),
                        modified=response.headers.get("Last-Modified") or "")
        os.replace(out.name, self._content(done.digest))
        with tempfile.NamedTemporaryFile("w", dir=self.folder, prefix=".part-",
                                         delete=False) as meta:
            meta.write(json.dumps(msgspec.to_builtins(done)))
        os.replace(meta.name, self._meta(url))
        return done


def _etag(value: str | None) -> str:
    """An ETag compared as BuildKit does: weak or strong alike."""
    return (value or "").removeprefix("W/")


def split_git_url(url: str) -> tuple[str, str, str]:
    """`URL#ref:subdir` -> (URL, ref, subdir), as Docker parses a git context.

    >>> split_git_url("https://h/r.git#v1:docs")
    ('https://h/r.git', 'v1', 'docs')
    """
    base, _, fragment = url.partition("#")
    ref, _, subdir = fragment.partition(":")
    return base, ref, subdir


def clone(url: str, folder: str, checksum: str, keep_git_dir: bool) -> str:
    if shutil.which("git") is None:
        raise DfcError("git is needed for git sources but is not installed")
    base, ref, subdir = split_git_url(url)
    target = os.path.join(folder, "repo")
    command = ["git", "clone", "--quiet", "--recurse-submodules", base, target]
    steps = [command]
    if ref:
        steps.append(["git", "-C", target, "checkout", "--quiet", ref])
    for args in steps:
        done = subprocess.run(args, capture_output=True, text=True, check=False,
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
        if done.returncode != 0:
            raise DfcError(f"failed to fetch {url}: {done.stderr.strip() or done.stdout.strip()}")
    if checksum:
        head = subprocess.run(["git", "-C", target, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        if not head.startswith(checksum):
            raise DfcError(f"expected checksum to match {checksum}, got {head}")
    if not keep_git_dir:
        shutil.rmtree(os.path.join(target, ".git"), ignore_errors=True)
    path = posixpath.normpath(posixpath.join("repo", subdir)) if subdir else "repo"
    if not os.path.isdir(os.path.join(folder, path)):
        raise DfcError(f"subdir {subdir!r} not found in {base}")
    return path
