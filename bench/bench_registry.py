"""Registry push and pull, dfc side by side with `skopeo copy`, against local registries.

Run (root; docker-registry and skopeo installed):

    .venv/bin/python bench/bench_registry.py [--rounds 5] [--only small,128mb,300mb]

or `.venv/bin/pytest bench/bench_registry.py -s` for the default run.

Images (random bytes, which gzip cannot shrink): "small" one ~5 MB layer, "128mb" one
128 MiB layer, "300mb" four 75 MiB layers. Scenarios, in this order in every round:
push-cold (a registry of its own, started fresh: no blob there), push-present (the same
push again: the registry holds every blob and the manifest), pull-cold (into an empty
store, which is also a valid OCI layout, created before the clock starts: what is timed is
the image's transfer, not the creation of a store, as `docker pull` finds its store),
pull-present (the same pull into the store/layout that already holds every blob). Peers,
each command a fresh process:

- skopeo: `skopeo copy oci:STORE:NAME docker://REG/...` (dfc's store is an OCI layout)
  and back into an `oci:` layout;
- dfc-installed: `dfc push` / `dfc pull` as the README installs dfc (no DFC_NO_DAEMON):
  an earlier command of the run started the daemon on first use and every measured
  command is forked from it. Its socket is put under this run's scratch folder
  (DFC_DAEMON_SOCKET) only so that the daemon is this run's own, and it is stopped at
  the end;
- dfc: the same commands with DFC_NO_DAEMON=1 (a cold interpreter each), for reference.

The tools' order rotates between rounds so machine load hits them alike. The table gives
each tool's median and min seconds and the ratio of medians (and of mins) to skopeo.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dfc.cache.store import Store
from dfc.platform import host_platform
from dfc.runtime.fs.layer import Entry, write_layer
from dfc.runtime.images.config import ImageConfig, RootFS, write_image

ROOT = Path(__file__).resolve().parent.parent
DFC = str(Path(sys.executable).parent / "dfc")
_spec = importlib.util.spec_from_file_location("registry_fixtures",
                                               ROOT / "tests" / "registry" / "conftest.py")
assert _spec is not None and _spec.loader is not None
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

IMAGES = {"small": (1, 5 << 20), "128mb": (1, 128 << 20), "300mb": (4, 75 << 20)}
"""name -> (layers, bytes per layer)"""
SCENARIOS = ("push-cold", "push-present", "pull-cold", "pull-present")
TOOLS = ("skopeo", "dfc-installed", "dfc")


def make_image(store: Store, name: str, layers: int, layer_size: int) -> int:
    """`layers` layers of random bytes, tagged `name`; returns the compressed size."""
    written = []
    for i in range(layers):
        data = os.urandom(layer_size)
        layer = write_layer(store, [Entry(path=f"data/{i}", kind="file", data=data,
                                          size=len(data))])
        assert layer is not None
        written.append(layer)
    host = host_platform()
    config = ImageConfig(architecture=host.architecture, os=host.os,
                         rootfs=RootFS(diff_ids=tuple(x.diff_id for x in written)))
    stored = write_image(store, config, [x.descriptor for x in written])
    store.tag(name, stored.manifest)
    return sum(x.descriptor.size for x in written)


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, env={**os.environ, **env})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed: {done.stderr.decode()}")
    return seconds


class Peer:
    """How one tool pushes the source image and pulls it back."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env

    def push(self, store: Store, local: str, target: str) -> float:
        if self.name == "skopeo":
            return timed(["skopeo", "copy", "-q", "--dest-tls-verify=false",
                          f"oci:{store.root}:{local}", f"docker://{target}"], self.env)
        return timed([DFC, "push", "-q", "--root", str(store.root), target], self.env)

    def pull(self, target: str, into: Path) -> float:
        if self.name == "skopeo":
            return timed(["skopeo", "copy", "-q", "--src-tls-verify=false",
                          f"docker://{target}", f"oci:{into}:pulled"], self.env)
        return timed([DFC, "pull", "-q", "--root", str(into), target], self.env)


def measure(peer: Peer, store: Store, local: str, scratch: Path,
            times: dict[tuple[str, str], list[float]]) -> None:
    """The four scenarios for one tool, against a registry of its own."""
    work = scratch / f"reg-{peer.name}"
    work.mkdir(parents=True)
    reg = fixtures.Registry(work)
    pulled = scratch / f"pulled-{peer.name}"
    try:
        target = f"{reg.host}/bench/{peer.name}:1"
        if peer.name != "skopeo":
            store.tag(target, store.resolve(local).manifest)
        times[(peer.name, "push-cold")].append(peer.push(store, local, target))
        times[(peer.name, "push-present")].append(peer.push(store, local, target))
        Store(pulled)  # an empty store: an OCI layout skopeo writes into as well
        times[(peer.name, "pull-cold")].append(peer.pull(target, pulled))
        times[(peer.name, "pull-present")].append(peer.pull(target, pulled))
    finally:
        reg.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(pulled, ignore_errors=True)
        if peer.name != "skopeo":
            store.untag(target)


def wait_for_daemon(env: dict[str, str]) -> None:
    """The first command started the daemon in the background: wait until it listens."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = subprocess.run([DFC, "daemon", "status"], capture_output=True,
                                env={**os.environ, **env})
        if status.returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError("the daemon the first dfc command started never listened")


def run(rounds: int, images: list[str], tools: tuple[str, ...] = TOOLS,
        log: Callable[[str], None] = print) -> str:
    """Measure and return the table (markdown)."""
    # dfc runs from bytecode as an installed tool does.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    for folder in ("src/dfc", "grammar", "compiler", "cache", "runtime"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    scratch = Path(tempfile.mkdtemp(prefix="dfc-bench-registry-"))
    socket_env = {"DFC_DAEMON_SOCKET": str(scratch / "daemon" / "dfc.sock")}
    peers = {"skopeo": Peer("skopeo", {}),
             "dfc-installed": Peer("dfc-installed", {**socket_env, "DFC_NO_DAEMON": ""}),
             "dfc": Peer("dfc", {"DFC_NO_DAEMON": "1"})}
    store = Store(scratch / "source")
    sizes = {}
    results: dict[str, dict[tuple[str, str], list[float]]] = {}
    try:
        for name in images:
            layers, size = IMAGES[name]
            sizes[name] = make_image(store, f"bench/{name}:1", layers, size)
        if "dfc-installed" in tools:
            # As a user's first command: it runs here and starts the daemon afterwards.
            subprocess.run([DFC, "images", "--root", str(store.root)], check=True,
                           capture_output=True, env={**os.environ, **peers["dfc-installed"].env})
            wait_for_daemon(peers["dfc-installed"].env)
        for name in images:
            times: dict[tuple[str, str], list[float]] = {
                (t, s): [] for t in tools for s in SCENARIOS}
            for n in range(rounds):
                order = tools[n % len(tools):] + tools[:n % len(tools)]
                for tool in order:
                    measure(peers[tool], store, f"docker.io/bench/{name}:1",
                            scratch / f"{name}-{n}", times)
                log(f"{name} round {n + 1}/{rounds} done (load {os.getloadavg()[0]:.1f})")
            results[name] = times
            log(f"{name} raw: " + "; ".join(
                f"{t} {s}: " + " ".join(f"{x:.3f}" for x in v) for (t, s), v in times.items()))
    finally:
        if "dfc-installed" in tools:
            subprocess.run([DFC, "daemon", "stop"], capture_output=True,
                           env={**os.environ, **peers["dfc-installed"].env})
        shutil.rmtree(scratch, ignore_errors=True)
    return table(results, sizes, tools, rounds)


def table(results: dict[str, dict[tuple[str, str], list[float]]], sizes: dict[str, int],
          tools: tuple[str, ...], rounds: int) -> str:
    others = [t for t in tools if t != "skopeo"]
    head = ["image", "scenario", *(f"{t} median (min) s" for t in tools),
            *(f"{t}/skopeo median (min)" for t in others)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, times in results.items():
        for scenario in SCENARIOS:
            med = {t: statistics.median(times[(t, scenario)]) for t in tools}
            low = {t: min(times[(t, scenario)]) for t in tools}
            cells = [f"{name} ({sizes[name] / 1e6:.0f} MB)", scenario,
                     *(f"{med[t]:.3f} ({low[t]:.3f})" for t in tools)]
            if "skopeo" in tools:
                for t in others:
                    ratio = med[t] / med["skopeo"]
                    text = f"{ratio:.2f} ({low[t] / low['skopeo']:.2f})"
                    cells.append(f"**{text}**" if ratio <= 1 else text)
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n{rounds} rounds; medians, mins in brackets."


def bench_registry_pull_push_vs_skopeo() -> None:
    print("\n" + run(3, list(IMAGES)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default=",".join(IMAGES))
    parser.add_argument("--tools", default=",".join(TOOLS))
    args = parser.parse_args()
    tools = tuple(t for t in TOOLS if t in args.tools.split(","))
    print(f"load average at start: {os.getloadavg()}", flush=True)
    print(run(args.rounds, args.only.split(","), tools,
              lambda s: print(s, file=sys.stderr, flush=True)))
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
