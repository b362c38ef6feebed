"""`run`/`create --pull`: the image a container starts from is pulled the way `docker run`
pulls it. `missing` (the default) pulls an image the store lacks, after saying so; `always`
pulls before every run; `never` refuses an image the store lacks. Pull progress goes to
stderr, as docker's does, so a container's stdout stays its own; `-q` silences both.

As docker's CLI does, the container is created first and the image pulled only when the
store turns out to lack it: a run of a present image costs no extra lookup."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.cache.store import Store
    from dfc.runtime.containers.engine import RunOptions
    from dfc.runtime.containers.store import Container

PULL_POLICIES = ("always", "missing", "never")


def check_policy(policy: str) -> None:
    """Docker's words for a `--pull` value it does not know (before anything else runs)."""
    from dfc.runtime.containers.errors import ContainerError

    if policy not in PULL_POLICIES:
        raise ContainerError(f"invalid pull option: '{policy}': must be one of \"always\", "
                             "\"missing\" or \"never\"")


def create_container(store: Store, opts: RunOptions, policy: str, platform: str | None,
                     quiet: bool, exit_code: int) -> Container:
    """`engine.create` with the image pulled as `policy` says; a failure to find or pull
    it is one line with `exit_code` (125 for `run`, 1 for `create`, as docker)."""
    from dfc.runtime.containers import engine
    from dfc.runtime.containers.errors import ContainerError, ImageMissing

    check_policy(policy)
    if policy == "always":
        pull_image(store, opts.image, platform, quiet, exit_code)
    try:
        return engine.create(store, opts)
    except ImageMissing as missing:
        if policy != "missing":
            raise ContainerError(missing.message, exit_code) from None
        shown = missing.shown
    if not quiet:
        print(f"Unable to find image '{shown}' locally", file=sys.stderr, flush=True)
    pull_image(store, opts.image, platform, quiet, exit_code)
    return engine.create(store, opts)


def pull_image(store: Store, image: str, platform: str | None, quiet: bool, exit_code: int
               ) -> None:
    """`dfc pull IMAGE`, its progress on stderr (nothing with `quiet`)."""
    from dfc.commands.registry import settings_of
    from dfc.platform import parse_platform
    from dfc.reference import parse_named
    from dfc.registry_progress import transfers
    from dfc.runtime.containers.errors import ContainerError
    from dfc.runtime.registry.pull import pull

    try:
        ref = parse_named(image).with_default_tag()
        with transfers(quiet, sys.stderr) as report:
            pull(store, ref, settings_of(None), report,
                 parse_platform(platform) if platform else None)
    except DfcError as exc:
        raise ContainerError(exc.message, exit_code) from None
