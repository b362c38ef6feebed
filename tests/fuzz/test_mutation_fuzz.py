"""A seed-fixed slice of the mutation fuzzer: 2,000 mutated real-world-shaped Dockerfiles
through compile (three build-arg/target/platform/base-trigger variations) and lint, with
no exception other than a DfcError. The full bar (100,000 inputs) is run by hand:
`python tests/fuzz/mutate.py --count 100000 --seed 1` (docs/design-notes.md)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from dfc import compile_dockerfile


def _mutate_module() -> ModuleType:
    path = Path(__file__).with_name("mutate.py")
    spec = importlib.util.spec_from_file_location("dfc_fuzz_mutate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mutate = _mutate_module()


def test_corpus_files_compile_and_lint_cleanly_before_mutation() -> None:
    corpus = mutate.load_corpus()
    assert len(corpus) >= 10
    for text in corpus:
        compile_dockerfile(text)  # the seeds are valid Dockerfiles: no DfcError either
        mutate.run_one(text, mutate.variations(random.Random(1), text))


def test_mutations_change_the_input_at_token_and_line_level() -> None:
    rng = random.Random(7)
    corpus = mutate.load_corpus()
    outputs = [mutate.mutate(rng, corpus) for _ in range(200)]
    assert sum(text not in corpus for text in outputs) > 180


@pytest.mark.slow
def test_no_internal_error_on_a_seed_fixed_slice() -> None:
    crashes = mutate.fuzz(2000, seed=20261206, minimized=True)
    assert not crashes, "\n\n".join(f"{sig}\n{text!r}\n{tb}"
                                    for sig, (text, tb) in crashes.items())
