"""Docker credential helpers (`credsStore`, `credHelpers`) and identity tokens, against
the htpasswd and token registries, with a `docker-credential-*` program on PATH that
keeps its logins in a JSON file and records every call it gets."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from dfc.cache.store import Store

HELPER = '''#!{python}
import json, os, sys
action = sys.argv[1]
data = sys.stdin.read()
folder = os.environ["FAKE_HELPER_DIR"]
with open(os.path.join(folder, "calls.log"), "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), action, data]) + "\\n")
path = os.path.join(folder, "keychain.json")
keychain = json.load(open(path)) if os.path.exists(path) else {{}}
if action == "get":
    if data not in keychain:
        print("credentials not found in native keychain")
        sys.exit(1)
    print(json.dumps({{"ServerURL": data, **keychain[data]}}))
elif action == "store":
    entry = json.loads(data)
    if os.path.exists(os.path.join(folder, "locked")):
        print("the keychain is locked")
        sys.exit(1)
    keychain[entry["ServerURL"]] = {{"Username": entry["Username"], "Secret": entry["Secret"]}}
    json.dump(keychain, open(path, "w"))
elif action == "erase":
    if os.path.exists(os.path.join(folder, "locked")):
        print("the keychain is locked")
        sys.exit(1)
    if data not in keychain:
        print("credentials not found in native keychain")
        sys.exit(1)
    del keychain[data]
    json.dump(keychain, open(path, "w"))
elif action == "list":
    print(json.dumps({{k: v["Username"] for k, v in keychain.items()}}))
'''


class FakeHelper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def calls(self) -> list[tuple[str, str, str]]:
        log = self.folder / "calls.log"
        if not log.exists():
            return []
        return [tuple(json.loads(line)) for line in log.read_text().splitlines()]

    def keychain(self) -> dict[str, dict[str, str]]:
        path = self.folder / "keychain.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def put(self, server: str, username: str, secret: str) -> None:
        chain = self.keychain()
        chain[server] = {"Username": username, "Secret": secret}
        (self.folder / "keychain.json").write_text(json.dumps(chain))


@pytest.fixture
def helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHelper:
    """`docker-credential-fake` and `docker-credential-other` on PATH."""
    bin_dir = tmp_path / "helper-bin"
    bin_dir.mkdir()
    for name in ("fake", "other"):
        script = bin_dir / f"docker-credential-{name}"
        script.write_text(HELPER.format(python=sys.executable))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_HELPER_DIR", str(tmp_path))
    return FakeHelper(tmp_path)


def _config(folder: Path, **data: object) -> None:
    (folder / "config.json").write_text(json.dumps(data))


def _push(run_dfc, store: Store, name: str):  # type: ignore[no-untyped-def]
    store.tag(name, store.resolve("app:1").manifest)
    return run_dfc("push", name, "--root", str(store.root))


def test_creds_store_is_asked_for_push_and_pull(
        basic_registry, helper: FakeHelper, image_store: Store, empty_store: Store,
        run_dfc, docker_config: Path) -> None:
    _config(docker_config, credsStore="fake")
    name = f"{basic_registry.host}/helper/app:1"
    refused = _push(run_dfc, image_store, name)
    assert refused.returncode == 1 and "authentication required" in refused.stderr
    assert ("docker-credential-fake", "get", basic_registry.host) in helper.calls()

    helper.put(basic_registry.host, "dfc", "s3cret")
    pushed = _push(run_dfc, image_store, name)
    assert pushed.returncode == 0, pushed.stderr
    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr
    gets = [c for c in helper.calls() if c[1] == "get"]
    assert len(gets) == 3 and {c[2] for c in gets} == {basic_registry.host}


def test_login_and_logout_go_through_the_helper(
        basic_registry, helper: FakeHelper, image_store: Store, run_dfc,
        docker_config: Path) -> None:
    _config(docker_config, credsStore="fake", psFormat="x")
    host = basic_registry.host
    wrong = run_dfc("login", host, "-u", "dfc", "--password-stdin", input="nope\n")
    assert wrong.returncode == 1 and helper.keychain() == {}

    ok = run_dfc("login", host, "-u", "dfc", "--password-stdin", input="s3cret\n")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "Login Succeeded" and "unencrypted" not in ok.stderr
    assert helper.keychain() == {host: {"Username": "dfc", "Secret": "s3cret"}}
    stored = [c for c in helper.calls() if c[1] == "store"]
    assert [json.loads(c[2]) for c in stored] == [
        {"ServerURL": host, "Username": "dfc", "Secret": "s3cret"}]
    config = json.loads((docker_config / "config.json").read_text())
    assert config == {"credsStore": "fake", "psFormat": "x", "auths": {host: {}}}
    assert "s3cret" not in (docker_config / "config.json").read_text()
    assert _push(run_dfc, image_store, f"{host}/helper-login/app:1").returncode == 0

    out = run_dfc("logout", host)
    assert out.returncode == 0
    assert out.stdout.strip() == f"Removing login credentials for {host}"
    erased = [c[2] for c in helper.calls() if c[1] == "erase"]
    assert erased == [host, f"http://{host}", f"https://{host}"]
    assert helper.keychain() == {}
    assert json.loads((docker_config / "config.json").read_text())["auths"] == {}
    again = run_dfc("logout", host)  # docker 28 says the same, logged in or not
    assert (again.returncode, again.stdout.strip(), again.stderr) == (
        0, f"Removing login credentials for {host}", "")


def test_a_helper_that_cannot_erase_is_a_warning(
        basic_registry, helper: FakeHelper, run_dfc, docker_config: Path) -> None:
    host = basic_registry.host
    _config(docker_config, credsStore="fake", auths={host: {}})
    helper.put(host, "dfc", "s3cret")
    (helper.folder / "locked").write_text("")
    done = run_dfc("logout", host)
    assert done.returncode == 0
    assert done.stdout.strip() == f"Removing login credentials for {host}"
    assert done.stderr.splitlines() == [
        "WARNING: could not erase credentials:",
        *(f"{form}: error erasing credentials - err: exit status 1, out: `the keychain is "
          "locked`" for form in (host, f"http://{host}", f"https://{host}"))]
    assert json.loads((docker_config / "config.json").read_text())["auths"] == {host: {}}


def test_a_helper_that_cannot_store_fails_the_login(
        basic_registry, helper: FakeHelper, run_dfc, docker_config: Path) -> None:
    """A registry accepting the password does not help when the keychain refuses it."""
    _config(docker_config, credsStore="fake")
    (helper.folder / "locked").write_text("")
    done = run_dfc("login", basic_registry.host, "-u", "dfc", "-p", "s3cret")
    assert done.returncode == 1
    assert ("Error saving credentials: error storing credentials - err: exit status 1, "
            "out: `the keychain is locked`") in done.stderr
    assert "Login Succeeded" not in done.stdout


def test_a_missing_helper_is_named(basic_registry, run_dfc, docker_config: Path) -> None:
    _config(docker_config, credsStore="absent")
    done = run_dfc("login", basic_registry.host, "-u", "dfc", "--password-stdin",
                   input="s3cret\n")
    assert done.returncode == 1
    assert ('Error saving credentials: error storing credentials - err: exec: '
            '"docker-credential-absent": executable file not found in $PATH') in done.stderr
    assert not json.loads((docker_config / "config.json").read_text()).get("auths")


def test_cred_helpers_pick_the_helper_per_registry(
        basic_registry, helper: FakeHelper, image_store: Store, run_dfc,
        docker_config: Path) -> None:
    host = basic_registry.host
    _config(docker_config, credsStore="fake", credHelpers={host: "other"})
    helper.put(host, "dfc", "s3cret")
    pushed = _push(run_dfc, image_store, f"{host}/per-registry/app:1")
    assert pushed.returncode == 0, pushed.stderr
    assert [c[0] for c in helper.calls()] == ["docker-credential-other"]

    ok = run_dfc("login", host, "-u", "dfc", "-p", "s3cret")
    assert ok.returncode == 0 and "unencrypted" not in ok.stderr
    assert {c[0] for c in helper.calls() if c[1] == "store"} == {"docker-credential-other"}


def test_without_a_helper_login_warns_and_writes_auths(
        basic_registry, run_dfc, docker_config: Path) -> None:
    ok = run_dfc("login", basic_registry.host, "-u", "dfc", "--password-stdin",
                 input="s3cret\n")
    assert ok.returncode == 0
    path = docker_config / "config.json"
    assert ok.stderr == (f"\nWARNING! Your credentials are stored unencrypted in '{path}'.\n"
                         "Configure a credential helper to remove this warning. See\n"
                         "https://docs.docker.com/go/credential-store/\n\n")
    auth = json.loads(path.read_text())["auths"][basic_registry.host]["auth"]
    assert base64.b64decode(auth) == b"dfc:s3cret"


def test_identity_token_from_a_helper_is_an_oauth_refresh_token(
        token_registry, token_server, helper: FakeHelper, image_store: Store,
        empty_store: Store, run_dfc, docker_config: Path) -> None:
    host = token_registry.host
    _config(docker_config, credsStore="fake")
    helper.put(host, "<token>", token_server.refresh_token)
    token_server.requests.clear()
    pushed = _push(run_dfc, image_store, f"{host}/identity/app:1")
    assert pushed.returncode == 0, pushed.stderr
    posts = [q for q in token_server.requests if q.get("method") == ["POST"]]
    assert posts and all(q["grant_type"] == ["refresh_token"] for q in posts)
    assert posts[0]["refresh_token"] == [token_server.refresh_token]
    assert "repository:identity/app:pull,push" in posts[0]["scope"][0].split()
    assert posts[0]["service"] == ["dfc-test-registry"]
    assert not [q for q in token_server.requests if q.get("method") != ["POST"]]

    helper.put(host, "<token>", "revoked")
    refused = run_dfc("pull", f"{host}/identity/app:1", "--root", str(empty_store.root))
    assert refused.returncode == 1 and "unauthorized" in refused.stderr


def test_identity_token_in_auths(token_registry, token_server, image_store: Store,
                                 empty_store: Store, run_dfc, docker_config: Path) -> None:
    _config(docker_config, auths={token_registry.host: {
        "auth": base64.b64encode(b"dfc:").decode(),
        "identitytoken": token_server.refresh_token}})
    name = f"{token_registry.host}/identity-file/app:1"
    assert _push(run_dfc, image_store, name).returncode == 0
    pulled = run_dfc("pull", name, "--root", str(empty_store.root))
    assert pulled.returncode == 0, pulled.stderr


def test_build_bases_registry_cache_and_search_ask_the_helper(
        basic_registry, helper: FakeHelper, image_store: Store, empty_store: Store,
        run_dfc, docker_config: Path, tmp_path: Path) -> None:
    host = basic_registry.host
    _config(docker_config, credsStore="fake")
    refused = run_dfc("search", "--registry", host, "hbuild")
    assert refused.returncode == 1 and "authentication required" in refused.stderr

    helper.put(host, "dfc", "s3cret")
    base = f"{host}/hbuild/base:1"
    assert _push(run_dfc, image_store, base).returncode == 0
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {base}\nRUN cat /app/two > /copy\n")
    cache = f"type=registry,ref={host}/hbuild/cache:1"
    built = run_dfc("build", "--root", str(empty_store.root), "--progress", "plain",
                    "--cache-to", cache, "-t", "out:1", str(ctx))
    assert built.returncode == 0, built.stderr
    assert f"Status: Downloaded newer image for {base}" in built.stderr

    other = Store(tmp_path / "other-store")
    reused = run_dfc("build", "--root", str(other.root), "--progress", "plain",
                     "--cache-from", cache, "-t", "out:1", str(ctx))
    assert reused.returncode == 0, reused.stderr
    assert "CACHED" in reused.stderr
    found = run_dfc("search", "--registry", host, "hbuild")
    assert found.returncode == 0, found.stderr
    assert "hbuild/base" in found.stdout and "hbuild/cache" in found.stdout
    assert {c[2] for c in helper.calls()} == {host}
