"""ADD's remote sources: an HTTP(S) file or a git repository, fetched into scratch space.

A URL becomes one file named after the last path segment (`__unnamed__` for an empty
path), mode 0600, with Last-Modified as its mtime, checked against `--checksum` when given.
A git source is cloned with the `git` command at `#ref[:subdir]`, without `.git` unless
`--keep-git-dir`.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import subprocess
import tempfile

from dfc.cache.inputs import Origin
from dfc.compiler import ir
from dfc.errors import DfcError

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
    import email.utils
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
    if checksum and checksum != "sha256:" + digest.hexdigest():
        raise DfcError(f"digest mismatch for {url}: expected {checksum}, got "
                       f"sha256:{digest.hexdigest()}")
    os.chmod(path, 0o600)
    if modified:
        when = email.utils.parsedate_to_datetime(modified).timestamp()
        os.utime(path, (when, when))
    return name


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
