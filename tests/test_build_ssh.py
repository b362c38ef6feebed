"""`--ssh` with `RUN --mount=type=ssh`: a real ssh-agent (openssh-client) forwarded into
the step through a socket of the step's own."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import events
from dfc.runtime.secrets import parse_ssh
from dfc.runtime.steps.ssh import forwarded_agent
from tests.conftest import wait_until
from tests.test_build import unpack

pytestmark = pytest.mark.skipif(shutil.which("ssh-agent") is None,
                                reason="needs openssh-client (scripts/setup.sh)")


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Path]:
    """An ssh-agent holding one new key; its socket."""
    sock = tmp_path / "agent.sock"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dfc-test-key",
                    "-f", str(tmp_path / "key")], check=True)
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        assert wait_until(sock.exists, 30)
        subprocess.run(["ssh-add", str(tmp_path / "key")], check=True, capture_output=True,
                       env={**os.environ, "SSH_AUTH_SOCK": str(sock)})
        yield sock
    finally:
        proc.terminate()
        proc.wait()


def test_forwarded_socket_answers_as_the_agent(agent: Path, tmp_path: Path) -> None:
    """What a RUN's ssh client sees: the agent's keys, through the relay."""
    with forwarded_agent(str(agent), tmp_path / "relay.sock", 0o600, 0, 0) as relay:
        listed = subprocess.run(["ssh-add", "-l"], capture_output=True, text=True,
                                env={**os.environ, "SSH_AUTH_SOCK": str(relay)})
        assert oct(relay.stat().st_mode & 0o777) == "0o600"
    assert listed.returncode == 0, listed.stderr
    assert "dfc-test-key (ED25519)" in listed.stdout
    refused = subprocess.run(["ssh-add", "-l"], capture_output=True, text=True,
                             env={**os.environ, "SSH_AUTH_SOCK": str(tmp_path / "relay.sock")})
    assert refused.returncode == 2  # the relay stopped with the block


def test_run_mount_ssh_sees_the_agent_socket(agent: Path, fresh_store: Store,
                                            tmp_path: Path) -> None:
    folder = tmp_path / "ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        "FROM busybox\n"
        "RUN --mount=type=ssh --mount=type=ssh,id=other,target=/o.sock,mode=0640,uid=7 "
        "test -S /run/buildkit/ssh_agent.0 && echo $SSH_AUTH_SOCK > /env && "
        "stat -c '%a %u' /run/buildkit/ssh_agent.0 /o.sock > /modes\n")
    seen: list[events.AnyEvent] = []
    build(BuildRequest(context=str(folder), tags=("ssh",),
                       ssh=(parse_ssh(f"default={agent}"), parse_ssh(f"other={agent}"))),
          fresh_store, seen.append)
    rootfs = unpack(fresh_store, "docker.io/library/ssh:latest", tmp_path / "bundle")
    assert (rootfs / "env").read_text() == "/run/buildkit/ssh_agent.0\n"
    assert (rootfs / "modes").read_text() == "600 0\n640 7\n"
    assert not (rootfs / "run" / "buildkit" / "ssh_agent.0").exists()


def test_ssh_flag_values(agent: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_AUTH_SOCK", str(agent))
    assert parse_ssh("default").socket == str(agent)
    monkeypatch.delenv("SSH_AUTH_SOCK")
    with pytest.raises(DfcError, match="make sure SSH_AUTH_SOCK is set"):
        parse_ssh("default")
    with pytest.raises(DfcError, match="is not an agent socket"):
        parse_ssh(f"default={tmp_path / 'key'}")
