"""The differential harness: build one context with `docker build` (BuildKit) and with dfc,
from the same busybox base, and describe both results the same way so they can be compared.

Docker's side: `docker create` + `docker export` gives the container's root filesystem (the
paths Docker adds to every container are dropped), `docker save` gives the config blob.
dfc's side: the image's layers flattened into a folder, and its config blob from the store.
Both become a `Tree` (path -> `Node`, plus hardlink groups) and a `Config` of the fields a
user of the image sees; a difference between them is either a dfc bug or is listed, with its
reason, in docs/differences.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tarfile
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.oci import Descriptor
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import events
from dfc.runtime.fs.snapshots import flatten

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "diff"
DOCKER = "/usr/bin/docker"
BASE = "busybox:latest"
ALIAS = "dfc-difftest-busybox:latest"
"""The name both builds know the base by. dockerd is shared with other work that may
retag or remove `busybox:latest` at any time, so the contexts' `FROM busybox` and
`--from=busybox` are rewritten to this name, on both sides alike."""
_BASE_WORDS = re.compile(r"(?im)(^\s*FROM\s+(?:--\S+\s+)*|--from=)busybox(?::latest)?\b")
CONTEXT_EPOCH = 1_600_000_000
"""Every context file gets this mtime, so a copied file whose mtime is kept is recognisable."""
BUSYBOX_EPOCH = 1_700_000_000
"""The base image's mtimes (tests/conftest.py clamps the busybox layer to it)."""
KEPT_MTIMES = frozenset({CONTEXT_EPOCH, BUSYBOX_EPOCH})
DOCKER_ADDED = frozenset({".dockerenv", "etc/hosts", "etc/hostname", "etc/resolv.conf",
                          "etc/mtab", "proc", "sys", "dev"})
"""Paths Docker's init layer adds to every container (with everything below them). It also
makes /etc, so the mtime of /etc is Docker's, and an image without /etc gets one."""
EMPTY_TAR = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
"""The diff_id of a tar with no entries (1024 zero bytes)."""
CONFIG_FIELDS = ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes",
                 "Labels", "StopSignal", "Healthcheck", "OnBuild", "Shell", "ArgsEscaped")


class Node(NamedTuple):
    """What a user of the image sees of one path. `mtime` is None unless it is one of
    the times a build keeps (a source's or the base's); build-time clocks differ."""

    kind: str
    mode: int
    uid: int
    gid: int
    size: int
    digest: str
    link: str
    mtime: int | None


class Tree(NamedTuple):
    nodes: dict[str, Node]
    hardlinks: dict[str, frozenset[str]]
    """path -> every path sharing its inode (only for paths with more than one name)."""


class Config(NamedTuple):
    fields: dict[str, Any]
    author: str | None
    history: list[tuple[str, bool]]
    """(created_by, empty_layer) per history entry."""


class Result(NamedTuple):
    tree: Tree
    config: Config


class Case(NamedTuple):
    """One context and how to build it."""

    context: Path
    target: str | None = None
    build_args: Mapping[str, str] = {}


def _kept(mtime: int, kind: str) -> int | None:
    """Directory mtimes are never compared (docs/differences.md: Docker gives copied
    folders the time of the copy, dfc the source's)."""
    return mtime if mtime in KEPT_MTIMES and kind != "dir" else None


def _node_from_tar(member: tarfile.TarInfo, data: bytes) -> Node:
    kinds = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.DIRTYPE: "dir",
             tarfile.SYMTYPE: "symlink", tarfile.CHRTYPE: "char", tarfile.BLKTYPE: "block",
             tarfile.FIFOTYPE: "fifo"}
    digest = hashlib.sha256(data).hexdigest() if member.isreg() else ""
    kind = kinds[member.type]
    return Node(kind, stat.S_IMODE(member.mode), member.uid, member.gid,
                member.size if member.isreg() else 0, digest, member.linkname,
                _kept(int(member.mtime), kind))


def _groups(links: dict[str, str]) -> dict[str, frozenset[str]]:
    """Hardlink groups from `name -> name it links to`."""
    members: dict[str, set[str]] = {}
    for name, target in links.items():
        members.setdefault(target, {target}).add(name)
    return {path: frozenset(group) for group in members.values() for path in group}


def tree_from_export(tar_path: Path) -> Tree:
    """The rootfs of a `docker export`, without what Docker adds to every container."""
    nodes: dict[str, Node] = {}
    links: dict[str, str] = {}
    with tarfile.open(tar_path) as tar:
        for member in tar:
            path = member.name.strip("/").removeprefix("./")
            if not path or path.split("/")[0] in DOCKER_ADDED or path in DOCKER_ADDED:
                continue
            if member.islnk():
                target = member.linkname.strip("/").removeprefix("./")
                links[path] = target
                nodes[path] = nodes[target]
                continue
            data = tar.extractfile(member).read() if member.isreg() else b""  # type: ignore
            nodes[path] = _node_from_tar(member, data)
    return Tree(nodes, _groups(links))


def tree_from_dir(root: Path) -> Tree:
    """A flattened rootfs folder, described like `tree_from_export` does."""
    nodes: dict[str, Node] = {}
    inodes: dict[tuple[int, int], str] = {}
    links: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            full = os.path.join(folder, name)
            path = os.path.relpath(full, root)
            st = os.lstat(full)
            fmt = stat.S_IFMT(st.st_mode)
            kind = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symlink",
                    stat.S_IFCHR: "char", stat.S_IFBLK: "block", stat.S_IFIFO: "fifo"}[fmt]
            digest, size, link = "", 0, ""
            if kind == "file":
                digest = hashlib.sha256(Path(full).read_bytes()).hexdigest()
                size = st.st_size
                if st.st_nlink > 1:
                    first = inodes.setdefault((st.st_dev, st.st_ino), path)
                    if first != path:
                        links[path] = first
            elif kind == "symlink":
                link = os.readlink(full)
            nodes[path] = Node(kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, size,
                               digest, link, _kept(int(st.st_mtime), kind))
    return Tree(nodes, _groups(links))


def config_from_blob(blob: Mapping[str, Any]) -> Config:
    """The user-visible fields of an image config blob; empty and missing are the same.

    A step whose layer is an empty tar counts as `empty_layer`: Docker 20.10's exporter
    keeps such layers (WORKDIR of an existing folder, COPY of an empty wildcard), the
    current BuildKit exporter and dfc drop them (docs/differences.md)."""
    config = blob.get("config") or {}
    fields = {name: config.get(name) or None for name in CONFIG_FIELDS}
    layers = iter(blob.get("rootfs", {}).get("diff_ids") or [])
    history = []
    for entry in blob.get("history") or []:
        empty = bool(entry.get("empty_layer", False)) or next(layers, None) == EMPTY_TAR
        history.append((entry.get("created_by", ""), empty))
    return Config(fields, blob.get("author") or None, history)


def diff_trees(docker: Tree, dfc: Tree) -> list[str]:
    """Every path whose description differs, as `path: docker=... dfc=...` lines."""
    lines = []
    if "etc" not in dfc.nodes and not any(p.startswith("etc/") for p in docker.nodes):
        docker.nodes.pop("etc", None)  # the init layer's
    for path in sorted(docker.nodes.keys() | dfc.nodes.keys()):
        want, got = docker.nodes.get(path), dfc.nodes.get(path)
        if want != got:
            lines.append(f"/{path}: docker={_show(want)} dfc={_show(got)}")
        elif docker.hardlinks.get(path) != dfc.hardlinks.get(path):
            lines.append(f"/{path}: hardlinks docker={sorted(docker.hardlinks.get(path, []))} "
                         f"dfc={sorted(dfc.hardlinks.get(path, []))}")
    return lines


_OLD_HEALTHCHECK = re.compile(r"""HEALTHCHECK &\{\[(.*)\] "(.*)" "(.*)" "(.*)" '(.*)'\}""")


def current_frontend(created_by: str) -> str:
    r"""Docker 20.10's built-in Dockerfile frontend wrote two history texts in an older
    spelling; this is the current one (reference section 6.2), which dfc follows:
    `EXPOSE map[80/tcp:{}]` is `EXPOSE [80/tcp]`, and HEALTHCHECK was `%v` of a pointer.

    >>> current_frontend("EXPOSE map[443/tcp:{} 53/udp:{}]")
    'EXPOSE [443/tcp 53/udp]'
    >>> current_frontend('HEALTHCHECK &{["CMD" "a b"] "5s" "0s" "0s" \'\\x04\'}')
    'HEALTHCHECK {Test:[CMD a b] Interval:5s Timeout:0s StartPeriod:0s StartInterval:0s Retries:4}'
    """
    if created_by.startswith("EXPOSE map["):
        ports = re.findall(r"(\S+?):\{\}", created_by.removeprefix("EXPOSE map["))
        return "EXPOSE [" + " ".join(ports) + "]"
    if (match := _OLD_HEALTHCHECK.fullmatch(created_by)) is not None:
        test = " ".join(json.loads("[" + match[1].replace('" "', '", "') + "]"))
        retries = ord(match[5].encode().decode("unicode_escape"))
        return (f"HEALTHCHECK {{Test:[{test}] Interval:{match[2]} Timeout:{match[3]} "
                f"StartPeriod:{match[4]} StartInterval:0s Retries:{retries}}}")
    return created_by


def without_copy_flags(created_by: str) -> str:
    """COPY/ADD history without `--chown`/`--chmod`, which Docker 20.10's frontend did not
    show (the current one does, and so does dfc)."""
    if created_by.startswith(("COPY ", "ADD ")):
        return re.sub(r" --ch(?:own|mod)=\S+", "", created_by)
    return created_by


def diff_configs(docker: Config, dfc: Config) -> list[str]:
    docker = docker._replace(history=[(current_frontend(text), empty)
                                      for text, empty in docker.history])
    dfc = dfc._replace(history=[(without_copy_flags(text), empty)
                                for text, empty in dfc.history])
    lines = [f"{name}: docker={docker.fields[name]!r} dfc={dfc.fields[name]!r}"
             for name in CONFIG_FIELDS if docker.fields[name] != dfc.fields[name]]
    if docker.author != dfc.author:
        lines.append(f"author: docker={docker.author!r} dfc={dfc.author!r}")
    if docker.history != dfc.history:
        lines.append(f"history:\n  docker={docker.history!r}\n  dfc=   {dfc.history!r}")
    return lines


def _show(node: Node | None) -> str:
    if node is None:
        return "absent"
    text = f"{node.kind} {node.mode:o} {node.uid}:{node.gid}"
    if node.kind == "file":
        text += f" {node.size}B {node.digest[:12]}"
    if node.link:
        text += f" -> {node.link}"
    if node.mtime is not None:
        text += f" @{node.mtime}"
    return text


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    done = subprocess.run([DOCKER, *args], capture_output=True, text=True, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed:\n{done.stderr}")
    return done


class DockerBuild(NamedTuple):
    """A docker build's image, or its error output when it failed."""

    image: str | None
    error: str


def docker_build(case: Case, work: Path) -> DockerBuild:
    """`docker build` of a case; the image ID. The image is tagged (`dfc-difftest-<case>`,
    removed again by the caller) so that an image prune elsewhere cannot take it away."""
    iid = work / "iid"
    args = ["build", "-q", "--iidfile", str(iid), "-t", f"dfc-difftest-{work.name}"]
    if case.target:
        args += ["--target", case.target]
    for key, value in case.build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    for _ in range(3):
        done = docker(*args, str(case.context), check=False)
        if done.returncode == 0 or not any(flake in done.stderr for flake in DOCKERD_FLAKES):
            break
    if done.returncode != 0:
        return DockerBuild(None, done.stderr)
    return DockerBuild(iid.read_text().strip(), "")


DOCKERD_FLAKES = ("stat /bin/sh: no such file or directory", "failed to create shim task")
"""dockerd 20.10 now and then starts a build step's container over a base whose files it
cannot find (while other builds and removals run beside it); that build is tried again
(a real failure repeats itself, and the last answer counts)."""


def docker_result(image: str, work: Path) -> Result:
    """The rootfs (through a container) and config blob of a docker image."""
    container = docker("create", image, "dfc-difftest").stdout.strip()
    try:
        docker("export", "-o", str(work / "export.tar"), container)
    finally:
        docker("rm", container)
    docker("save", "-o", str(work / "save.tar"), image)
    with tarfile.open(work / "save.tar") as tar:
        name = f"{image.removeprefix('sha256:')}.json"
        blob = json.load(tar.extractfile(name))  # type: ignore[arg-type]
    return Result(tree_from_export(work / "export.tar"), config_from_blob(blob))


def dfc_result(store: Store, case: Case, work: Path) -> Result:
    """dfc's build of a case: flattened rootfs and config blob."""
    result = build(BuildRequest(context=str(case.context), target=case.target,
                                build_args=dict(case.build_args)), store, _ignore)
    manifest = json.loads(store.root.joinpath(
        "blobs", "sha256", result.manifest.removeprefix("sha256:")).read_bytes())
    blob = json.loads(store.root.joinpath(
        "blobs", "sha256", result.image_id.removeprefix("sha256:")).read_bytes())
    layers = [Descriptor(media_type=d["mediaType"], digest=d["digest"], size=d["size"])
              for d in manifest["layers"]]
    rootfs = work / "rootfs"
    flatten(store, layers, rootfs)
    return Result(tree_from_dir(rootfs), config_from_blob(blob))


def _ignore(event: events.AnyEvent) -> None:
    """Progress events are not part of what is compared."""


def prepare_context(source: Path, dest: Path, setup: Callable[[Path], None] | None) -> Path:
    """A copy of a fixture context with every mtime set to CONTEXT_EPOCH (after the case's
    own `setup`, which makes what git cannot hold: hardlinks, setuid bits, archives), and
    the base image called by its ALIAS."""
    shutil.copytree(source, dest, symlinks=True)
    dockerfile = dest / "Dockerfile"
    dockerfile.write_text(_BASE_WORDS.sub(rf"\1{ALIAS}", dockerfile.read_text()))
    if setup is not None:
        setup(dest)
    for folder, dirs, files in os.walk(dest):
        for name in dirs + files:
            os.utime(os.path.join(folder, name), (CONTEXT_EPOCH, CONTEXT_EPOCH),
                     follow_symlinks=False)
    os.utime(dest, (CONTEXT_EPOCH, CONTEXT_EPOCH))
    return dest


def _layer_blob(store: Store) -> tuple[Path, str]:
    """The busybox image's only layer in the store (gzip blob) and its diff_id."""
    record = store.resolve(BASE)
    manifest = json.loads(store.root.joinpath(
        "blobs", "sha256", record.manifest.digest.removeprefix("sha256:")).read_bytes())
    config = json.loads(store.root.joinpath(
        "blobs", "sha256", manifest["config"]["digest"].removeprefix("sha256:")).read_bytes())
    (layer,) = manifest["layers"]
    (diff_id,) = config["rootfs"]["diff_ids"]
    return store.root / "blobs" / "sha256" / layer["digest"].removeprefix("sha256:"), diff_id


def _docker_has(diff_id: str) -> bool:
    done = docker("image", "inspect", ALIAS, "--format", "{{json .RootFS.Layers}}", check=False)
    return done.returncode == 0 and json.loads(done.stdout) == [diff_id]


@pytest.fixture(scope="session")
def docker_base(busybox_image: Any) -> str:
    """dfc's busybox layer imported into docker as ALIAS (reused when docker already has
    exactly that layer under that name): both builds start from identical files."""
    if not Path(DOCKER).exists() or docker("info", check=False).returncode != 0:
        # scripts/test.sh (and so CI) starts dockerd: a missing daemon is a failure.
        pytest.fail(f"dockerd is not reachable through {DOCKER}")
    blob, diff_id = _layer_blob(busybox_image.store)
    if not _docker_has(diff_id):
        docker("import", str(blob), ALIAS)
    assert _docker_has(diff_id), f"docker's {ALIAS} is not dfc's busybox layer"
    return diff_id


class Builds:
    """Docker builds started ahead, in parallel (dockerd serialises what it must); each
    test collects its own. Images are removed when the module is done."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pool = ThreadPoolExecutor(max_workers=4)
        self.started: dict[str, Future[DockerBuild]] = {}
        self.cases: dict[str, Case] = {}

    def start(self, name: str, case: Case) -> None:
        work = self.work / name
        work.mkdir()
        self.cases[name] = case
        self.started[name] = self.pool.submit(docker_build, case, work)

    def result(self, name: str) -> DockerBuild:
        return self.started[name].result()

    def close(self) -> None:
        self.pool.shutdown()
        for name, future in self.started.items():
            if future.result().image is not None:
                docker("rmi", f"dfc-difftest-{name}", check=False)


@pytest.fixture(scope="module")
def docker_builds(request: pytest.FixtureRequest, docker_base: str,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builds]:
    """Prepare every case of the requesting module's `CASES` (fixture folder name -> spec
    with `setup`, `target`, `build_args`) and start all their docker builds at once."""
    root = tmp_path_factory.mktemp("diff")
    builds = Builds(root / "docker")
    (root / "docker").mkdir()
    for name, spec in request.module.CASES.items():
        context = prepare_context(FIXTURES / name, root / "contexts" / name, spec.setup)
        builds.start(name, Case(context, spec.target, spec.build_args))
    yield builds
    builds.close()


@pytest.fixture
def compare(docker_builds: Builds, fresh_store: Store,
            tmp_path: Path) -> Callable[[str, bool], list[str]]:
    """`compare(name, fails)`: build case `name` with dfc and collect docker's build; the
    differences between the two, as readable lines (none: dfc built what docker built).
    With `fails`, both builds must fail (and nothing else is compared)."""

    fresh_store.tag(ALIAS, fresh_store.resolve(BASE).manifest)

    def run(name: str, fails: bool = False) -> list[str]:
        built = docker_builds.result(name)
        try:
            ours: Result | str = dfc_result(fresh_store, docker_builds.cases[name], tmp_path)
        except DfcError as exc:
            ours = exc.message
        if fails:
            lines = [] if built.image is None else ["docker build succeeded"]
            return lines + ([] if isinstance(ours, str) else ["dfc build succeeded"])
        if built.image is None:
            return [f"docker build failed:\n{built.error}"]
        if isinstance(ours, str):
            return [f"dfc build failed: {ours}"]
        work = docker_builds.work / name
        theirs = docker_result(built.image, work)
        return diff_trees(theirs.tree, ours.tree) + diff_configs(theirs.config, ours.config)

    return run
