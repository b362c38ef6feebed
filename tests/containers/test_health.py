"""Health checks against docker on the same images: a check that passes, one that fails
`retries` times, one that times out, the image's HEALTHCHECK and `--no-healthcheck`;
`.State.Health`, `.Config.Healthcheck`, `ps` STATUS and `ps --filter health=`.

Intervals are 1s; every wait polls with a generous deadline (a loaded 2-core machine
may run a check late, never early)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .conftest import image_in_both

pytestmark = [pytest.mark.interop, pytest.mark.slow]
DEADLINE = 90.0


@pytest.fixture(scope="module")
def health_image(images: Any, dfc_cmd: list[str], tmp_path_factory: Any) -> Iterator[str]:
    """An image whose HEALTHCHECK passes once /tmp/ok exists."""
    with image_in_both(images, dfc_cmd, tmp_path_factory.mktemp("healthimage"),
                       "HEALTHCHECK --interval=1s --timeout=5s --retries=2 "
                       'CMD ["test", "-e", "/tmp/ok"]\n'
                       'CMD ["sh", "-c", "touch /tmp/ok; sleep 120"]\n', "htest") as name:
        yield name


def _health(run: Any, name: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = json.loads(run("inspect", name).out)[0]["State"].get(
        "Health")
    return found


def _poll(run: Any, name: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE
    while True:
        health = _health(run, name)
        if health is not None and done(health):
            return health
        assert time.monotonic() < deadline, f"{name}: {health}"
        time.sleep(0.3)


def _start_both(dfc: Any, docker: Any, *args: str) -> tuple[str, str]:
    ours, theirs = "dfc-htest-" + uuid.uuid4().hex[:8], docker.name()
    for run, name in ((dfc, ours), (docker, theirs)):
        started = run("run", "-d", "--name", name, *args)
        assert started.code == 0, started.err
    return ours, theirs


def _status(run: Any, name: str) -> str:
    out: str = run("ps", "-a", "--filter", f"name=^{name}$", "--format", "{{.Status}}").out
    return out.strip()


def _shape(health: dict[str, Any]) -> tuple[object, ...]:
    """What must agree: the fields, the status, and per entry its fields, code, output."""
    log = health["Log"]
    return (list(health), health["Status"],
            [(list(e), e["ExitCode"], e["Output"]) for e in log[-1:]])


def test_passing_check(dfc: Any, docker: Any, images: Any) -> None:
    flags = ["--health-cmd", "echo ok", "--health-interval", "1s"]
    ours, theirs = _start_both(dfc, docker, *flags, images.names["busybox"], "sleep", "120")
    assert re.fullmatch(r"Up .* \((health: starting|healthy)\)", _status(dfc, ours))
    results = [_poll(run, name, lambda h: h["Status"] == "healthy")
               for run, name in ((dfc, ours), (docker, theirs))]
    assert _shape(results[0]) == _shape(results[1])
    assert results[0]["FailingStreak"] == 0
    assert _shape(results[0])[2] == [(["Start", "End", "ExitCode", "Output"], 0, "ok\n")]
    for run, name in ((dfc, ours), (docker, theirs)):
        assert re.fullmatch(r"Up .* \(healthy\)", _status(run, name))
        listed = run("ps", "--filter", "health=healthy", "--format", "{{.Names}}").out
        assert name in listed.split()
        assert name not in run("ps", "--filter", "health=none", "--format",
                               "{{.Names}}").out.split()
    configs = [json.loads(run("inspect", name).out)[0]["Config"]["Healthcheck"]
               for run, name in ((dfc, ours), (docker, theirs))]
    assert configs[0] == configs[1] == {"Test": ["CMD-SHELL", "echo ok"],
                                        "Interval": 1_000_000_000}
    dfc("rm", "-f", ours)


def test_failing_check_turns_unhealthy_after_retries(dfc: Any, docker: Any,
                                                      images: Any) -> None:
    flags = ["--health-cmd", "echo bad; exit 3", "--health-interval", "1s",
             "--health-retries", "2"]
    ours, theirs = _start_both(dfc, docker, *flags, images.names["busybox"], "sleep", "120")
    for run, name in ((dfc, ours), (docker, theirs)):
        seen = []
        deadline = time.monotonic() + DEADLINE
        while True:  # every state on the way: starting below 2 failures, then unhealthy
            health = _health(run, name)
            assert health is not None
            seen.append((health["Status"], health["FailingStreak"], len(health["Log"])))
            if len(health["Log"]) == 5 and health["FailingStreak"] >= 6:
                break
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
        for status, streak, _ in seen:
            assert status == ("unhealthy" if streak >= 2 else "starting"), seen
        assert all(e["ExitCode"] == 3 and e["Output"] == "bad\n" for e in health["Log"])
        assert re.fullmatch(r"Up .* \(unhealthy\)", _status(run, name))
    dfc("rm", "-f", ours)


def test_check_that_times_out(dfc: Any, docker: Any, images: Any) -> None:
    flags = ["--health-cmd", "sleep 30", "--health-interval", "1s", "--health-timeout",
             "500ms"]
    ours, theirs = _start_both(dfc, docker, *flags, images.names["busybox"], "sleep", "120")
    results = [_poll(run, name, lambda h: len(h["Log"]) >= 1)
               for run, name in ((dfc, ours), (docker, theirs))]
    assert _shape(results[0]) == _shape(results[1])
    assert results[0]["Log"][0]["ExitCode"] == -1
    assert results[0]["Log"][0]["Output"] == "Health check exceeded timeout (500ms)"
    dfc("rm", "-f", ours)


def test_start_period_does_not_count_failures(dfc: Any, docker: Any, images: Any) -> None:
    """Failures in the start period are logged, not counted: `(health: starting)`."""
    flags = ["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
             "--health-start-period", "10m"]
    ours, theirs = _start_both(dfc, docker, *flags, images.names["busybox"], "sleep", "120")
    results = [_poll(run, name, lambda h: len(h["Log"]) >= 2)
               for run, name in ((dfc, ours), (docker, theirs))]
    assert _shape(results[0]) == _shape(results[1])
    for run, name in ((dfc, ours), (docker, theirs)):
        assert (_health(run, name) or {}).get("FailingStreak") == 0
        assert re.fullmatch(r"Up .* \(health: starting\)", _status(run, name))
        assert name in run("ps", "--filter", "health=starting", "--format",
                           "{{.Names}}").out.split()
    dfc("rm", "-f", ours)


def test_image_healthcheck_and_no_healthcheck(dfc: Any, docker: Any,
                                              health_image: str) -> None:
    ours, theirs = _start_both(dfc, docker, health_image)
    results = [_poll(run, name, lambda h: h["Status"] == "healthy")
               for run, name in ((dfc, ours), (docker, theirs))]
    assert _shape(results[0]) == _shape(results[1])
    quiet, quiet_theirs = _start_both(dfc, docker, "--no-healthcheck", health_image)
    time.sleep(2.5)
    for run, name in ((dfc, quiet), (docker, quiet_theirs)):
        data = json.loads(run("inspect", name).out)[0]
        assert "Health" not in data["State"]
        assert data["Config"]["Healthcheck"] == {  # (the image's fields stay)
            "Test": ["NONE"], "Interval": 1_000_000_000, "Timeout": 5_000_000_000,
            "Retries": 2}
        assert re.fullmatch(r"Up [^(]*", _status(run, name))
        assert name in run("ps", "--filter", "health=none", "--format",
                           "{{.Names}}").out.split()
    dfc("rm", "-f", ours, quiet)


@pytest.mark.parametrize("flags", [
    ["--health-interval", "abc"], ["--health-interval", "-1s"], ["--health-retries", "-1"],
    ["--no-healthcheck", "--health-cmd", "true"],
])
def test_bad_health_flags(dfc: Any, docker: Any, images: Any, flags: list[str]) -> None:
    ours = dfc("run", "--rm", *flags, images.names["busybox"], "true")
    theirs = docker("run", "--rm", *flags, images.names["busybox"], "true")
    assert ours.code == theirs.code == 125
    expected = theirs.err.splitlines()[0].removeprefix("docker: ").removesuffix(".")
    assert ours.err == f"error: {expected}\n"
    assert dfc("ps", "-aq").out == ""
