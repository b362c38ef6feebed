"""buildx's registry spellings of `dfc build`: `--cache-from REF` (type=registry) and
`-o type=registry` / `-o type=image,push=true` (push)."""

from __future__ import annotations

from pathlib import Path

from dfc.cache.store import Store


def context(tmp_path: Path) -> Path:
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM busybox\nRUN echo one > /one\nCOPY a /a\n")
    (folder / "a").write_text("a\n")
    return folder


def test_cache_from_a_bare_reference_reads_the_registry_cache(
        registry, fresh_store: Store, second_store: Store, docker_config, run_dfc,
        tmp_path: Path) -> None:
    ref = f"{registry.host}/bare/cache:1"
    folder = context(tmp_path)
    first = run_dfc("build", "--root", str(fresh_store.root), "--progress", "plain",
                    "--cache-to", ref, str(folder))
    assert first.returncode == 0, first.stderr
    again = run_dfc("build", "--root", str(second_store.root), "--progress", "plain",
                    "--cache-from", ref, str(folder))
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("CACHED") == 2


def test_output_registry_pushes_every_name(registry, fresh_store: Store, empty_store: Store,
                                           docker_config, run_dfc, tmp_path: Path) -> None:
    folder = context(tmp_path)
    tagged, named = f"{registry.host}/out/app:1", f"{registry.host}/out/app:2"
    built = run_dfc("build", "--root", str(fresh_store.root), "--progress", "plain", "-t",
                    tagged, "-o", "type=registry", str(folder))
    assert built.returncode == 0, built.stderr
    pushed = run_dfc("build", "--root", str(fresh_store.root), "--progress", "plain", "-o",
                     f"type=image,name={named},push=true", str(folder))
    assert pushed.returncode == 0, pushed.stderr
    for name in (tagged, named):
        pulled = run_dfc("pull", name, "--root", str(empty_store.root))
        assert pulled.returncode == 0, pulled.stderr
        assert empty_store.resolve(name).config == fresh_store.resolve(tagged).config
    kept = run_dfc("build", "--root", str(fresh_store.root), "-q", "-o",
                   f"type=image,name={registry.host}/out/app:3", str(folder))
    assert kept.returncode == 0 and "Pushed" not in kept.stderr
    missing = run_dfc("pull", f"{registry.host}/out/app:3", "--root", str(empty_store.root))
    assert missing.returncode != 0  # push=false: in the store only
