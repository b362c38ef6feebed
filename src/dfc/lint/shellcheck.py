"""The `shellcheck` process of the ShellCheck pass.

All scripts of a file go to one `shellcheck --format=json1` call, one temp file each;
a lint run makes one call per group of files (one group per CPU on large runs). What
the scripts are and where their findings land in the Dockerfile is analysis
(`dfc.compiler.lint.shellcheck`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dfc.compiler.lint.shellcheck import Job, ScHit, located

EXCLUDED = ("SC1090", "SC1091", "SC2187")
MIN_BATCH = 100  # scripts per extra parallel shellcheck call


def available() -> bool:
    return shutil.which("shellcheck") is not None


def _groups(jobs: Sequence[Sequence[Job]], count: int) -> list[list[int]]:
    """Split file indexes into `count` groups of similar script counts (a file's scripts
    always stay in one shellcheck call)."""
    groups: list[list[int]] = [[] for _ in range(count)]
    sizes = [0] * count
    for index in sorted(range(len(jobs)), key=lambda i: -len(jobs[i])):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(index)
        sizes[smallest] += len(jobs[index])
    return [sorted(g) for g in groups if g]


def check(per_file: Sequence[Sequence[Job]]) -> list[list[ScHit]]:
    """Run shellcheck over every file's scripts: one call per file group, the groups in
    parallel (one per CPU, for large runs); per file, its located findings."""
    results: list[list[ScHit]] = [[] for _ in per_file]
    total = sum(len(jobs) for jobs in per_file)
    if not total:
        return results
    count = max(1, min(os.cpu_count() or 1, total // MIN_BATCH))
    with tempfile.TemporaryDirectory(prefix="dfc-sc-") as tmp:
        running = []
        for number, group in enumerate(_groups(per_file, count)):
            names: dict[str, tuple[int, Job]] = {}
            for file in group:
                for index, job in enumerate(per_file[file]):
                    path = Path(tmp) / f"{number}-{file}-{index}.sh"
                    path.write_text(job.text)
                    names[path.name] = (file, job)
            proc = subprocess.Popen(
                ["shellcheck", "--format=json1", "--norc", "-e", ",".join(EXCLUDED),
                 *names], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                cwd=tmp)
            running.append((proc, names))
        for proc, names in running:
            out, _ = proc.communicate()
            for comment in json.loads(out or '{"comments": []}')["comments"]:
                file, job = names[comment["file"]]
                hit = located(job, comment)
                if hit is not None:
                    results[file].append(hit)
    return results
