"""The flags of `docker run`/`docker create` (docker 28's list): one that dfc does not
implement is refused by name as not supported, any other unknown flag with docker's
`unknown flag` words; both exit 125 as docker's flag errors do, never silently accepted."""

from __future__ import annotations

from typing import Any

import click
from typer.core import TyperCommand

DOCKER_RUN_FLAGS = frozenset("""
--add-host --attach --blkio-weight --blkio-weight-device --cap-add --cap-drop
--cgroup-parent --cgroupns --cidfile --cpu-period --cpu-quota --cpu-rt-period
--cpu-rt-runtime --cpu-shares --cpus --cpuset-cpus --cpuset-mems --detach --detach-keys
--device --device-cgroup-rule --device-read-bps --device-read-iops --device-write-bps
--device-write-iops --disable-content-trust --dns --dns-option --dns-search --domainname
--entrypoint --env --env-file --expose --gpus --group-add --health-cmd --health-interval
--health-retries --health-start-interval --health-start-period --health-timeout --help
--hostname --init --interactive --ip --ip6 --ipc --isolation --kernel-memory --label
--label-file --link --link-local-ip --log-driver --log-opt --mac-address --memory
--memory-reservation --memory-swap --memory-swappiness --mount --name --network
--network-alias --no-healthcheck --oom-kill-disable --oom-score-adj --pid --pids-limit
--platform --privileged --publish --publish-all --pull --quiet --read-only --restart --rm
--runtime --security-opt --shm-size --sig-proxy --stop-signal --stop-timeout --storage-opt
--sysctl --tmpfs --tty --ulimit --use-api-socket --user --userns --uts --volume
--volume-driver --volumes-from --workdir
""".split())
SHORTHANDS = {"-a": "--attach", "-c": "--cpu-shares", "-d": "--detach", "-e": "--env",
              "-h": "--hostname", "-i": "--interactive", "-l": "--label", "-m": "--memory",
              "-p": "--publish", "-P": "--publish-all", "-q": "--quiet", "-t": "--tty",
              "-u": "--user", "-v": "--volume", "-w": "--workdir"}


def refused(option: str) -> Exception:
    """The error for a flag the command does not take."""
    from dfc.runtime.containers.errors import ContainerError, not_supported

    name = option.partition("=")[0]
    long = SHORTHANDS.get(name, name)
    if long in DOCKER_RUN_FLAGS:
        shown = f"{name} ({long})" if long != name else name
        return not_supported(shown)
    return ContainerError(f"unknown flag: {name}")


class DockerRunCommand(TyperCommand):
    """`run` and `create`: docker's flag errors instead of click's usage text."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            raise refused(exc.option_name) from None
