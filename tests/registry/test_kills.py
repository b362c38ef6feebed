"""Pulls and pushes under SIGKILL and in a crowd.

Kills: SIGKILLs at seeded random moments into pulls (into one store) and pushes (from
another) of a multi-layer image. After each one both stores pass `dfc system check`
(nothing half-written is visible under a name), a tag the registry holds always pulls
whole, and the killed command, run again, succeeds. A killed pull's partial blobs are
named by nothing; `builder prune` reclaims them.

Crowd: builds, pulls of images sharing their base with the builds, `rmi` and `builder
prune` at once in one store: every build and pull succeeds, the index stays consistent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from dfc.cache.store import Store

from ..conftest import debris, killed  # noqa: TID252 - tests/ is no package (importlib mode)
from ..conftest import root_env as _env  # noqa: TID252
from ..conftest import run_in as _dfc  # noqa: TID252
from ..conftest import run_ok_in as _ok  # noqa: TID252

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("DFC_TEST_PULL_KILLS", "40"))
SEED = 17


def _names(dfc_cmd: list[str], root: Path) -> set[str]:
    return set(_ok(dfc_cmd, root, "images", "--format", "{{.Repository}}:{{.Tag}}").split())


def _registry_tags(host: str, repo: str) -> list[str]:
    done = subprocess.run(["skopeo", "list-tags", "--tls-verify=false", f"docker://{host}/{repo}"],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:  # the repository does not exist yet
        return []
    import json

    return list(json.loads(done.stdout)["Tags"] or [])


def test_sigkills_during_pulls_and_pushes_leave_sound_stores(
        own_registry, image_store: Store, empty_store: Store, make_image, dfc_cmd: list[str],
        docker_config, tmp_path: Path) -> None:
    host = own_registry.host
    pusher, puller = image_store.root, empty_store.root
    # Four layers of 2 MiB over busybox: transfers long enough for kills to land inside.
    make_image(image_store, "busybox", "big:1",
               {f"big/{k}": os.urandom(2 << 20) for k in range(4)})
    source = f"{host}/kill/app:source"
    _ok(dfc_cmd, pusher, "tag", "big:1", source)
    _ok(dfc_cmd, pusher, "push", source)
    checker = Store(tmp_path / "checker")

    rng = random.Random(SEED)
    took = {"push": 1.0, "pull": 1.0}
    landed = 0
    for i in range(KILLS):
        op = rng.choice(["push", "pull"])
        if op == "push":  # a new repository each time: every blob must go up again
            name = f"{host}/kill/p{i}:1"
            _ok(dfc_cmd, pusher, "tag", "big:1", name)
            args, root = ["push", name], pusher
        else:
            if rng.random() < 0.5 and source in _names(dfc_cmd, puller):
                _ok(dfc_cmd, puller, "rmi", source)
                if rng.random() < 0.5:  # and its blobs: the next pull fetches them again
                    _ok(dfc_cmd, puller, "builder", "prune", "-a", "-f")
            args, root = ["pull", source], puller
        status = killed(dfc_cmd, _env(root), args, rng.uniform(0.0, took[op]))
        landed += status == -signal.SIGKILL
        assert status in (0, -signal.SIGKILL), (i, args, status)
        for store_root in (pusher, puller):
            checked = _dfc(dfc_cmd, store_root, "system", "check")
            assert checked.returncode == 0, (i, args, checked.stdout, checked.stderr)
        if op == "push":  # a tag the registry shows is whole: it pulls
            if "1" in _registry_tags(host, f"kill/p{i}"):
                _ok(dfc_cmd, checker.root, "pull", f"{host}/kill/p{i}:1")
                _ok(dfc_cmd, checker.root, "rmi", f"{host}/kill/p{i}:1")
        start = time.monotonic()
        _ok(dfc_cmd, root, *args)
        took[op] = time.monotonic() - start
        if op == "pull":
            assert source in _names(dfc_cmd, puller)
    _ok(dfc_cmd, puller, "builder", "prune", "-a", "-f")
    assert debris(puller) == set()
    for store_root in (pusher, puller):
        assert _ok(dfc_cmd, store_root, "system", "check").startswith("ok: ")
    assert landed >= KILLS // 3, f"only {landed} kills landed before the command ended"
    print(f"{landed} of {KILLS} kills landed mid-transfer")


ACCEPTED = ("error: No such image: ",)


def test_pulls_in_a_crowd_of_builds_rmi_and_prune(
        own_registry, image_store: Store, make_image, dfc_cmd: list[str], docker_config,
        tmp_path: Path) -> None:
    host = own_registry.host
    root = image_store.root
    pulled = []
    for k in range(4):  # images that share busybox's layers with the builds below
        make_image(image_store, "busybox", f"share:{k}", {f"s/{k}": os.urandom(1 << 20)})
        name = f"{host}/crowd/share:{k}"
        _ok(dfc_cmd, root, "tag", f"share:{k}", name)
        _ok(dfc_cmd, root, "push", name)
        _ok(dfc_cmd, root, "rmi", name, f"share:{k}")
        pulled.append(name)
    _ok(dfc_cmd, root, "builder", "prune", "-a", "-f")  # the pulls must fetch their layers
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        "FROM busybox\nARG N=0\nRUN echo $N > /n && head -c 500000 /dev/urandom > /own\n")
    for k in range(4):
        _ok(dfc_cmd, root, "tag", "busybox", f"victim:{k}")
    done = threading.Event()
    results: list[tuple[list[str], subprocess.CompletedProcess[str]]] = []

    def record(args: list[str]) -> None:
        results.append((args, _dfc(dfc_cmd, root, *args)))

    def loop(commands: list[list[str]]) -> None:
        for args in commands:
            record(args)
            if done.is_set():
                return

    workers = [threading.Thread(target=record, args=(
        ["build", "-q", "--build-arg", f"N={k}", "-t", f"crowd:{k}", str(ctx)],))
        for k in range(4)]
    workers += [threading.Thread(target=record, args=(["pull", name],)) for name in pulled]
    workers += [threading.Thread(target=record, args=(["pull", pulled[0]],))]  # the same twice
    others = [threading.Thread(target=loop, args=([["rmi", f"victim:{k}"] for k in range(4)],)),
              threading.Thread(target=loop, args=([["builder", "prune", "-a", "-f"]] * 6,))]
    for t in [*workers, *others]:
        t.start()
    for t in workers:
        t.join(600)
    done.set()
    for t in others:
        t.join(600)
    failures = [(args, p.stderr) for args, p in results if p.returncode != 0
                and not p.stderr.strip().splitlines()[-1].startswith(ACCEPTED)]
    assert failures == []
    assert all(p.returncode == 0 for args, p in results if args[0] in ("build", "pull")), \
        [(args, p.stderr) for args, p in results if args[0] in ("build", "pull")]
    assert _ok(dfc_cmd, root, "system", "check").startswith("ok: ")
    names = _names(dfc_cmd, root)
    assert {f"crowd:{k}" for k in range(4)} | set(pulled) <= names
    for name in names:
        _ok(dfc_cmd, root, "inspect", name)
