"""Pull and push of a ~200 MB, four-layer image (incompressible data) against a local
registry, dfc against `skopeo copy` of the same image in the same run.

Run: `.venv/bin/pytest bench/bench_registry.py -s` (root, docker-registry and skopeo
installed). Each measurement gets a fresh registry (or a fresh store) so neither tool
finds blobs already there; rounds alternate between the tools so machine load hits both
alike; the median of each is reported with the ratio dfc / skopeo (the bar: <= 1). dfc
runs twice: as a fresh process, and forked from a warm `dfc daemon` ("dfc-daemon").
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import msgspec

from dfc.cache.store import Store
from dfc.platform import host_platform
from dfc.runtime.fs.layer import Entry, write_layer
from dfc.runtime.images.config import ImageConfig, RootFS, write_image

ROOT = Path(__file__).resolve().parent.parent
LAYERS, LAYER_MB, ROUNDS = 4, 50, 3
_spec = importlib.util.spec_from_file_location("registry_fixtures",
                                               ROOT / "tests" / "registry" / "conftest.py")
assert _spec is not None and _spec.loader is not None
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)


def make_image(store: Store, name: str) -> int:
    """LAYERS layers of random bytes (gzip cannot shrink them); returns the total size."""
    layers = []
    for i in range(LAYERS):
        data = os.urandom(LAYER_MB << 20)
        layer = write_layer(store, [Entry(path=f"data/{i}", kind="file", data=data,
                                          size=len(data))])
        assert layer is not None
        layers.append(layer)
    host = host_platform()
    config = ImageConfig(architecture=host.architecture, os=host.os,
                         rootfs=RootFS(diff_ids=tuple(x.diff_id for x in layers)))
    stored = write_image(store, config, [x.descriptor for x in layers])
    store.tag(name, stored.manifest)
    return sum(x.descriptor.size for x in layers)


def timed(args: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env={**os.environ, **(env or {})})
    return time.perf_counter() - start


TOOLS = ("dfc", "dfc-daemon", "skopeo")


def bench_registry_pull_push_vs_skopeo(tmp_path: Path) -> None:
    dfc = str(Path(sys.executable).parent / "dfc")
    store = Store(tmp_path / "store")
    size = make_image(store, "bench/img:1")
    ref = "docker.io/bench/img:1"
    socket = str(tmp_path / "daemon.sock")
    envs = {"dfc": {"DFC_NO_DAEMON": "1"},
            "dfc-daemon": {"DFC_NO_DAEMON": "", "DFC_DAEMON_SOCKET": socket}}
    subprocess.run([dfc, "daemon", "start"], check=True, env={**os.environ, **envs["dfc-daemon"]})
    times: dict[str, list[float]] = {f"{t} {op}": [] for op in ("push", "pull") for t in TOOLS}
    try:
        for n in range(ROUNDS):
            for tool in TOOLS:
                measure_round(dfc, store, ref, tool, envs.get(tool), tmp_path / f"{n}", times)
    finally:
        subprocess.run([dfc, "daemon", "stop"], env={**os.environ, **envs["dfc-daemon"]})
    med = {k: statistics.median(v) for k, v in times.items()}
    mb = size / 1e6
    print(f"\nimage: {LAYERS} layers, {mb:.0f} MB compressed; median of {ROUNDS} rounds")
    for op in ("push", "pull"):
        s = med[f"skopeo {op}"]
        for tool in TOOLS[:2]:
            d = med[f"{tool} {op}"]
            print(f"{op}: {tool} {d:.2f} s ({mb / d:.0f} MB/s), skopeo {s:.2f} s "
                  f"({mb / s:.0f} MB/s), {tool}/skopeo = {d / s:.2f}")
    print(msgspec.json.encode(times).decode())


def measure_round(dfc: str, store: Store, ref: str, tool: str, env: dict[str, str] | None,
                  scratch: Path, times: dict[str, list[float]]) -> None:
    """One push and one pull by `tool`, against a registry of their own."""
    work = scratch / f"reg-{tool}"
    work.mkdir(parents=True)
    reg = fixtures.Registry(work)
    try:
        target = f"{reg.host}/bench/{tool}:1"
        if env is not None:
            store.tag(target, store.resolve(ref).manifest)
            times[f"{tool} push"].append(timed([dfc, "push", "-q", "--root",
                                                str(store.root), target], env))
            pulled = scratch / f"pulled-{tool}"
            times[f"{tool} pull"].append(timed([dfc, "pull", "-q", "--root",
                                                str(pulled), target], env))
        else:
            times["skopeo push"].append(timed([
                "skopeo", "copy", "-q", "--dest-tls-verify=false",
                f"oci:{store.root}:{ref}", f"docker://{target}"]))
            pulled = scratch / "skopeo"
            times["skopeo pull"].append(timed([
                "skopeo", "copy", "-q", "--src-tls-verify=false",
                f"docker://{target}", f"oci:{pulled}:1"]))
        shutil.rmtree(pulled)
    finally:
        reg.stop()
        shutil.rmtree(work)
