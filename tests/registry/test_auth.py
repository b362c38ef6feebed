"""Basic (htpasswd) and Bearer (token server) registries: login, logout, config.json, and
clear refusals."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from dfc.cache.store import Store


def _push(run_dfc, store: Store, name: str):  # type: ignore[no-untyped-def]
    store.tag(name, store.resolve("app:1").manifest)
    return run_dfc("push", name, "--root", str(store.root))


def test_basic_auth_needs_login_and_login_writes_docker_config(
        basic_registry, image_store: Store, empty_store: Store, run_dfc,
        docker_config: Path) -> None:
    name = f"{basic_registry.host}/basic/app:1"
    refused = _push(run_dfc, image_store, name)
    assert refused.returncode == 1
    assert "authentication required" in refused.stderr
    assert f"dfc login {basic_registry.host}" in refused.stderr

    wrong = run_dfc("login", basic_registry.host, "-u", "dfc", "--password-stdin",
                    input="nope\n")
    assert wrong.returncode == 1 and "login to" in wrong.stderr
    assert not (docker_config / "config.json").exists()

    ok = run_dfc("login", basic_registry.host, "-u", "dfc", "--password-stdin", input="s3cret\n")
    assert ok.returncode == 0 and ok.stdout.strip() == "Login Succeeded"
    config = json.loads((docker_config / "config.json").read_text())
    assert base64.b64decode(config["auths"][basic_registry.host]["auth"]) == b"dfc:s3cret"
    assert (docker_config / "config.json").stat().st_mode & 0o777 == 0o600

    assert _push(run_dfc, image_store, name).returncode == 0
    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr

    out = run_dfc("logout", basic_registry.host)
    assert out.stdout.strip() == f"Removing login credentials for {basic_registry.host}"
    assert json.loads((docker_config / "config.json").read_text())["auths"] == {}
    assert run_dfc("pull", name, "--root", str(empty_store.root)).returncode == 1


def test_credentials_docker_wrote_are_used(basic_registry, image_store: Store, run_dfc,
                                           docker_config: Path) -> None:
    token = base64.b64encode(b"dfc:s3cret").decode()
    (docker_config / "config.json").write_text(json.dumps(
        {"auths": {f"https://{basic_registry.host}": {"auth": token}}, "psFormat": "x"}))
    assert _push(run_dfc, image_store, f"{basic_registry.host}/docker/app:1").returncode == 0


def test_bearer_token_flow(token_registry, token_server, image_store: Store, empty_store: Store,
                           run_dfc, docker_config: Path) -> None:
    name = f"{token_registry.host}/token/app:1"
    anonymous = _push(run_dfc, image_store, name)
    assert anonymous.returncode == 1 and "authentication required" in anonymous.stderr

    wrong = run_dfc("login", token_registry.host, "-u", "dfc", "-p", "bad")
    assert wrong.returncode == 1 and "incorrect username or password" in wrong.stderr
    assert run_dfc("login", token_registry.host, "-u", "dfc", "-p", "s3cret").returncode == 0

    token_server.requests.clear()
    pushed = _push(run_dfc, image_store, name)
    assert pushed.returncode == 0, pushed.stderr
    scopes = {s for q in token_server.requests for s in q.get("scope", [])}
    assert "repository:token/app:pull,push" in scopes
    assert {q["service"][0] for q in token_server.requests} == {"dfc-test-registry"}

    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    assert empty_store.check().ok


def test_a_token_the_registry_rejects_is_a_clear_error(
        token_registry, token_server, image_store: Store, empty_store: Store, run_dfc,
        docker_config: Path) -> None:
    assert run_dfc("login", token_registry.host, "-u", "dfc", "-p", "s3cret").returncode == 0
    name = f"{token_registry.host}/forged/app:1"
    token_server.forge = True
    try:
        refused = _push(run_dfc, image_store, name)
        pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    finally:
        token_server.forge = False
    assert refused.returncode == 1 and "unauthorized" in refused.stderr
    assert pulled.returncode == 1 and "unauthorized" in pulled.stderr
    assert empty_store.check().ok and empty_store.index().manifests == ()
    assert _push(run_dfc, image_store, name).returncode == 0
    assert run_dfc("pull", name, "--root", str(empty_store.root)).returncode == 0
