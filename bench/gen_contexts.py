"""Deterministic build contexts for the cache benchmarks, and what each rebuild must execute.

Run: `python bench/gen_contexts.py OUT [--scale S]` writes one folder per context under OUT.
The same seed gives the same bytes, so nothing large is committed; `--scale` shrinks file
counts and sizes (the tests use small versions of the same contexts).

Every Dockerfile names its stages, so a step is labelled `STAGE POSITION` the same way in
dfc's and BuildKit's plain progress (`#7 [app 3/8] COPY ...`), and `expected` says which
labels a rebuild has to execute: the minimal set, the one an exact cache executes. Only
features docker 20.10's BuildKit has (no heredocs, no `# syntax=` line).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

BASE = "dfcbench-busybox:latest"
"""The base image every context builds FROM; the same rootfs is imported into dfc and docker."""

DEBIAN_BASE = "dfcbench-debian-base:latest"
"""The Debian-based context's base: a minbase bookworm rootfs (bench/bases.py)."""

ONBUILD_PARENT = "dfcbench-onbuild-parent:latest"
"""The image the ONBUILD context builds FROM, built from its `parent` Dockerfile first.
(Bases are never named `dfcbench-CONTEXT`: that is the tag each build gets, and a base
overwritten by the image built on it would make every rebuild cold.)"""

SCENARIOS = ("cold", "noop", "last", "early", "arg")
"""cold build, no-op rebuild, change the file only the last COPY reads, change a file an
early COPY reads, change the value of the `--build-arg` declared just before a late RUN."""

ORDER = (*SCENARIOS, "source", "pruned")
"""Every scenario in the order they run; a context has the first five and maybe others:
`source` changes one source file among many, `pruned` builds again after `builder prune
-a` (the build cache gone, the images and their bases kept)."""

ONBUILD_STEP = re.compile(r"^ONBUILD (RUN|COPY|ADD|WORKDIR) ")

STEP = re.compile(r"^(?:FROM \S+ AS (\S+)|(RUN|COPY|ADD|WORKDIR) )")


@dataclass(frozen=True)
class Context:
    """One generated context: its Dockerfile, the files each scenario edits, and the step
    labels each scenario must execute."""

    name: str
    dockerfile: str
    write_files: Callable[[Path, float], None]
    edits: Mapping[str, str]
    """scenario -> the context file it changes (file-edit scenarios only)."""
    build_arg: str
    same: tuple[frozenset[str], ...] = ()
    """Groups of steps that are one operation (same parent key, same instruction, same
    inputs): a minimal build executes each group once, under any one of its labels."""
    expected: Mapping[str, frozenset[str]] = field(default_factory=dict)
    base: str = BASE
    """The image the context's base rootfs is imported as."""
    parent: str = ""
    """A Dockerfile (FROM `base`) built as ONBUILD_PARENT before the scenarios; its
    ONBUILD triggers run as the first steps of the context's stage, as in BuildKit."""
    early_from: str = ""
    """The step the `early` edit reaches first (default: the second step)."""
    extra: tuple[str, ...] = ()
    """Scenarios beyond the five (`pruned`)."""

    def steps(self) -> list[str]:
        """All layer-step labels (`stage position`) in Dockerfile order."""
        labels: list[str] = []
        stage, position = "", 1
        triggers = sum(1 for line in self.parent.splitlines() if ONBUILD_STEP.match(line))
        for line in self.dockerfile.splitlines():
            match = STEP.match(line)
            if match is None:
                continue
            if match.group(1):
                stage, position = match.group(1), 1
                if line.startswith(f"FROM {ONBUILD_PARENT} "):
                    labels += [f"{stage} {position + 1 + i}" for i in range(triggers)]
                    position += triggers
            else:
                position += 1
                labels.append(f"{stage} {position}")
        return labels

    def minimal(self, scenario: str) -> int:
        """How many operations the scenario has to execute."""
        expected = self.expected[scenario]
        return len(expected) - sum(max(0, len(group & expected) - 1) for group in self.same)

    def is_minimal(self, scenario: str, executed: frozenset[str]) -> bool:
        """Whether `executed` is exactly the minimal set: every expected step, nothing
        else, and one step per group of identical operations."""
        expected = self.expected[scenario]
        grouped = frozenset().union(*self.same)
        return (executed <= expected and expected - grouped <= executed
                and all(len(executed & g) == (1 if g & expected else 0) for g in self.same))

    def from_(self, *first: str) -> frozenset[str]:
        """The labels from each given label to the end of its stage."""
        steps = self.steps()
        out: set[str] = set()
        for label in first:
            stage = label.split()[0]
            out |= {s for s in steps[steps.index(label):] if s.split()[0] == stage}
        return frozenset(out)


# --- deterministic content -----------------------------------------------------------------

WORDS = ("import", "def", "return", "self", "value", "config", "request", "handler", "cache",
         "layer", "stage", "build", "for", "in", "if", "else", "None", "True", "items",
         "result", "context", "digest", "path", "open", "data", "class", "yield", "with")


def text_block(seed: str, size: int = 1 << 20) -> str:
    """Source-like text, the same for the same seed."""
    rng = random.Random(seed)
    lines, total = [], 0
    while total < size:
        line = "    " * rng.randrange(3) + " ".join(rng.choices(WORDS, k=rng.randrange(3, 12)))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)[:size]


def write_text_files(root: Path, names: list[str], size: int, seed: str) -> None:
    """Files of about `size` bytes each: a unique header, then a slice of a shared block."""
    block = text_block(seed)
    rng = random.Random(seed + "/offsets")
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        start = rng.randrange(max(1, len(block) - size))
        header = f"# {name}\n"
        path.write_text(header + block[start:start + max(0, size - len(header))] + "\n")


def write_random_file(path: Path, size: int, seed: str) -> None:
    """Incompressible bytes (a binary, a pack file), generated 1 MiB at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = 1 << 20
    with open(path, "wb") as out:
        for i in range(0, size, chunk):
            out.write(hashlib.shake_128(f"{seed}/{i}".encode()).digest(min(chunk, size - i)))


def n(count: int, scale: float) -> int:
    return max(1, round(count * scale))


# --- the contexts --------------------------------------------------------------------------

APP = f"""\
FROM {BASE} AS app
WORKDIR /app
COPY requirements.txt ./
RUN mkdir -p deps && sort requirements.txt > deps/lock && wc -l < deps/lock > deps/count
COPY src/ ./src/
RUN find src -type f | wc -l > file-count && du -s src > src-size
ARG BUILD_ID
RUN echo "build $BUILD_ID" > build-id
COPY VERSION ./
"""


def app_files(root: Path, scale: float) -> None:
    """~2,000 source files (~50 MB) in 40 packages, a dependency manifest, a VERSION file."""
    files = n(2000, scale)
    names = [f"src/pkg{i % 40:02d}/mod{i:04d}.py" for i in range(files)]
    write_text_files(root, names, n(25_000, scale), "app")
    (root / "requirements.txt").write_text("".join(f"package{i:03d}=={i % 7}.{i % 5}.0\n"
                                                   for i in range(120)))
    (root / "VERSION").write_text("1.0.0\n")


MULTI_STAGE = "".join(f"""\
FROM {BASE} AS {name}
WORKDIR /out
COPY {name}/ /src/
RUN sha256sum /src/* > {name}.sum && cat /src/* | wc -c > {name}.size
""" for name in ("alpha", "beta", "gamma")) + f"""\
FROM {BASE} AS final
WORKDIR /app
COPY --from=alpha /out/ ./alpha/
COPY --from=beta /out/ ./beta/
COPY --from=gamma /out/ ./gamma/
ARG RELEASE
RUN echo "$RELEASE" > release && cat alpha/* beta/* gamma/* | wc -c > total
COPY NOTES.txt ./
"""


def multi_stage_files(root: Path, scale: float) -> None:
    """Three independent inputs of 100 files (~2 MB) each, and release notes."""
    for name in ("alpha", "beta", "gamma"):
        names = [f"{name}/input-{i:03d}.txt" for i in range(n(100, scale))]
        write_text_files(root, names, n(20_000, scale), name)
    (root / "NOTES.txt").write_text("release notes\n")


RUNS_20 = f"""\
FROM {BASE} AS runs
WORKDIR /work
COPY seed.txt ./
""" + "".join(f"RUN echo step-{i:02d} >> log && sha256sum log seed.txt > sum-{i:02d}\n"
              for i in range(1, 19)) + """\
ARG LEVEL
RUN echo "level $LEVEL" >> log
RUN wc -l log > lines
COPY last.txt ./
"""


def runs_20_files(root: Path, scale: float) -> None:
    (root / "seed.txt").write_text("seed\n")
    (root / "last.txt").write_text("last\n")


BIG_FILE = f"""\
FROM {BASE} AS big
WORKDIR /data
COPY blob.bin ./
RUN sha256sum blob.bin > blob.sha256
COPY config/ ./config/
ARG CHANNEL
RUN echo "$CHANNEL" > channel
COPY last.txt ./
"""


def big_file_files(root: Path, scale: float) -> None:
    """One 200 MB incompressible file, a small config folder."""
    write_random_file(root / "blob.bin", n(200 << 20, scale), "blob")
    write_text_files(root, [f"config/part-{i}.conf" for i in range(5)], 500, "config")
    (root / "last.txt").write_text("last\n")


IGNORED = f"""\
FROM {BASE} AS web
WORKDIR /app
COPY package.json ./
RUN mkdir -p vendor && cp package.json vendor/installed.json
COPY app/ ./
ARG COMMIT
RUN echo "$COMMIT" > commit && find . -type f | wc -l > files
COPY etc/last.conf ./
"""

DOCKERIGNORE = """\
.git
app/node_modules
app/dist
**/*.log
"""


def ignored_files(root: Path, scale: float) -> None:
    """~1 MB of kept sources next to ~150 MB that `.dockerignore` excludes (a .git pack and
    loose objects, node_modules, build output, logs)."""
    (root / ".dockerignore").write_text(DOCKERIGNORE)
    write_text_files(root, [f"app/src/page{i:03d}.js" for i in range(n(100, scale))],
                     n(10_000, scale), "kept")
    write_text_files(root, [f"app/node_modules/dep{i % 200:03d}/file{i:05d}.js"
                            for i in range(n(10_000, scale))], n(5_000, scale), "modules")
    write_text_files(root, [f"app/dist/chunk{i:03d}.js" for i in range(n(500, scale))],
                     n(8_000, scale), "dist")
    write_text_files(root, [f"app/logs/run{i:02d}.log" for i in range(n(20, scale))],
                     n(50_000, scale), "logs")
    write_random_file(root / ".git/objects/pack/pack-0001.pack", n(90 << 20, scale), "pack")
    write_text_files(root, [f".git/objects/{i % 256:02x}/{i:038x}" for i in
                            range(n(1_000, scale))], n(2_000, scale), "loose")
    (root / "package.json").write_text('{"name": "web", "dependencies": {"left-pad": "1"}}\n')
    (root / "etc").mkdir()
    (root / "etc/last.conf").write_text("last\n")


DEBIAN = f"""\
FROM {DEBIAN_BASE} AS deb
WORKDIR /srv
COPY requirements.txt ./
RUN sort requirements.txt > lock && (dpkg-query -W 2>/dev/null || true) | wc -l > packages
COPY app/ ./app/
RUN find app -type f | wc -l > count && du -s app > size
ARG REVISION
RUN echo "revision $REVISION" > revision
COPY VERSION ./
"""


def debian_files(root: Path, scale: float) -> None:
    """An app of ~600 files (~6 MB) on the 120 MB Debian base, and its manifests."""
    names = [f"app/mod{i % 20:02d}/file{i:04d}.py" for i in range(n(600, scale))]
    write_text_files(root, names, n(10_000, scale), "debian")
    (root / "requirements.txt").write_text("".join(f"lib{i:02d}==1.{i}\n" for i in range(40)))
    (root / "VERSION").write_text("2.0.0\n")


ONBUILD_PARENT_DOCKERFILE = f"""\
FROM {BASE}
WORKDIR /app
ONBUILD COPY requirements.txt ./
ONBUILD RUN sort requirements.txt > lock
ONBUILD COPY src/ ./src/
ONBUILD RUN find src -type f | wc -l > count
"""

ONBUILD = f"""\
FROM {ONBUILD_PARENT} AS child
ARG FLAVOR
RUN echo "flavor $FLAVOR" > flavor
COPY last.txt ./
"""


def onbuild_files(root: Path, scale: float) -> None:
    """What the parent's triggers copy (a manifest, 400 sources) and a last file."""
    write_text_files(root, [f"src/m{i:03d}.js" for i in range(n(400, scale))],
                     n(8_000, scale), "onbuild")
    (root / "requirements.txt").write_text("".join(f"dep{i}\n" for i in range(30)))
    (root / "last.txt").write_text("last\n")


def _contexts() -> dict[str, Context]:
    specs = [
        Context("app", APP, app_files,
                {"last": "VERSION", "early": "requirements.txt",
                 "source": "src/pkg00/mod0000.py"}, "BUILD_ID"),
        Context("multistage", MULTI_STAGE, multi_stage_files,
                {"last": "NOTES.txt", "early": "alpha/input-000.txt"}, "RELEASE",
                same=(frozenset({"alpha 2", "beta 2", "gamma 2"}),)),
        Context("runs20", RUNS_20, runs_20_files,
                {"last": "last.txt", "early": "seed.txt"}, "LEVEL"),
        Context("bigfile", BIG_FILE, big_file_files,
                {"last": "last.txt", "early": "blob.bin"}, "CHANNEL"),
        Context("ignored", IGNORED, ignored_files,
                {"last": "etc/last.conf", "early": "package.json"}, "COMMIT"),
        Context("debian", DEBIAN, debian_files,
                {"last": "VERSION", "early": "requirements.txt"}, "REVISION",
                base=DEBIAN_BASE, extra=("pruned",)),
        Context("onbuild", ONBUILD, onbuild_files,
                {"last": "last.txt", "early": "requirements.txt"}, "FLAVOR",
                parent=ONBUILD_PARENT_DOCKERFILE, early_from="child 2"),
    ]
    out = {}
    for spec in specs:
        steps = spec.steps()
        last, arg_run = steps[-1], _after_arg(spec)
        expected = {"cold": frozenset(steps), "noop": frozenset(), "last": frozenset({last}),
                    "arg": spec.from_(arg_run)}
        expected["early"] = _early(spec)
        if "source" in spec.edits:
            expected["source"] = spec.from_("app 5")
        if "pruned" in spec.extra:
            expected["pruned"] = frozenset(steps)
        out[spec.name] = dataclasses.replace(spec, expected=expected)
    return out


def _after_arg(spec: Context) -> str:
    """The label of the first RUN after the ARG the `arg` scenario changes."""
    lines = spec.dockerfile.splitlines()
    arg_line = lines.index(f"ARG {spec.build_arg}")
    before = sum(1 for line in lines[:arg_line] if STEP.match(line) and
                 not line.startswith("FROM"))
    triggers = sum(1 for line in spec.parent.splitlines() if ONBUILD_STEP.match(line))
    return spec.steps()[before + triggers]


def _early(spec: Context) -> frozenset[str]:
    """Everything downstream of the early COPY: its stage from there on and, for the
    multi-stage build, the final stage from the COPY --from that reads it."""
    if spec.name == "multistage":
        return spec.from_("alpha 3") | spec.from_("final 3")
    return spec.from_(spec.early_from or spec.steps()[1])


CONTEXTS: dict[str, Context] = _contexts()


def generate(out: Path, scale: float = 1.0, names: tuple[str, ...] = tuple(CONTEXTS)
             ) -> dict[str, Path]:
    """Write the named contexts under `out` (which must not hold them yet)."""
    made = {}
    for name in names:
        spec = CONTEXTS[name]
        root = out / name
        root.mkdir(parents=True)
        (root / "Dockerfile").write_text(spec.dockerfile)
        spec.write_files(root, scale)
        made[name] = root
    return made


def edit(root: Path, spec: Context, scenario: str, nonce: str) -> None:
    """Change the file a file-edit scenario reads: append a line (cheap even for 200 MB).
    The nonce makes every edit new, so no earlier build can answer for it."""
    with open(root / spec.edits[scenario], "a") as handle:
        handle.write(f"\n# edit {nonce}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", action="append", choices=list(CONTEXTS))
    args = parser.parse_args()
    made = generate(args.out, args.scale, tuple(args.only or CONTEXTS))
    for name, root in made.items():
        files = sum(len(f) for _, _, f in os.walk(root))
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"{name}: {files} files, {size / 1e6:.1f} MB in {root}")


if __name__ == "__main__":
    main()
