"""The user-mode network stack: Debian's `slirp4netns` attached to a network namespace.

It gives the namespace a tap0 with 10.0.2.100/24, a gateway (10.0.2.2) that NATs to the
host's network, and a DNS forwarder (10.0.2.3). `--disable-host-loopback` refuses what
would otherwise reach the host's 127.0.0.1 through the gateway; `--enable-sandbox` and
`--enable-seccomp` confine the stack itself (it runs as root and parses guest packets).

Lifetime: dfc waits on `--ready-fd` before anything runs in the namespace, and holds the
write end of `--exit-fd`: closing it stops the stack, and so does dfc's death (the kernel
closes it), so even a SIGKILLed dfc leaves no slirp4netns behind. `stop` reaps it and
removes the API socket's folder.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time

from dfc.errors import DfcError
from dfc.runtime.network.namespace import NetworkNamespace
from dfc.runtime.network.ports import PortMapping

BINARY = "slirp4netns"
MTU = 65520
READY_TIMEOUT = 10.0
"""Seconds to wait for the stack to configure the namespace."""
GUEST_ADDRESS = "10.0.2.100"
GUEST_PREFIX = 24
GATEWAY_ADDRESS = "10.0.2.2"


class MissingStack(DfcError):
    """slirp4netns is not installed."""


def find_binary() -> str:
    found = shutil.which(BINARY)
    if found is None:
        raise MissingStack(f"{BINARY} not found: RUN steps and containers get their own network "
                           "namespace through it; install the Debian package slirp4netns "
                           "(apt-get install slirp4netns), or use --network host")
    return found


def _wait_ready(ready: int, timeout: float) -> bool:
    """True once slirp4netns wrote to its ready fd; False if it closed it (it exited)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        if select.select([ready], [], [], left)[0]:
            return os.read(ready, 1) != b""
    return False


class Slirp4netns:
    """One slirp4netns process serving one network namespace."""

    def __init__(self, namespace: NetworkNamespace, *, api: bool = False):
        """Start the stack for `namespace` and return once it is configured; `api` opens
        the control socket that port forwards need."""
        binary = find_binary()
        self.folder = tempfile.mkdtemp(prefix="dfc-slirp-") if api else None
        self.api_socket = os.path.join(self.folder, "api.sock") if self.folder else None
        ready_r, ready_w = os.pipe()
        exit_r, self._exit_w = os.pipe2(os.O_CLOEXEC)
        log = tempfile.TemporaryFile()
        argv = [binary, "--configure", f"--mtu={MTU}", "--disable-host-loopback",
                "--enable-sandbox", "--enable-seccomp", "--netns-type=path",
                f"--ready-fd={ready_w}", f"--exit-fd={exit_r}",
                *((f"--api-socket={self.api_socket}",) if self.api_socket else ()),
                f"/proc/self/fd/{namespace.fd}", "tap0"]
        try:
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                pass_fds=(namespace.fd, ready_w, exit_r), start_new_session=True)
        except BaseException:
            for fd in (ready_r, ready_w, exit_r, self._exit_w):
                os.close(fd)
            log.close()
            self._remove_folder()
            raise
        os.close(ready_w)
        os.close(exit_r)
        try:
            ready = _wait_ready(ready_r, READY_TIMEOUT)
            if not ready:
                self.stop()
                log.seek(0)
                lines = log.read().decode(errors="replace").strip().splitlines()
                raise DfcError(f"{BINARY} failed to set up the network namespace"
                               + (f": {lines[-1]}" if lines else ""))
        except BaseException:
            self.stop()
            raise
        finally:
            os.close(ready_r)
            log.close()

    def add_hostfwd(self, mapping: PortMapping) -> None:
        """Forward `mapping`'s host address and port to the namespace's guest port."""
        if self.api_socket is None:
            raise DfcError("port forwarding needs the stack's API socket")
        request = {"execute": "add_hostfwd", "arguments": {
            "proto": mapping.protocol, "host_addr": mapping.host_ip or "0.0.0.0",
            "host_port": mapping.host_port, "guest_addr": GUEST_ADDRESS,
            "guest_port": mapping.container_port}}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as api:
            api.settimeout(READY_TIMEOUT)
            api.connect(self.api_socket)
            api.sendall(json.dumps(request).encode())
            api.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := api.recv(4096):
                reply += chunk
        answer = json.loads(reply or b"{}")
        if "error" in answer or "return" not in answer:
            raise DfcError(f"Bind for {mapping.host} failed: port is already allocated"
                           if _in_use(mapping) else
                           f"cannot publish {mapping}: {answer.get('error', answer)}")

    def stop(self) -> None:
        """Stop the stack (closing its exit fd), reap it, remove its socket: idempotent."""
        if self._exit_w >= 0:
            os.close(self._exit_w)
            self._exit_w = -1
        process = getattr(self, "process", None)
        if process is not None and process.returncode is None:
            try:
                process.wait(timeout=READY_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._remove_folder()

    def close_api(self) -> None:
        """No more forwards: remove the API socket's folder now, so that nothing of the
        stack stays on disk even if its owner is killed before `stop` (the stack keeps
        serving; it needs the path only to accept new connections)."""
        self._remove_folder()
        self.api_socket = None

    def _remove_folder(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _in_use(mapping: PortMapping) -> bool:
    """Whether the host port of `mapping` is taken (the usual reason a forward fails)."""
    kind = socket.SOCK_STREAM if mapping.protocol == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind((mapping.host_ip or "0.0.0.0", mapping.host_port))
        except OSError:
            return True
    return False
