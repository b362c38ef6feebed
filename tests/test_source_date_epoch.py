"""SOURCE_DATE_EPOCH (environment or `--build-arg`), as today's BuildKit applies it: the
image's `created` and every history entry after the base image's clamped to the epoch."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfc.build import BuildRequest, build, read_image
from dfc.cache.store import Store
from dfc.runtime import events
from dfc.runtime.images.config import rfc3339
from tests.conftest import BUSYBOX_EPOCH

DOCKERFILE = "FROM busybox\nENV A=1\nRUN echo hi > /f\nLABEL x=y\nCOPY a /a\nCMD [\"sh\"]\n"


def context(tmp_path: Path) -> Path:
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / "a").write_text("a\n")
    return folder


def steps(store: Store, folder: Path, **options: object) -> tuple[list[str], str]:
    """The steps a build executed (not cached), and its image ID."""
    seen: list[events.AnyEvent] = []
    result = build(BuildRequest(context=str(folder), tags=("out",), **options), store,
                   seen.append)
    started = {e.step: e.name for e in seen if isinstance(e, events.Started)}
    return [started[e.step] for e in seen if isinstance(e, events.Done)], result.image_id


@pytest.mark.parametrize("how", ["env", "build-arg"])
def test_epoch_dates_created_and_history_after_the_base(
        fresh_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    epoch = BUSYBOX_EPOCH - 86_400  # older than the base: a newer base's date never wins
    if how == "env":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        steps(fresh_store, context(tmp_path))
    else:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        steps(fresh_store, context(tmp_path), build_args={"SOURCE_DATE_EPOCH": str(epoch)})
    base = read_image(fresh_store, "busybox")
    config = read_image(fresh_store, "out")
    assert config.created == rfc3339(epoch) == "2023-11-13T22:13:20Z"
    shared = len(base.history)
    assert config.history[:shared] == base.history
    assert [h.created for h in config.history[shared:]] == [rfc3339(epoch)] * 5


def test_a_later_epoch_leaves_the_base_dates(
        fresh_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base's entries keep their (older) dates; what this build made is dated by the
    epoch."""
    later = BUSYBOX_EPOCH + 10**8
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(later))
    steps(fresh_store, context(tmp_path))
    config = read_image(fresh_store, "out")
    base = read_image(fresh_store, "busybox")
    assert [h.created for h in config.history[:len(base.history)]] == \
        [rfc3339(BUSYBOX_EPOCH)] * len(base.history)
    assert {h.created for h in config.history[len(base.history):]} == {rfc3339(later)}
    assert config.created == rfc3339(later)


def test_epoch_keys_steps_exactly(fresh_store: Store, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The epoch clamps the file times of the layers written, so it is part of each
    step's key: a build without it never serves one with it; the same epoch is all
    cached and gives the same image ID."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder = context(tmp_path)
    run = "[2/3] RUN echo hi > /f"
    copy = "[3/3] COPY a /a"
    assert steps(fresh_store, folder)[0] == [run, copy]
    assert steps(fresh_store, folder)[0] == []
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    executed, first = steps(fresh_store, folder)
    assert executed == [run, copy]
    executed, again = steps(fresh_store, folder)
    assert (executed, again) == ([], first)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000001")
    assert steps(fresh_store, folder)[0] == [run, copy]


def test_invalid_epoch_is_one_clear_error(fresh_store: Store, tmp_path: Path) -> None:
    from dfc.errors import DfcError

    with pytest.raises(DfcError, match="invalid SOURCE_DATE_EPOCH: 'soon'"):
        steps(fresh_store, context(tmp_path), build_args={"SOURCE_DATE_EPOCH": "soon"})
