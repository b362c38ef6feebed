"""Image configs between the compiler's view (what a Dockerfile changes) and the OCI
config blob (what an image stores): one conversion each way."""

from __future__ import annotations

from dfc.compiler import ir
from dfc.runtime.images import config as image


def to_compiler(config: image.ContainerConfig, author: str | None = None) -> ir.ImageConfig:
    """A stored image's config as the compiler sees a base image."""
    health = None
    if config.healthcheck is not None:
        h = config.healthcheck
        health = ir.Healthcheck(test=h.test, interval=h.interval or 0, timeout=h.timeout or 0,
                                start_period=h.start_period or 0,
                                start_interval=h.start_interval or 0, retries=h.retries or 0)
    return ir.ImageConfig(
        user=config.user or "", exposed_ports=tuple(sorted(config.exposed_ports or {})),
        env=config.env or (), entrypoint=config.entrypoint or (), cmd=config.cmd or (),
        volumes=tuple(sorted(config.volumes or {})), working_dir=config.working_dir or "",
        labels=dict(config.labels or {}), stop_signal=config.stop_signal or "",
        args_escaped=bool(config.args_escaped), healthcheck=health,
        on_build=config.on_build or (), shell=config.shell or (), author=author or "",
    )


def to_image(config: ir.ImageConfig) -> image.ContainerConfig:
    """The compiler's final stage config as the image's `config` object."""
    health = None
    if config.healthcheck is not None:
        h = config.healthcheck
        health = image.Healthcheck(test=h.test, interval=h.interval or None,
                                   timeout=h.timeout or None,
                                   start_period=h.start_period or None,
                                   start_interval=h.start_interval or None,
                                   retries=h.retries or None)
    return image.ContainerConfig(
        user=config.user or None,
        exposed_ports={p: image.Empty() for p in config.exposed_ports} or None,
        env=config.env or None, entrypoint=config.entrypoint or None,
        cmd=config.cmd or None,
        volumes={v: image.Empty() for v in config.volumes} or None,
        working_dir=config.working_dir or None, labels=config.labels or None,
        stop_signal=config.stop_signal or None, args_escaped=config.args_escaped or None,
        healthcheck=health, on_build=config.on_build or None, shell=config.shell or None,
    )
