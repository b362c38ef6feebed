"""Cache exactness: a rebuild executes precisely the steps whose inputs changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.cache.transfer import CacheSpec
from dfc.runtime import events

# slow: each test builds several times, mostly through the console script
pytestmark = pytest.mark.slow

DOCKERFILE = """\
FROM busybox AS deps
WORKDIR /app
COPY manifest.txt ./
RUN cat manifest.txt > installed.txt
COPY src/ ./src/
RUN ls src > listing.txt
ARG LATE
RUN echo late > late.txt
COPY last.txt ./
"""


class Run:
    """One build's outcome: which steps executed and which came from the cache."""

    def __init__(self, recorded: list[events.AnyEvent]):
        names = {e.step: e.name.split("] ", 1)[1] for e in recorded
                 if isinstance(e, events.Started)}
        self.executed = [names[e.step] for e in recorded if isinstance(e, events.Done)]
        self.cached = [names[e.step] for e in recorded if isinstance(e, events.Cached)]
        self.notes = [e.message for e in recorded if isinstance(e, events.Note)]
        self.misses = [note for note in self.notes if note.startswith("cache miss")]


@pytest.fixture
def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    (ctx / "src").mkdir(parents=True)
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "manifest.txt").write_text("dep==1\n")
    (ctx / "src" / "a.py").write_text("print('a')\n")
    (ctx / "src" / "b.py").write_text("print('b')\n")
    (ctx / "last.txt").write_text("last\n")
    (ctx / "unused.txt").write_text("never copied\n")
    (ctx / ".dockerignore").write_text("src/*.tmp\n")
    return ctx


def rebuild(store: Store, context: Path, **options: object) -> Run:
    recorded: list[events.AnyEvent] = []
    build(BuildRequest(context=str(context), **options), store, recorded.append)
    return Run(recorded)


ALL = ["WORKDIR /app", "COPY manifest.txt ./", "RUN cat manifest.txt > installed.txt",
       "COPY src/ ./src/", "RUN ls src > listing.txt",
       "RUN echo late > late.txt", "COPY last.txt ./"]


@pytest.fixture
def warm(fresh_store: Store, context: Path) -> Store:
    assert rebuild(fresh_store, context).executed == ALL
    return fresh_store


def test_noop_rebuild_executes_nothing(warm: Store, context: Path) -> None:
    again = rebuild(warm, context)
    assert again.executed == [] and again.cached == ALL


def test_changing_the_last_copied_file_reruns_only_that_copy(warm: Store, context: Path) -> None:
    (context / "last.txt").write_text("changed\n")
    assert rebuild(warm, context).executed == ["COPY last.txt ./"]


def test_changing_an_early_input_reruns_everything_after_it(warm: Store, context: Path) -> None:
    (context / "manifest.txt").write_text("dep==2\n")
    assert rebuild(warm, context).executed == ALL[1:]


def test_changing_a_source_file_keeps_the_dependency_install(warm: Store,
                                                             context: Path) -> None:
    (context / "src" / "a.py").write_text("print('changed')\n")
    assert rebuild(warm, context).executed == ALL[3:]


@pytest.mark.parametrize("change", ["rename", "mode"])
def test_renames_and_mode_changes_miss(warm: Store, context: Path, change: str) -> None:
    if change == "rename":
        (context / "src" / "b.py").rename(context / "src" / "c.py")
    else:
        os.chmod(context / "src" / "b.py", 0o755)
    assert rebuild(warm, context).executed == ALL[3:]


@pytest.mark.parametrize("change", ["mtime", "ignored", "unselected"])
def test_changes_no_step_reads_hit(warm: Store, context: Path, change: str) -> None:
    if change == "mtime":
        os.utime(context / "src" / "a.py", (1, 1))
    elif change == "ignored":
        (context / "src" / "x.tmp").write_text("ignored by .dockerignore\n")
    else:
        (context / "unused.txt").write_text("changed\n")
    assert rebuild(warm, context).executed == []


def test_undeclared_build_arg_hits_with_the_classic_warning(warm: Store, context: Path) -> None:
    again = rebuild(warm, context, build_args={"NOBODY": "x"})
    assert again.executed == []
    assert "[Warning] One or more build-args [NOBODY] were not consumed" in again.notes


def test_declared_build_arg_reruns_every_run_after_it(warm: Store, context: Path) -> None:
    again = rebuild(warm, context, build_args={"LATE": "2"})
    assert again.executed == ["RUN echo late > late.txt",
                              "COPY last.txt ./"]


def test_proxy_build_args_do_not_bust_the_cache(warm: Store, context: Path) -> None:
    assert rebuild(warm, context, build_args={"HTTP_PROXY": "http://p:3128"}).executed == []


def test_metadata_before_a_run_keeps_it_cached_env_does_not(warm: Store, context: Path) -> None:
    text = DOCKERFILE.replace("RUN ls src", "LABEL v=2\nEXPOSE 80\nRUN ls src")
    (context / "Dockerfile").write_text(text)
    assert rebuild(warm, context).executed == []
    (context / "Dockerfile").write_text(DOCKERFILE.replace("COPY src/", "ENV A=1\nCOPY src/"))
    assert rebuild(warm, context).executed == ALL[4:]


def test_no_cache_and_no_cache_filter(warm: Store, context: Path) -> None:
    assert rebuild(warm, context, no_cache=True).executed == ALL
    assert rebuild(warm, context, no_cache_filter=("DEPS",)).executed == ALL
    assert rebuild(warm, context, no_cache_filter=("other",)).executed == []


def test_explain_cache_names_the_changed_input(warm: Store, context: Path) -> None:
    (context / "src" / "a.py").write_text("print('changed')\n")
    notes = rebuild(warm, context, explain_cache=True).misses
    assert notes[0] == "cache miss: file changed: src/a.py"
    assert notes[1] == "cache miss: the step before it changed"
    again = rebuild(warm, context, explain_cache=True, build_args={"LATE": "3"}).misses
    assert again == ["cache miss: ARG/ENV LATE added ('3')",
                     "cache miss: the step before it changed"]


def test_cache_travels_between_stores_through_a_folder(warm: Store, second_store: Store,
                                                       context: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exported-cache"
    rebuild(warm, context, cache_to=CacheSpec("local", str(folder), "max"))
    assert (folder / "index.json").exists() and (folder / "oci-layout").exists()
    other = rebuild(second_store, context, cache_from=(CacheSpec("local", str(folder)),))
    assert other.executed == [] and other.cached == ALL
    (context / "last.txt").write_text("changed on the second machine\n")
    imported = (CacheSpec("local", str(folder)),)
    assert rebuild(second_store, context, cache_from=imported).executed == ["COPY last.txt ./"]
    assert second_store.check().ok


def test_cache_from_a_folder_that_is_not_a_cache(fresh_store: Store, context: Path,
                                                 tmp_path: Path) -> None:
    from dfc.errors import DfcError

    with pytest.raises(DfcError, match="not a dfc cache folder"):
        rebuild(fresh_store, context, cache_from=(CacheSpec("local", str(tmp_path)),))


def test_builder_prune_keeps_what_images_use_unless_all(fresh_store: Store,
                                                        dfc_cmd: list[str]) -> None:
    import subprocess

    example = Path(__file__).resolve().parent.parent / "examples" / "multistage"
    first = rebuild(fresh_store, example, tags=("kept",))
    prune = [*dfc_cmd, "builder", "prune", "-f", "--root", str(fresh_store.root)]
    done = subprocess.run(prune, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Deleted build cache objects:")
    assert len(done.stdout.split("\n\n")[0].splitlines()) == 4  # the build stage's records
    assert fresh_store.check().ok
    again = rebuild(fresh_store, example, tags=("kept",))
    # The build stage runs again, gives the same files, so the final COPY --from hits.
    assert again.executed == first.executed[:3]
    assert again.cached == first.executed[3:]
    done = subprocess.run([*prune, "--all"], capture_output=True, text=True)
    assert done.returncode == 0 and fresh_store.check().ok
    assert rebuild(fresh_store, example).executed == first.executed


def test_builder_prune_keep_storage_and_until(warm: Store, context: Path,
                                              dfc_cmd: list[str]) -> None:
    import subprocess

    base = [*dfc_cmd, "builder", "prune", "-f", "-a", "--root", str(warm.root)]
    kept = subprocess.run([*base, "--filter", "until=1h"], capture_output=True, text=True)
    assert kept.returncode == 0 and "Deleted" not in kept.stdout
    assert rebuild(warm, context).executed == []
    bad = subprocess.run([*base, "--keep-storage", "lots"], capture_output=True, text=True)
    assert bad.returncode == 125 and "invalid size" in bad.stderr
    done = subprocess.run([*base, "--keep-storage", "0"], capture_output=True, text=True)
    assert done.returncode == 0 and "Deleted build cache objects:" in done.stdout
    assert rebuild(warm, context).executed == ALL


def test_builder_prune_keeps_the_unpacked_layers_of_images(fresh_store: Store,
                                                          dfc_cmd: list[str]) -> None:
    """Docker's image store keeps an image's unpacked layers; only build cache goes."""
    import subprocess

    from dfc.cache.oci import Manifest, chain_ids
    from dfc.runtime.images.config import ImageConfig

    def chains(name: str) -> set[str]:
        manifest = fresh_store.read_json(fresh_store.resolve(name).manifest.digest, Manifest)
        config = fresh_store.read_json(manifest.config.digest, ImageConfig)
        return {c.removeprefix("sha256:") for c in chain_ids(config.rootfs.diff_ids)}

    example = Path(__file__).resolve().parent.parent / "examples" / "multistage"
    rebuild(fresh_store, example, tags=("gone",))
    snapshots = fresh_store.root / "snapshots"
    assert chains("busybox") < set(os.listdir(snapshots))
    extra = set(os.listdir(snapshots)) - chains("busybox")
    assert extra  # the build stage's RUN layers and the final image's
    removed = subprocess.run([*dfc_cmd, "rmi", "gone", "--root", str(fresh_store.root)],
                             capture_output=True, text=True)
    assert removed.returncode == 0, removed.stderr
    prune = [*dfc_cmd, "builder", "prune", "-a", "-f", "--root", str(fresh_store.root)]
    done = subprocess.run(prune, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert set(os.listdir(snapshots)) == chains("busybox")
    assert fresh_store.check().ok
