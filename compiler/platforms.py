"""The automatic platform ARGs (section 3.5). Platforms themselves are parsed and
normalised by dfc.platform, the one home of containerd's rules."""

from __future__ import annotations

from dfc.platform import Platform

AUTOMATIC_ARGS = (
    "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
    "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT",
    "TARGETSTAGE",
)


def platform_args(build: Platform, target: Platform, target_stage: str) -> dict[str, str]:
    """The automatic ARGs in global scope, before --build-arg overrides.

    >>> args = platform_args(Platform("amd64", "linux"), Platform("arm", "linux", "v7"), "x")
    >>> args["TARGETPLATFORM"], args["TARGETARCH"], args["TARGETVARIANT"]
    ('linux/arm/v7', 'arm', 'v7')
    """
    values = (
        str(build), build.os, "", build.architecture, build.variant or "",
        str(target), target.os, "", target.architecture, target.variant or "",
        target_stage,
    )
    return dict(zip(AUTOMATIC_ARGS, values, strict=True))
