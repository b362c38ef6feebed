"""Whole-process wall-clock timings of the cache scenarios: dfc against docker's BuildKit
and classic builder, in the same run, on the same contexts, from the same base rootfs.

Run (root, dockerd running):

    .venv/bin/python bench/cache_timings.py [--reps 3] [--noop-repeats 3] [--only app]

Each repetition generates the contexts (bench/gen_contexts.py) under a new folder and
imports the busybox rootfs anew, into a fresh dfc store and into docker (a new image ID,
so docker's caches cannot answer the cold build either). Then, per context, it runs the
scenarios in order (cold, no-op, last-file edit, early-file edit, [source edit,] build-arg
change); after each edit every builder builds the same context, in an order that rotates.
It prints a markdown table of medians, ratios, and executed steps against the minimal set.
Docker images it creates are removed at the end.
"""

from __future__ import annotations

import argparse
import compileall
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bases
import gen_contexts as gen

REPO = Path(__file__).resolve().parent.parent
DOCKER = "/usr/bin/docker"
DFC = str(Path(sys.executable).parent / "dfc")
BUSYBOX = Path("/bin/busybox")
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"

LABEL = re.compile(r"^#(\d+) \[(?:(\S+) )? ?(\d+)/\d+\] (\S+)")
STATUS = re.compile(r"^#(\d+) (CACHED|DONE|ERROR)")
CLASSIC_STEP = re.compile(r"^Step \d+/\d+ : (\S+)")
LAYER_STEPS = ("RUN", "COPY", "ADD", "WORKDIR")


def make_rootfs(work: Path) -> Path:
    """The busybox rootfs of tests/conftest.py (make_busybox_rootfs)."""
    root = work / "rootfs"
    for d in ("bin", "etc", "root", "tmp"):
        (root / d).mkdir(parents=True)
    os.chmod(root / "tmp", 0o1777)
    os.chmod(root / "root", 0o700)
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    os.chmod(root / "bin" / "busybox", 0o755)
    applets = subprocess.run([str(BUSYBOX), "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            os.symlink("busybox", root / "bin" / applet)
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)
    return root


def salted_tar(root: Path, salt: str) -> Path:
    """The rootfs as a tar with `/etc/dfcbench-salt`: BuildKit keys a base image by its
    layers' chain ID, so only new layer content keeps earlier builds from answering a cold
    build; dfc and docker import this same tar."""
    (root / "etc" / "dfcbench-salt").write_text(salt + "\n")
    tar_path = root.parent / "rootfs.tar"
    with tarfile.open(tar_path, "w") as tar:
        tar.add(root, arcname=".")
    return tar_path


@dataclass
class Outcome:
    """One build: whole-process seconds, and which layer steps executed (labels
    `stage position`; the classic builder has no such labels, so only a count)."""

    seconds: float
    executed: frozenset[str] | None
    count: int


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a build command; its wall time and combined output (an error if it fails)."""
    started = time.perf_counter()
    done = subprocess.run(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}")
    return seconds, done.stdout


def plain_executed(output: str, stage: str) -> frozenset[str]:
    """Executed layer steps in BuildKit-style plain progress (dfc prints the same shape):
    `#N [stage i/n] STEP` then `#N DONE` (executed) or `#N CACHED`; FROM is not a step.
    BuildKit leaves the stage name out of a one-stage build (`[ 2/8]`): that is `stage`."""
    labels: dict[str, str] = {}
    states: dict[str, set[str]] = {}
    for line in output.splitlines():
        if (match := LABEL.match(line)) and match.group(4) in LAYER_STEPS:
            labels[match.group(1)] = f"{match.group(2) or stage} {match.group(3)}"
        elif match := STATUS.match(line):
            states.setdefault(match.group(1), set()).add(match.group(2))
    return frozenset(label for n, label in labels.items()
                     if "DONE" in states.get(n, set()) and "CACHED" not in states[n])


def classic_executed(output: str) -> int:
    """Executed layer steps of the classic builder: `Step i/n : STEP` not followed by
    ` ---> Using cache`."""
    count, pending = 0, False
    for line in output.splitlines():
        if match := CLASSIC_STEP.match(line):
            count += pending
            pending = match.group(1) in LAYER_STEPS
        elif "Using cache" in line:
            pending = False
    return count + pending


def build_arg_flags(args: dict[str, str]) -> list[str]:
    return [flag for k, v in args.items() for flag in ("--build-arg", f"{k}={v}")]


def first_stage(context: Path) -> str:
    return gen.CONTEXTS[context.name].steps()[0].split()[0]


class Dfc:
    """`dfc build` as a whole process, into its own store: `mode` "in-process" (no daemon,
    DFC_NO_DAEMON=1), "daemon" (forked from the warm process `dfc daemon start` leaves
    running, as docker's CLI hands its builds to dockerd) or "installed" (as the README
    installs it: nothing started by hand, the first command starts the daemon)."""

    NAMES = {"in-process": "dfc", "daemon": "dfc-daemon", "installed": "dfc-installed"}

    def __init__(self, work: Path, mode: str = "in-process"):
        self.name = self.NAMES[mode]
        self.store = work / f"{self.name}-store"
        self.daemon = mode == "daemon"
        self.mode = mode
        self.env = {"DFC_DAEMON_SOCKET": str(work / "daemon" / f"{self.name}.sock"),
                    "DFC_NO_DAEMON": "1" if mode == "in-process" else ""}

    def prepare(self, rootfs: Path, label: str, spec: gen.Context) -> None:
        """A fresh store holding only the base (and the ONBUILD parent): the next build is
        cold."""
        shutil.rmtree(self.store, ignore_errors=True)
        run([DFC, "import", "--root", str(self.store), "-c", f"LABEL {label}", str(rootfs),
             spec.base], env=self.env)
        if self.daemon and subprocess.run([DFC, "daemon", "status"], env={
                **os.environ, **self.env}, capture_output=True).returncode != 0:
            run([DFC, "daemon", "start"], env=self.env)
        if spec.parent:
            run([DFC, "build", "--root", str(self.store), "-q", "-t", gen.ONBUILD_PARENT,
                 str(parent_context(rootfs.parent, spec))], env=self.env)

    def prune(self) -> None:
        """`builder prune -a`: the build cache goes, images (and their bases) stay."""
        run([DFC, "builder", "prune", "--root", str(self.store), "-a", "-f"], env=self.env)

    def build(self, context: Path, args: dict[str, str]) -> Outcome:
        seconds, output = run([DFC, "build", "--root", str(self.store), "-t",
                               f"dfcbench-{context.name}", "--progress", "plain",
                               *build_arg_flags(args), str(context)], env=self.env)
        executed = plain_executed(output, first_stage(context))
        return Outcome(seconds, executed, len(executed))

    def cleanup(self, label: str) -> None:
        if self.mode != "in-process":
            subprocess.run([DFC, "daemon", "stop"], env={**os.environ, **self.env},
                           capture_output=True)
        shutil.rmtree(self.store, ignore_errors=True)


@dataclass
class Docker:
    """`docker build` with BuildKit (`DOCKER_BUILDKIT=1`) or the classic builder (`=0`)."""

    buildkit: bool

    @property
    def name(self) -> str:
        return "buildkit" if self.buildkit else "classic"

    def prepare(self, rootfs: Path, label: str, spec: gen.Context) -> None:
        """Import the (newly salted) rootfs: no cache entry can match the next build. The
        label, inherited by every image built on it, finds them all at cleanup."""
        run([DOCKER, "import", "-c", f"LABEL {label}", str(rootfs), spec.base])
        if spec.parent:
            run([DOCKER, "build", "-q", "-t", gen.ONBUILD_PARENT,
                 str(parent_context(rootfs.parent, spec))], env=self.env())

    def env(self) -> dict[str, str]:
        return {"DOCKER_BUILDKIT": "1" if self.buildkit else "0"}

    def prune(self) -> None:
        run([DOCKER, "builder", "prune", "-a", "-f"], env=self.env())

    def build(self, context: Path, args: dict[str, str]) -> Outcome:
        flags = ["--progress=plain"] if self.buildkit else []
        seconds, output = run([DOCKER, "build", *flags, "-t",
                               f"dfcbench-{context.name}-{self.name}",
                               *build_arg_flags(args), str(context)], env=self.env())
        if self.buildkit:
            executed = plain_executed(output, first_stage(context))
            return Outcome(seconds, executed, len(executed))
        return Outcome(seconds, None, classic_executed(output))

    def cleanup(self, label: str) -> None:
        """Remove every image carrying the run's label (so built on its bases), children
        before parents, including the classic builder's intermediate images."""
        for _ in range(10):
            ids = subprocess.run([DOCKER, "images", "-a", "-q", "--no-trunc", "--filter",
                                  f"label={label}"], capture_output=True,
                                 text=True).stdout.split()
            if not ids:
                return
            dated = subprocess.run([DOCKER, "inspect", "--format", "{{.Created}} {{.Id}}",
                                    *set(ids)], capture_output=True, text=True).stdout
            newest_first = [line.split()[1] for line in sorted(dated.splitlines(),
                                                                reverse=True)]
            subprocess.run([DOCKER, "rmi", "-f", *newest_first], capture_output=True)


Builder = Dfc | Docker


def parent_context(work: Path, spec: gen.Context) -> Path:
    """A folder holding only the ONBUILD parent's Dockerfile."""
    folder = work / "onbuild-parent"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(spec.parent)
    return folder


def run_label(work: Path) -> str:
    """`dfcbench.run=<this run's folder name>`: the label on every base of this run."""
    return f"dfcbench.run={work.name}"


def scenarios(spec: gen.Context) -> list[str]:
    return [s for s in gen.ORDER if s in spec.expected]


def run_repetition(rep: int, work: Path, roots: dict[str, Path], builders: list[Builder],
                   names: list[str], noop_repeats: int, scale: float,
                   results: dict[tuple[str, str, str], list[Outcome]]) -> None:
    """One pass over every context and scenario, for every builder."""
    contexts = gen.generate(work / f"rep{rep}", scale, tuple(names))
    rotation = itertools.cycle(range(len(builders)))
    for name in names:
        spec, context = gen.CONTEXTS[name], contexts[name]
        tar = salted_tar(roots[spec.base], f"{work.name} {rep} {name}")
        for builder in builders:
            builder.prepare(tar, run_label(work), spec)
        for scenario in scenarios(spec):
            if scenario in spec.edits:
                gen.edit(context, spec, scenario, f"{rep}")
            if scenario == "pruned":
                for builder in builders:
                    builder.prune()
            args = {spec.build_arg: f"rep{rep}"} if scenario == "arg" else {}
            start = next(rotation)
            order = builders[start:] + builders[:start]
            for _ in range(noop_repeats if scenario == "noop" else 1):
                for builder in order:
                    outcome = builder.build(context, args)
                    results.setdefault((name, scenario, builder.name), []).append(outcome)
                    print(f"rep {rep} {name:10} {scenario:6} {builder.name:8} "
                          f"{outcome.seconds:7.3f}s executed {outcome.count}", flush=True)
        shutil.rmtree(context)


def verdict(outcomes: list[Outcome], spec: gen.Context, scenario: str) -> str:
    """The executed count when every build executed the minimal set (unlabelled: as many
    steps), else the counts seen, marked ✗, with what was missing."""
    counts = sorted({o.count for o in outcomes})
    minimal = spec.minimal(scenario)
    labelled = [o.executed for o in outcomes if o.executed is not None]
    if not labelled:
        return "/".join(map(str, counts)) + ("" if counts == [minimal] else " ✗")
    wrong = [e for e in labelled if not spec.is_minimal(scenario, e)]
    if not wrong:
        return str(minimal)
    missing = sorted(spec.expected[scenario] - set().union(*wrong)
                     - frozenset().union(*spec.same))
    return ("/".join(map(str, counts)) + " ✗"
            + (f" missing {','.join(missing)}" if missing else ""))


def table(results: dict[tuple[str, str, str], list[Outcome]], names: list[str],
          builders: list[str]) -> str:
    """Medians (seconds), each dfc variant's ratio to each docker builder, executed steps."""
    head = ["context", "scenario", "minimal", *[f"{b} s" for b in builders]]
    ours = [b for b in builders if b.startswith("dfc")]
    peers = [b for b in builders if not b.startswith("dfc")]
    ratios = [(o, p) for o in ours for p in peers]
    head += [f"{o}/{p}" for o, p in ratios] + [f"{b} executed" for b in builders]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        spec = gen.CONTEXTS[name]
        for scenario in scenarios(spec):
            med = {b: statistics.median(o.seconds for o in results[(name, scenario, b)])
                   for b in builders}
            row = [name, scenario, str(spec.minimal(scenario)),
                   *[f"{med[b]:.3f}" for b in builders]]
            row += [f"**{med[o] / med[p]:.2f}**" for o, p in ratios]
            row += [verdict(results[(name, scenario, b)], spec, scenario) for b in builders]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--noop-repeats", type=int, default=3)
    parser.add_argument("--only", action="append", choices=list(gen.CONTEXTS))
    parser.add_argument("--builders", default="dfc-installed,dfc,buildkit,classic")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args()
    names = args.only or list(gen.CONTEXTS)
    # dfc runs as an installed tool does, from bytecode: with PYTHONDONTWRITEBYTECODE set
    # (as in some CI shells) every run would compile dfc's ~60 modules again (+0.2-0.9 s).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    for folder in ("src/dfc", "grammar", "compiler", "cache", "runtime"):
        compileall.compile_dir(REPO / folder, quiet=1)
    work = Path(tempfile.mkdtemp(prefix="dfcbench-"))
    roots = {gen.BASE: make_rootfs(work)}
    if any(gen.CONTEXTS[name].base == gen.DEBIAN_BASE for name in names):
        roots[gen.DEBIAN_BASE] = bases.unpacked(bases.debian_layer(), work / "debian" / "rootfs")
    available: dict[str, Builder] = {
        **{name: Dfc(work, mode) for mode, name in Dfc.NAMES.items()},
        "buildkit": Docker(True), "classic": Docker(False)}
    builders = [available[b] for b in args.builders.split(",")]
    results: dict[tuple[str, str, str], list[Outcome]] = {}
    try:
        for rep in range(args.reps):
            run_repetition(rep, work, roots, builders, names, args.noop_repeats,
                           args.scale, results)
    finally:
        for builder in builders:
            builder.cleanup(run_label(work))
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(results, names, [b.name for b in builders]))
    if args.json:
        args.json.write_text(json.dumps(
            [{"context": c, "scenario": s, "builder": b, "seconds": o.seconds,
              "executed": sorted(o.executed) if o.executed is not None else None,
              "count": o.count} for (c, s, b), outs in results.items() for o in outs],
            indent=1))


if __name__ == "__main__":
    main()
