"""Pull and push of a ~200 MB, four-layer image (incompressible data) against a local
registry, dfc against `skopeo copy` of the same image in the same run.

Run: `.venv/bin/pytest bench/bench_registry.py -s` (root, docker-registry and skopeo
installed). Each measurement gets a fresh registry (or a fresh store) so neither tool
finds blobs already there; rounds alternate between the tools so machine load hits both
alike; the median of each is reported with the ratio dfc / skopeo (the bar: <= 1).
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
from dfc.runtime.image import ImageConfig, RootFS, host_platform, write_image
from dfc.runtime.layer import Entry, write_layer

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


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def bench_registry_pull_push_vs_skopeo(tmp_path: Path) -> None:
    dfc = str(Path(sys.executable).parent / "dfc")
    store = Store(tmp_path / "store")
    size = make_image(store, "bench/img:1")
    ref = "docker.io/bench/img:1"
    times: dict[str, list[float]] = {k: [] for k in ("dfc push", "skopeo push",
                                                     "dfc pull", "skopeo pull")}
    for n in range(ROUNDS):
        for tool in ("dfc", "skopeo"):
            work = tmp_path / f"reg-{tool}-{n}"
            work.mkdir()
            reg = fixtures.Registry(work)
            try:
                target = f"{reg.host}/bench/{tool}:1"
                if tool == "dfc":
                    store.tag(target, store.resolve(ref).manifest)
                    times["dfc push"].append(timed([dfc, "push", "-q", "--root",
                                                    str(store.root), target]))
                    pulled = tmp_path / f"pulled-{n}"
                    times["dfc pull"].append(timed([dfc, "pull", "-q", "--root",
                                                    str(pulled), target]))
                else:
                    times["skopeo push"].append(timed([
                        "skopeo", "copy", "-q", "--dest-tls-verify=false",
                        f"oci:{store.root}:{ref}", f"docker://{target}"]))
                    pulled = tmp_path / f"skopeo-{n}"
                    times["skopeo pull"].append(timed([
                        "skopeo", "copy", "-q", "--src-tls-verify=false",
                        f"docker://{target}", f"oci:{pulled}:1"]))
                shutil.rmtree(pulled)
            finally:
                reg.stop()
                shutil.rmtree(work)
    med = {k: statistics.median(v) for k, v in times.items()}
    mb = size / 1e6
    print(f"\nimage: {LAYERS} layers, {mb:.0f} MB compressed; median of {ROUNDS} rounds")
    for op in ("push", "pull"):
        d, s = med[f"dfc {op}"], med[f"skopeo {op}"]
        print(f"{op}: dfc {d:.2f} s ({mb / d:.0f} MB/s), skopeo {s:.2f} s "
              f"({mb / s:.0f} MB/s), dfc/skopeo = {d / s:.2f}")
    print(msgspec.json.encode(times).decode())
