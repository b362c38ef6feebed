"""Where registry settings come from, as Docker keeps them.

Credentials: the Docker CLI's `config.json` (`$DOCKER_CONFIG/config.json`, default
`~/.docker/config.json`): a credential helper named by `credHelpers` (per registry) or
`credsStore` (all), else `auths` entries keyed by server with `auth` = base64(user:pass)
or an `identitytoken`; `dfc login`/`dfc logout` write the same places, so docker and dfc
share logins.
Daemon settings: `insecure-registries` and `registry-mirrors`, read from the daemon's
`daemon.json` (`$DFC_DAEMON_CONFIG`, default `/etc/docker/daemon.json`) so dfc talks to the
same registries the same way dockerd on this machine does.
"""

from __future__ import annotations

import base64
import ipaddress
import os
from pathlib import Path
from typing import Any

import msgspec

from dfc.cache.fsutil import atomic_write
from dfc.errors import DfcError
from dfc.reference import DOCKER_HUB
from dfc.runtime.registry import credhelpers
from dfc.runtime.registry.hosts import DOCKER_HUB_INDEX, registry_of_server

DAEMON_CONFIG = Path("/etc/docker/daemon.json")


class Credentials(msgspec.Struct, frozen=True):
    """A login; `identity_token` is an OAuth2 refresh token, used instead of the password
    to get registry tokens, as docker uses it."""

    username: str
    password: str
    identity_token: str | None = None


class DaemonSettings(msgspec.Struct, frozen=True, rename="kebab"):
    """The registry part of daemon.json."""

    insecure_registries: tuple[str, ...] = ()
    registry_mirrors: tuple[str, ...] = ()


class RegistrySettings(msgspec.Struct, frozen=True):
    """Everything that decides how dfc reaches a registry."""

    insecure: tuple[str, ...] = ()
    mirrors: tuple[str, ...] = ()
    config_dir: Path | None = None

    def is_insecure(self, host: str) -> bool:
        """Loopback always, as Docker does; else a listed `host[:port]` or CIDR."""
        if host.startswith("["):
            name = host[1:host.find("]")]
        else:
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if name == "localhost" or _is_loopback(name):
            return True
        for entry in self.insecure:
            if entry in (host, name):
                return True
            if "/" in entry and _in_network(name, entry):
                return True
        return False


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _in_network(name: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(name) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def load_settings(insecure: tuple[str, ...] = ()) -> RegistrySettings:
    """daemon.json's settings plus `--insecure-registry` values."""
    path = Path(os.environ.get("DFC_DAEMON_CONFIG") or DAEMON_CONFIG)
    daemon = DaemonSettings()
    if path.is_file():
        try:
            daemon = msgspec.json.decode(path.read_bytes(), type=DaemonSettings)
        except msgspec.DecodeError as exc:
            raise DfcError(f"invalid daemon configuration {path}: {exc}") from None
    return RegistrySettings(insecure=(*daemon.insecure_registries, *insecure),
                            mirrors=daemon.registry_mirrors)


def config_dir(settings: RegistrySettings | None = None) -> Path:
    if settings is not None and settings.config_dir is not None:
        return settings.config_dir
    env = os.environ.get("DOCKER_CONFIG")
    return Path(env) if env else Path.home() / ".docker"


def _server_key(registry: str) -> str:
    return DOCKER_HUB_INDEX if registry == DOCKER_HUB else registry


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = msgspec.json.decode(path.read_bytes())
    except msgspec.DecodeError as exc:
        raise DfcError(f"invalid Docker config file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise DfcError(f"invalid Docker config file {path}: not an object")
    return data


def helper_for(registry: str, settings: RegistrySettings | None = None) -> str | None:
    """The credential helper config.json names for a registry: `credHelpers` by host,
    else `credsStore`; None when logins live in `auths`."""
    data = _read_config(config_dir(settings) / "config.json")
    helpers = data.get("credHelpers") or {}
    for key, name in helpers.items():
        if registry_of_server(key) == registry and isinstance(name, str) and name:
            return name
    store = data.get("credsStore")
    return store if isinstance(store, str) and store else None


def credentials_for(registry: str, settings: RegistrySettings | None = None
                    ) -> Credentials | None:
    """The stored login for a registry: from its credential helper if one is configured
    (a helper that fails counts as no login, as in docker), else from `auths`, whose keys
    may be a host or a URL, as Docker writes them."""
    if (helper := helper_for(registry, settings)) is not None:
        try:
            found = credhelpers.get(helper, _server_key(registry))
        except credhelpers.HelperError:
            return None
        if found is None:
            return None
        if found.username == credhelpers.TOKEN_USER:
            return Credentials("", "", identity_token=found.secret)
        return Credentials(found.username, found.secret)
    path = config_dir(settings) / "config.json"
    auths = _read_config(path).get("auths") or {}
    for key, entry in auths.items():
        if registry_of_server(key) != registry or not isinstance(entry, dict):
            continue
        token = entry.get("identitytoken") or None
        if entry.get("username") and entry.get("password"):
            return Credentials(entry["username"], entry["password"], token)
        if auth := entry.get("auth"):
            try:
                user, sep, password = base64.b64decode(auth).decode().partition(":")
            except ValueError:
                raise DfcError(f"invalid auth entry for {key} in {path}") from None
            if sep:
                return Credentials(user, password, token)
        if token:
            return Credentials("", "", identity_token=token)
    return None


class Stored(msgspec.Struct, frozen=True):
    """Where `dfc login` put a login: a helper's keychain, or config.json in clear."""

    path: Path
    helper: str | None


def store_credentials(registry: str, credentials: Credentials,
                      settings: RegistrySettings | None = None) -> Stored:
    """Save a login: through the registry's credential helper when one is configured
    (config.json then keeps an empty `auths` entry, as docker's does, which is what
    `logout` looks for), else in `auths` (mode 0600)."""
    folder = config_dir(settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "config.json"
    helper = helper_for(registry, settings)
    key = _server_key(registry)
    if helper is not None:
        try:
            credhelpers.store(helper, key, credentials.username, credentials.password)
        except credhelpers.HelperError as exc:
            raise DfcError("Error saving credentials: error storing credentials - err: "
                           f"{exc.message}") from None
        entry: dict[str, str] = {}
    else:
        token = f"{credentials.username}:{credentials.password}".encode()
        entry = {"auth": base64.b64encode(token).decode()}
    data = _read_config(path)
    auths = {k: v for k, v in (data.get("auths") or {}).items()
             if registry_of_server(k) != registry}
    auths[key] = entry
    data["auths"] = auths
    _write_private(path, data)
    return Stored(path, helper)


def erase_credentials(registry: str, settings: RegistrySettings | None = None
                      ) -> list[str]:
    """Remove a login, as docker 28's `logout` does: through the credential helper for
    each form docker may have saved the server under (host, http://host, https://host),
    and from `auths`. When every form failed for another reason than "not found", returns
    the failures (for a warning) and leaves `auths` as it was, as docker does."""
    path = config_dir(settings) / "config.json"
    data = _read_config(path)
    failures: list[str] = []
    if (helper := helper_for(registry, settings)) is not None:
        key = _server_key(registry)
        forms = [key] if registry == DOCKER_HUB else [key, f"http://{key}", f"https://{key}"]
        for form in forms:
            try:
                credhelpers.erase(helper, form)
            except credhelpers.NotFound:
                continue
            except credhelpers.HelperError as exc:
                failures.append(f"{form}: error erasing credentials - err: {exc.message}")
        if len(failures) == len(forms):
            return failures
    auths = data.get("auths") or {}
    kept = {k: v for k, v in auths.items() if registry_of_server(k) != registry}
    if len(kept) != len(auths):
        data["auths"] = kept
        _write_private(path, data)
    return []


def _write_private(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, msgspec.json.format(msgspec.json.encode(data), indent=1) + b"\n")
    os.chmod(path, 0o600)
