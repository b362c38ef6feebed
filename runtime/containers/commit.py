"""`docker commit`: a container's writable layer as a new image on top of its image.

The upper dir becomes one layer through the build's own writer (fs/changeset.py turns
overlay whiteouts into `.wh.` files and opaque folders into `.wh..wh..opq`; fs/layer.py
writes the reproducible tar). The config is the container's (the image's with the run
options applied, as Docker commits it) with the `--change` instructions on top; the
history gains one entry: the container's command as `created_by`, the message as its
comment. A running container is frozen while its layer is read (`--pause`, the
default), so the layer is one moment of it.

Nothing is named before everything is written: a refused `--change` or a failed layer
leaves at most unnamed blobs, which `image prune` and the store's gc reclaim.
"""

from __future__ import annotations

import msgspec

from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.runtime.containers import pause
from dfc.runtime.containers import state as st
from dfc.runtime.containers.store import Container
from dfc.runtime.fs.changeset import upper_entries
from dfc.runtime.fs.layer import write_layer
from dfc.runtime.images.config import (
    ContainerConfig,
    Empty,
    History,
    ImageConfig,
    RootFS,
    StoredImage,
    write_image,
)


class CommitOptions(msgspec.Struct, frozen=True):
    author: str = ""
    message: str = ""
    changes: tuple[str, ...] = ()
    pause: bool = True
    reference: str | None = None
    """REPO[:TAG], or None for an untagged image."""


def container_config(record: st.Record, image: ContainerConfig) -> ContainerConfig:
    """What Docker writes as the committed image's config: the container's `.Config`
    (the run options over the image's), with what a container does not carry (health
    check, SHELL) kept from the image."""
    config = record.config
    return ContainerConfig(
        hostname=config.hostname, domainname=config.domainname, user=config.user,
        attach_stdin=config.attach_stdin, attach_stdout=config.attach_stdout,
        attach_stderr=config.attach_stderr,
        exposed_ports={k: Empty() for k in config.exposed_ports or {}} or None,
        tty=config.tty, open_stdin=config.open_stdin, stdin_once=config.stdin_once,
        env=tuple(config.env) if config.env is not None else None,
        cmd=tuple(config.cmd) if config.cmd is not None else None,
        healthcheck=image.healthcheck, image=config.image,
        volumes={k: Empty() for k in config.volumes} if config.volumes else None,
        working_dir=config.working_dir,
        entrypoint=tuple(config.entrypoint) if config.entrypoint is not None else None,
        on_build=tuple(config.on_build) if config.on_build is not None else None,
        labels=dict(config.labels), stop_signal=config.stop_signal, shell=image.shell,
    )


def with_changes(config: ContainerConfig, changes: tuple[str, ...], platform: str
                 ) -> ContainerConfig:
    """`--change` instructions applied as a Dockerfile would apply them; the fields no
    instruction reaches (host name, attach flags...) stay as they were."""
    from dfc.compiler.changes import apply_changes
    from dfc.runtime.images.convert import to_compiler, to_image

    if not changes:
        return config
    changed = to_image(apply_changes(to_compiler(config), changes, platform))
    fields = ("user", "exposed_ports", "env", "entrypoint", "cmd", "volumes", "working_dir",
              "labels", "healthcheck", "on_build")
    return msgspec.structs.replace(config, **{f: getattr(changed, f) for f in fields})


def commit(store: Store, container: Container, opts: CommitOptions) -> StoredImage:
    """Write the image (and name it, if asked); returns it."""
    from dfc.reference import tag_name

    name = tag_name(opts.reference) if opts.reference else None  # refuse a bad name first
    manifest = store.read_json(container.record.manifest, Manifest)
    base = store.read_json(manifest.config.digest, ImageConfig)
    config = with_changes(container_config(container.record, base.config), opts.changes,
                          str(base.platform))
    frozen = opts.pause and container.state.status == "running" \
        and container.supervisor_alive()
    if frozen:
        pause.freeze(container)
    try:
        with store.gc_lock(shared=True):
            layer = write_layer(store, upper_entries(str(container.upper)))
            created = st.now_rfc3339()
            history = History(created=created, author=opts.author or None,
                              created_by=" ".join(container.record.config.cmd or ()),
                              comment=opts.message or None, empty_layer=layer is None)
            image = ImageConfig(
                architecture=base.architecture, os=base.os, variant=base.variant,
                created=created, author=opts.author or None, config=config,
                rootfs=RootFS(diff_ids=(*base.rootfs.diff_ids,
                                        *([layer.diff_id] if layer else []))),
                history=(*base.history, history))
            stored = write_image(store, image, [*manifest.layers,
                                                *([layer.descriptor] if layer else [])])
            if name is not None:
                store.tag(name, stored.manifest)
            else:
                store.add(stored.manifest)
    finally:
        if frozen:
            pause.thaw(container)
    return stored
