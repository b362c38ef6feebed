"""`dfc build`: docker build's flags and behaviour.

No `from __future__ import annotations` here: typer reads build_command's signature on
every build, and string annotations would be compiled and evaluated four times (~4 ms);
evaluated once at definition, they cost a fraction of that.
"""

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from dfc.cache.store import Store
    from dfc.runtime.steps.execute import RunLimits


class Progress(StrEnum):
    auto = "auto"
    tty = "tty"
    plain = "plain"
    json = "json"
    rawjson = "rawjson"
    quiet = "quiet"


def checked_network(mode: str) -> str:
    """docker build's `--network` values (no container networks here)."""
    if mode not in ("default", "none", "host"):
        from dfc.errors import UsageError

        raise UsageError(f'invalid --network "{mode}" (expected default, none or host)')
    return mode


def parse_host(item: str) -> tuple[str, str]:
    """`--add-host name:ip` (or `name=ip`; the ip may be IPv6, with colons)."""
    import ipaddress

    from dfc.errors import UsageError

    name, sep, ip = item.partition("=") if "=" in item else item.partition(":")
    try:
        ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        raise UsageError(f"invalid argument {item!r} for --add-host: invalid IP address"
                         ) from None
    if not sep or not name:
        raise UsageError(f"invalid argument {item!r} for --add-host: expected name:ip")
    return name, ip.strip("[]")


def parse_annotations(items: list[str]) -> dict[str, str]:
    """buildx's `--annotation [TYPES:]KEY=VALUE`: dfc writes single-platform images, so
    the manifest (the default type) is the one place they can go.

    >>> parse_annotations(["a=1", "manifest:b=2"])
    {'a': '1', 'b': '2'}
    """
    from dfc.errors import UsageError

    annotations: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        kinds, _, name = key.rpartition(":")
        if not sep or not name:
            raise UsageError(f"invalid annotation {item!r}: expected KEY=VALUE")
        for kind in kinds.split(","):
            if kind.strip() not in ("", "manifest"):
                raise UsageError(f"invalid annotation {item!r}: type {kind!r} is not "
                                 "supported (dfc writes single-platform images: annotations "
                                 "go on the manifest)")
        annotations[name] = value
    return annotations


def run_limits(ulimits: list[str], shm_size: str | None) -> "RunLimits":
    """`--ulimit` (the last of one name wins, as in docker) and `--shm-size`."""
    from dfc.commands.builder import parse_size
    from dfc.runtime.sandbox.limits import DEFAULT_SHM_SIZE, parse_ulimit
    from dfc.runtime.steps.execute import RunLimits

    by_name = {limit.name: limit for limit in map(parse_ulimit, ulimits)}
    size = DEFAULT_SHM_SIZE if shm_size is None else parse_size(shm_size)
    if size <= 0:
        from dfc.errors import UsageError

        raise UsageError(f"invalid --shm-size {shm_size!r}: it must be greater than 0")
    return RunLimits(tuple(by_name[name] for name in sorted(by_name)), size)


def register(app: typer.Typer) -> None:
    app.command("build")(build_command)


def build_command(
    context: Annotated[str, typer.Argument(help="Context: a folder, - (stdin), a git or "
                                           "tar URL.")],
    tag: Annotated[list[str] | None, typer.Option("-t", "--tag", help="Name[:tag] "
                                                  "(repeatable).")] = None,
    file: Annotated[str | None, typer.Option("-f", "--file", help="Dockerfile path.")] = None,
    build_arg: Annotated[list[str] | None, typer.Option("--build-arg",
                                                        help="K=V (repeatable).")] = None,
    target: Annotated[str | None, typer.Option("--target", help="Stage to build.")] = None,
    platform: Annotated[str | None, typer.Option(
        "--platform", help="Target platform(s): a comma list builds one image per platform "
        "into an image index.")] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="K=V image label.")]
    = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")]
    = False,
    no_cache_filter: Annotated[list[str] | None, typer.Option(
        "--no-cache-filter", help="Stages not to take from the cache.")] = None,
    explain_cache: Annotated[bool, typer.Option(
        "--explain-cache", help="Say why each executed step missed the cache.")] = False,
    cache_from: Annotated[list[str] | None, typer.Option(
        "--cache-from", help="type=local,src=DIR or type=registry,ref=REF: reuse a cache "
        "exported with --cache-to (or an image's inline cache).")]
    = None,
    cache_to: Annotated[str | None, typer.Option(
        "--cache-to", help="type=local,dest=DIR | type=registry,ref=REF | type=inline, "
        "[,mode=min|max]: export the build cache.")]
    = None,
    iidfile: Annotated[Path | None, typer.Option("--iidfile", help="Write the image ID "
                                                 "here.")] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Print only the image ID.")]
    = False,
    progress: Annotated[Progress, typer.Option(
        "--progress", envvar="BUILDKIT_PROGRESS", show_envvar=False,
        help="Progress output: auto (tty on a terminal, else plain), tty, plain, json, "
        "rawjson (BuildKit's solve status), quiet; on stderr.")] = Progress.auto,
    metadata_file: Annotated[Path | None, typer.Option(
        "--metadata-file", help="Write the build's metadata (buildx's keys) to FILE.")]
    = None,
    root: Annotated[Path | None, typer.Option("--root", envvar="DFC_ROOT",
                                              help="Store folder.")] = None,
    runtime: Annotated[str, typer.Option("--runtime", help="RUN sandbox: native, runc, "
                                         "crun.")] = "native",
    output: Annotated[list[str] | None, typer.Option(
        "-o", "--output", help="type=oci|docker|local|tar,dest=PATH, "
        "type=image|registry[,name=NAME][,push=true], or a folder (local), or - (tar to "
        "stdout); the image kinds take compression=gzip|zstd|uncompressed, "
        "compression-level=N, force-compression=true; repeatable.")] = None,
    secret: Annotated[list[str] | None, typer.Option(
        "--secret", help="id=ID,src=PATH or id=ID,env=VAR: a secret RUN --mount=type=secret "
        "can read (repeatable).")] = None,
    add_host: Annotated[list[str] | None, typer.Option(
        "--add-host", help="name:ip for the /etc/hosts of RUN steps (repeatable).")] = None,
    network: Annotated[str, typer.Option(
        "--network", help="Networking of RUN steps: default (a private network), none or "
        "host.")] = "default",
    pull: Annotated[bool, typer.Option("--pull", help="Always look for newer versions of "
                                       "the base images.")] = False,
    push: Annotated[bool, typer.Option("--push", help="Push the tagged image to its "
                                       "registry after the build.")] = False,
    ulimit: Annotated[list[str] | None, typer.Option(
        "--ulimit", help="name=soft[:hard] resource limit of RUN steps (repeatable).")]
    = None,
    shm_size: Annotated[str | None, typer.Option(
        "--shm-size", help="Size of /dev/shm in RUN steps (e.g. 128m; default 64m).")]
    = None,
    annotation: Annotated[list[str] | None, typer.Option(
        "--annotation", help="[manifest:]KEY=VALUE annotation of the image manifest "
        "(repeatable).")] = None,
    build_context: Annotated[list[str] | None, typer.Option(
        "--build-context", help="NAME=DIR | NAME=docker-image://REF | "
        "NAME=oci-layout://PATH[@sha256:DIGEST]: what FROM NAME and COPY --from=NAME use, "
        "and what replaces a stage named NAME (repeatable).")] = None,
    ssh: Annotated[list[str] | None, typer.Option(
        "--ssh", help="default|ID[=SOCKET]: an ssh-agent socket RUN --mount=type=ssh can "
        "use (default: $SSH_AUTH_SOCK; repeatable).")] = None,
    load: Annotated[bool, typer.Option(
        "--load", help="Load the result into the docker engine (DOCKER_HOST or "
        "/var/run/docker.sock), as -o type=docker does.")] = False,
) -> None:
    """Build an image from a Dockerfile and a context."""
    from dfc.build import BuildRequest, build
    from dfc.cache.store import Store
    from dfc.cache.transfer import parse_cache_option
    from dfc.commands.options import parse_key_values
    from dfc.progress import reporter
    from dfc.runtime.contexts import parse_build_context
    from dfc.runtime.images.export import parse_output
    from dfc.runtime.secrets import parse_secret, parse_ssh


    request = BuildRequest(
        context=context, dockerfile=file, tags=tuple(tag or ()),
        build_args=parse_key_values(build_arg or [], "--build-arg"), target=target,
        platform=platform, labels=parse_key_values(label or [], "--label"),
        no_cache=no_cache,
        no_cache_filter=tuple(n for item in no_cache_filter or [] for n in item.split(",")),
        explain_cache=explain_cache,
        cache_from=tuple(parse_cache_option(v, "--cache-from") for v in cache_from or ()),
        cache_to=parse_cache_option(cache_to, "--cache-to") if cache_to else None,
        backend=runtime,
        outputs=tuple(parse_output(o) for o in [*(output or ()), *(["type=docker"] if load
                                                                    else [])]),
        secrets=tuple(parse_secret(s) for s in secret or ()), pull=pull,
        network=checked_network(network),
        add_hosts=tuple(parse_host(item) for item in add_host or ()),
        limits=run_limits(ulimit or [], shm_size),
        annotations=parse_annotations(annotation or []),
        contexts=tuple(parse_build_context(c) for c in build_context or ()),
        ssh=tuple(parse_ssh(s) for s in ssh or ()),
    )
    from dfc.errors import UsageError

    if push and not tag:
        raise UsageError("--push needs a name: add -t NAME[:TAG]")
    for spec in request.outputs:
        if spec.push and not (spec.names or tag):
            raise UsageError(f"type={spec.type} needs a name to push: add name=NAME or -t NAME")
    report = reporter(progress.value, quiet)
    store = Store(root)
    try:
        result = build(request, store, report, sys.stdin.buffer, sys.stdout.buffer)
    finally:
        close = getattr(report, "close", None)
        if close is not None:
            close()
    to_push = (*result.tags, *result.pushes) if push else result.pushes
    if to_push:
        push_tags(store, tuple(dict.fromkeys(to_push)), quiet)
    if any(spec.loads for spec in request.outputs):
        from dfc.runtime.images.docker_load import load_into_docker

        for line in load_into_docker(store, store.resolve(result.manifest), result.tags):
            typer.echo(line, err=True)
    if iidfile is not None:
        iidfile.write_text(result.image_id)
    if metadata_file is not None:
        from dfc.build_metadata import write_metadata_file

        write_metadata_file(metadata_file, store, result)
    if quiet:
        typer.echo(result.image_id)


def push_tags(store: "Store", tags: tuple[str, ...], quiet: bool) -> None:
    """`--push`: each name the build gave, as `dfc push NAME` would."""
    from dfc.reference import parse_reference
    from dfc.registry_progress import transfers
    from dfc.runtime.registry.config import load_settings
    from dfc.runtime.registry.push import push

    settings = load_settings()
    for tag in tags:
        with transfers(quiet, sys.stderr) as report:
            push(store, parse_reference(tag), settings, report)
