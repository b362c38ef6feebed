"""`dfc pull`, `dfc push`, `dfc login`, `dfc logout`, `dfc search`, `dfc manifest …`:
Docker's commands, flags and output against OCI distribution registries."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the commands import what they use when they run
    from dfc.cache.store import Store
    from dfc.reference import Reference
    from dfc.runtime.registry.config import RegistrySettings
    from dfc.runtime.registry.search import SearchResult

RootOpt = Annotated[Path | None, typer.Option("--root", envvar="DFC_ROOT", help="Store folder.")]
InsecureOpt = Annotated[list[str] | None, typer.Option(
    "--insecure-registry", help="Registry (host[:port] or CIDR) to reach over plain HTTP "
    "(repeatable); loopback always is.")]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Print only the result.")]


def register(app: typer.Typer) -> None:
    from dfc.commands import registry_manifest

    app.command("pull")(pull_command)
    app.command("push")(push_command)
    app.command("login")(login_command)
    app.command("logout")(logout_command)
    app.command("search")(search_command)
    app.add_typer(registry_manifest.app, name="manifest")


def settings_of(insecure: list[str] | None) -> RegistrySettings:
    from dfc.runtime.registry.config import load_settings

    return load_settings(tuple(insecure or ()))


def pull_command(
    name: Annotated[str, typer.Argument(help="NAME[:TAG|@DIGEST]")],
    platform: Annotated[str | None, typer.Option(
        "--platform", help="os/arch[/variant] to pick from a multi-platform image.")] = None,
    quiet: QuietOpt = False,
    all_tags: Annotated[bool, typer.Option("-a", "--all-tags", help="Download all tagged "
                                           "images in the repository.")] = False,
    root: RootOpt = None,
    insecure_registry: InsecureOpt = None,
) -> None:
    """Download an image from a registry."""
    from dfc.cache.store import Store
    from dfc.platform import parse_platform
    from dfc.reference import parse_named
    from dfc.registry_progress import transfers
    from dfc.runtime.registry.pull import pull, pull_all_tags

    named = parse_named(name)
    if all_tags:
        with transfers(quiet) as report:
            pull_all_tags(Store(root), named, settings_of(insecure_registry), report,
                          parse_platform(platform) if platform else None)
        typer.echo(named.name)
        return
    ref = named.with_default_tag()
    if not quiet and ref != named:
        typer.echo("Using default tag: latest")
    store = Store(root)
    with transfers(quiet) as report:
        pull(store, ref, settings_of(insecure_registry), report,
             parse_platform(platform) if platform else None)
    typer.echo(str(ref))


def push_command(
    name: Annotated[str, typer.Argument(help="NAME[:TAG]")],
    quiet: QuietOpt = False,
    all_tags: Annotated[bool, typer.Option("-a", "--all-tags", help="Push all tags of the "
                                           "repository.")] = False,
    root: RootOpt = None,
    insecure_registry: InsecureOpt = None,
) -> None:
    """Upload an image to a registry."""
    from dfc.cache.store import Store
    from dfc.reference import parse_named, parse_reference
    from dfc.registry_progress import transfers
    from dfc.runtime.registry.push import push

    if all_tags:
        push_all_tags(Store(root), parse_named(name), quiet, settings_of(insecure_registry))
        return
    ref = parse_reference(name)
    with transfers(quiet) as report:
        result = push(Store(root), ref, settings_of(insecure_registry), report)
    if quiet:
        typer.echo(f"{ref.name}:{result.tag}")


def push_all_tags(store: Store, repo: Reference, quiet: bool,
                  settings: RegistrySettings) -> None:
    """`docker push --all-tags`: every tag the store holds for the repository."""
    from dfc.errors import DfcError
    from dfc.reference import parse_reference
    from dfc.registry_progress import transfers
    from dfc.runtime.registry.push import push

    if repo.tag is not None or repo.digest is not None:
        raise DfcError("tag can't be used with --all-tags/-a")
    names = sorted(n for r in store.images() for n in r.names
                   if n.rpartition(":")[0] == repo.name)
    if not names:
        raise DfcError(f"An image does not exist locally with the tag: {repo.familiar()}")
    for full in names:
        ref = parse_reference(full)
        with transfers(quiet) as report:
            result = push(store, ref, settings, report)
        if quiet:
            typer.echo(f"{ref.name}:{result.tag}")


def login_command(
    server: Annotated[str | None, typer.Argument(help="Registry (default: Docker Hub).")]
    = None,
    username: Annotated[str | None, typer.Option("-u", "--username")] = None,
    password: Annotated[str | None, typer.Option("-p", "--password")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from stdin.")] = False,
    insecure_registry: InsecureOpt = None,
) -> None:
    """Log in to a registry; the login is saved as Docker saves it (credential helper or
    config.json)."""
    from dfc.errors import UsageError
    from dfc.runtime.registry.config import Credentials, store_credentials
    from dfc.runtime.registry.connect import check_login
    from dfc.runtime.registry.hosts import registry_of_server

    if password_stdin:
        if password is not None:
            raise UsageError("--password and --password-stdin are mutually exclusive")
        if username is None:
            raise UsageError("Must provide --username with --password-stdin")
        password = sys.stdin.read().rstrip("\r\n")
    elif password is not None:
        typer.echo("WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
                   err=True)
    if username is None:
        username = typer.prompt("Username")
    if password is None:
        password = typer.prompt("Password", hide_input=True)
    if not username or not password:
        raise UsageError("Error: Cannot perform an interactive login without a username "
                         "and a password")
    registry = registry_of_server(server)
    settings = settings_of(insecure_registry)
    credentials = Credentials(username, password)
    check_login(registry, settings, credentials)
    stored = store_credentials(registry, credentials, settings)
    if stored.helper is None:
        typer.echo(f"\nWARNING! Your credentials are stored unencrypted in '{stored.path}'.\n"
                   "Configure a credential helper to remove this warning. See\n"
                   "https://docs.docker.com/go/credential-store/\n", err=True)
    typer.echo("Login Succeeded")


def logout_command(
    server: Annotated[str | None, typer.Argument(help="Registry (default: Docker Hub).")]
    = None,
) -> None:
    """Forget the saved login for a registry (as docker 28: whether or not there was one)."""
    from dfc.runtime.registry.config import erase_credentials
    from dfc.runtime.registry.hosts import DOCKER_HUB_INDEX, registry_of_server

    shown = server.split("://", 1)[-1].split("/", 1)[0] if server else DOCKER_HUB_INDEX
    typer.echo(f"Removing login credentials for {shown}")
    failures = erase_credentials(registry_of_server(server))
    if failures:
        typer.echo("WARNING: could not erase credentials:\n" + "\n".join(failures), err=True)


def search_command(
    term: Annotated[str, typer.Argument(help="Text to look for in repository names.")],
    limit: Annotated[int, typer.Option("--limit", help="Most results to show.")] = 25,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="Go template, as docker's: {{.Name}} {{.Description}} "
        "{{.StarCount}} {{.IsOfficial}} {{.IsAutomated}}; `table` adds a header.")] = None,
    registry: Annotated[str, typer.Option("--registry", help="Registry to search.")]
    = "docker.io",
    no_trunc: Annotated[bool, typer.Option("--no-trunc", help="Do not truncate.")] = False,
    insecure_registry: InsecureOpt = None,
) -> None:
    """Search a registry: Docker Hub's search API, or any registry's catalog and tags."""
    from dfc.runtime.registry.search import search

    registry, term = search_index(registry, term)
    results = search(registry, term, limit, settings_of(insecure_registry))
    typer.echo(render(results, fmt, truncate=not no_trunc), nl=False)


def search_index(registry: str, term: str) -> tuple[str, str]:
    """`docker search HOST/TERM` searches HOST: a first component with a `.` or a `:`,
    or `localhost`, names the registry, as docker splits a search term.

    >>> search_index("docker.io", "localhost:5000/tool"), search_index("docker.io", "a/b")
    (('localhost:5000', 'tool'), ('docker.io', 'a/b'))
    """
    host, sep, rest = term.partition("/")
    if sep and ("." in host or ":" in host or host == "localhost"):
        return host, rest
    return registry, term


def render(results: list[SearchResult], template: str | None, truncate: bool) -> str:
    """Docker's search table, or the results through a `--format` template."""
    from dfc.commands.formatting import Template, chosen_format, ellipsis

    def description(text: str) -> str:
        return ellipsis(text, 45) if truncate else text

    # docker's search context gives every field as a string, booleans as `[OK]` or ``
    rows = [{"Name": r.name, "Description": description(r.description),
             "StarCount": str(r.star_count), "IsOfficial": "[OK]" if r.is_official else "",
             "IsAutomated": "[OK]" if r.is_automated else ""} for r in results]
    template = chosen_format(
        template, "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}")
    headers = {"Name": "NAME", "Description": "DESCRIPTION", "StarCount": "STARS",
               "IsOfficial": "OFFICIAL", "IsAutomated": "AUTOMATED"}
    return Template(template, list(headers), "*formatter.searchContext").render(rows, headers)
