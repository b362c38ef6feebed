"""The `docker` fixture: the real engine, or a loud failure (CI starts dockerd; a
missing daemon must not turn these tests into skips)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest

DOCKER = "/usr/bin/docker"


class Docker:
    """Runs `/usr/bin/docker`; remembers the image names a test makes, to remove them."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, *args: str, input: bytes | None = None) -> str:
        proc = subprocess.run([DOCKER, *args], input=input, capture_output=True)
        assert proc.returncode == 0, f"docker {' '.join(args)}: {proc.stderr.decode()}"
        return proc.stdout.decode()

    def name(self, base: str) -> str:
        """A repository name no other test or developer uses."""
        name = f"dfc-interop-{base}-{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        return name

    def cleanup(self) -> None:
        for name in self.names:
            listed = subprocess.run([DOCKER, "images", "-q", "--no-trunc", name],
                                    capture_output=True, text=True).stdout.split()
            for image_id in dict.fromkeys(listed):
                subprocess.run([DOCKER, "rmi", "-f", image_id], capture_output=True)


@pytest.fixture(scope="session")
def docker_ready() -> None:
    proc = subprocess.run([DOCKER, "info"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"dockerd is not reachable through {DOCKER}: {proc.stderr.strip()}")


@pytest.fixture
def docker(docker_ready: None) -> Iterator[Callable[..., str]]:
    client = Docker()
    yield client
    client.cleanup()
