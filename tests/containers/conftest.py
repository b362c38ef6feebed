"""Fixtures for the container tests: a store with test images built FROM busybox, a `dfc`
runner on it, and the same images loaded into the real Docker engine (dockerd must be
running: its absence fails these tests rather than skipping them).

(Fixtures rather than a helper module: pytest runs in importlib mode.)
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store

DOCKER = "/usr/bin/docker"
ROOTFS_SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "busybox" / "rootfs.sh"

DOCKERFILES = {
    "cmd-exec": 'CMD ["echo", "c", "d"]',
    "cmd-shell": 'CMD echo "c  d" $HOME',
    "ep-exec-cmd": 'ENTRYPOINT ["echo", "e", "f"]\nCMD ["c"]',
    "ep-exec": 'ENTRYPOINT ["echo", "e"]',
    "ep-shell": 'ENTRYPOINT echo e f\nCMD ["ignored"]',
    "shell": 'SHELL ["/bin/sh", "-xc"]\nCMD echo via-shell',
    "env-user": "ENV A=1 B=2\nRUN mkdir /w && chown nobody /w\nUSER nobody\nWORKDIR /w\n"
                'CMD ["sh", "-c", "id; pwd; echo $A $B $HOME"]',
    "labelled": 'LABEL a=1 b=two\nSTOPSIGNAL SIGUSR1\nCMD ["sleep", "30"]',
    "tree": "RUN mkdir -p /data/sub && echo 1 > /data/a && echo 2 > /data/sub/b && "
            "echo 3 > /data/keep",
    "web": 'EXPOSE 80\nRUN mkdir /www && echo hello-from-the-container > /www/index.html\n'
           'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]',
}


class Result(NamedTuple):
    code: int
    out: str
    err: str


class Images(NamedTuple):
    """The test images: the same names in the dfc store and in dockerd."""

    store: Store
    names: dict[str, str]


def _run(argv: list[str], env: dict[str, str] | None = None, stdin: bytes | None = None,
         timeout: float = 60) -> Result:
    proc = subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode(errors="replace"),
                  proc.stderr.decode(errors="replace"))


@pytest.fixture(scope="session")
def docker_ready() -> None:
    proc = subprocess.run([DOCKER, "info"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"dockerd is not reachable through {DOCKER}: {proc.stderr.strip()}")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory, docker_ready: None,
           dfc_cmd: list[str]) -> Iterator[Images]:
    """Every image of DOCKERFILES built by dfc FROM a busybox of this module, saved, and
    loaded into docker. The busybox layer gets a time of its own, so dockerd holds it
    apart from the busybox layers other sessions load and remove on the same engine."""
    import random
    import tarfile

    from dfc.runtime.images.importer import import_rootfs

    work = tmp_path_factory.mktemp("containers")
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(work / "rootfs")], check=True)
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        tar.add(work / "rootfs", arcname=".")
    store = Store(work / "store")
    import_rootfs(store, work / "rootfs.tar", "busybox:latest",
                  epoch=1_600_000_000 + random.randrange(10**8))
    prefix = f"dfc-ctest-{uuid.uuid4().hex[:8]}"
    names = {"busybox": f"{prefix}-busybox:1"}
    store.tag(names["busybox"], store.resolve("busybox").manifest)
    for key, body in DOCKERFILES.items():
        ctx = tmp_path_factory.mktemp(key)
        (ctx / "Dockerfile").write_text(f"FROM busybox\n{body}\n")
        names[key] = f"{prefix}-{key}:1"
        build(BuildRequest(context=str(ctx), tags=(names[key],)), store, lambda e: None)
    archive = subprocess.run([*dfc_cmd, "save", *names.values()], check=True,
                             capture_output=True, env={**os.environ, "DFC_ROOT": str(store.root)}
                             ).stdout
    subprocess.run([DOCKER, "load"], input=archive, check=True, capture_output=True)
    try:
        yield Images(store, names)
    finally:
        subprocess.run([DOCKER, "rmi", "-f", *names.values()], capture_output=True)


@contextlib.contextmanager
def image_in_both(images: Images, dfc_cmd: list[str], ctx: Path, body: str,
                  kind: str) -> Iterator[str]:
    """A one-off image (`body` on the module's busybox) built by dfc and loaded into
    dockerd under the same new name; removed from dockerd afterwards."""
    (ctx / "Dockerfile").write_text(f"FROM {images.names['busybox']}\n{body}")
    name = f"dfc-{kind}-{uuid.uuid4().hex[:8]}:1"
    build(BuildRequest(context=str(ctx), tags=(name,)), images.store, lambda e: None)
    archive = subprocess.run([*dfc_cmd, "save", name], check=True, capture_output=True,
                             env={**os.environ, "DFC_ROOT": str(images.store.root)}).stdout
    subprocess.run([DOCKER, "load"], input=archive, check=True, capture_output=True)
    try:
        yield name
    finally:
        subprocess.run([DOCKER, "rmi", "-f", name], capture_output=True)


_FLAKES = ("failed to create shim task", "unable to find user")


class Dfc:
    """Runs the dfc CLI on one store."""

    def __init__(self, dfc_cmd: list[str], root: Path) -> None:
        self.cmd = dfc_cmd
        self.root = root
        self.env = {**os.environ, "DFC_ROOT": str(root)}

    def __call__(self, *args: str, stdin: bytes | None = None,
                 env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        return _run([*self.cmd, *args], {**self.env, **(env or {})}, stdin, timeout)


class Docker:
    """Runs the docker CLI; removes the containers it was asked to name."""

    def __init__(self) -> None:
        self.containers: list[str] = []

    def __call__(self, *args: str, stdin: bytes | None = None,
                 env: dict[str, str] | None = None, timeout: float = 60) -> Result:
        """dockerd on these shared machines now and then fails to find a file of an image
        it has (`failed to create shim task: ... stat /bin/sh: no such file`, or `unable to
        find user` for a user its /etc/passwd has) while other sessions use it: such a
        start is tried again (a real failure repeats itself, and the last answer counts)."""
        for _ in range(3):
            result = _run([DOCKER, *args], {**os.environ, **(env or {})}, stdin, timeout)
            if not any(flake in result.err for flake in _FLAKES):
                break
            if "--name" in args:  # the failed start left the container: make way for it
                _run([DOCKER, "rm", "-f", args[args.index("--name") + 1]])
        return result

    def name(self) -> str:
        name = f"dfc-ctest-{uuid.uuid4().hex[:10]}"
        self.containers.append(name)
        return name


@pytest.fixture
def dfc(images: Images, dfc_cmd: list[str]) -> Iterator[Dfc]:
    runner = Dfc(dfc_cmd, images.store.root)
    yield runner
    leftover = runner("ps", "-aq", "--no-trunc").out.split()
    if leftover:
        runner("rm", "-f", *leftover)


@pytest.fixture
def docker(docker_ready: None) -> Iterator[Docker]:
    client = Docker()
    yield client
    if client.containers:
        client("rm", "-f", *client.containers)
