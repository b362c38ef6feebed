"""A private network: its own namespace, outbound access through the user-mode stack, and
the published ports forwarded into it; ready before anything runs in it."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from dfc.runtime.network.namespace import NetworkNamespace, new_namespace
from dfc.runtime.network.ports import PortMapping, with_host_ports
from dfc.runtime.network.slirp import Slirp4netns


class PrivateNetwork:
    """What a container or a RUN step joins by `path` (`--network` private, docker's
    default). Use as a context manager, or `close` it: nothing of it outlives that."""

    def __init__(self, ports: Iterable[PortMapping] = ()):
        self.namespace: NetworkNamespace | None = new_namespace()
        self.stack: Slirp4netns | None = None
        try:
            self.ports = with_host_ports(ports)
            """The published ports, each with its host port picked."""
            self.stack = Slirp4netns(self.namespace, api=bool(self.ports))
            for mapping in self.ports:
                self.stack.add_hostfwd(mapping)
            self.stack.close_api()
        except BaseException:
            self.close()
            raise

    @property
    def path(self) -> str:
        assert self.namespace is not None, "the network is closed"
        return self.namespace.path

    def close(self) -> None:
        """Stop the stack, then let the namespace go: idempotent."""
        try:
            if self.stack is not None:
                self.stack.stop()
                self.stack = None
        finally:
            if self.namespace is not None:
                self.namespace.close()
                self.namespace = None

    def __enter__(self) -> PrivateNetwork:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
