"""`FROM` pulls what the store lacks, `--pull` looks again, `--push` publishes; mirrors
serve Docker Hub names; search lists a registry's catalog or a search API's answer."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dfc.cache.store import Store


def test_from_pulls_missing_base_and_build_push_publishes(
        registry, image_store: Store, empty_store: Store, make_image, run_dfc, docker_config,
        tmp_path: Path) -> None:
    base = f"{registry.host}/build/base:1"
    image_store.tag(base, image_store.resolve("app:1").manifest)
    assert run_dfc("push", base, "--root", str(image_store.root)).returncode == 0
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\nRUN cat /app/two > /copy\n")
    out = f"{registry.host}/build/out:1"
    root = ["--root", str(empty_store.root)]
    built = run_dfc("build", *root, "--progress", "plain", "-t", out, "--push", str(tmp_path))
    assert built.returncode == 0, built.stderr
    assert f"Status: Downloaded newer image for {base}" in built.stderr
    assert f"1: digest: {empty_store.resolve(out).manifest.digest}" in built.stderr

    again = run_dfc("build", *root, "--progress", "plain", "-t", out, str(tmp_path))
    assert "Pulling from" not in again.stderr  # the base is in the store now

    make_image(image_store, "app:1", base, {"new": b"newer\n"})
    assert run_dfc("push", base, "--root", str(image_store.root)).returncode == 0
    stale = run_dfc("build", *root, "--progress", "plain", "-t", out, str(tmp_path))
    assert "Pulling from" not in stale.stderr
    fresh = run_dfc("build", *root, "--progress", "plain", "--pull", "-t", out, str(tmp_path))
    assert fresh.returncode == 0, fresh.stderr
    assert f"Status: Downloaded newer image for {base}" in fresh.stderr
    assert empty_store.resolve(base).manifest.digest == image_store.resolve(base).manifest.digest
    assert empty_store.check().ok


def test_docker_hub_names_come_from_a_mirror(registry, image_store: Store, empty_store: Store,
                                             run_dfc, docker_config, tmp_path: Path) -> None:
    mirrored = f"{registry.host}/library/mirrored:1"
    image_store.tag(mirrored, image_store.resolve("app:1").manifest)
    assert run_dfc("push", mirrored, "--root", str(image_store.root)).returncode == 0
    daemon = tmp_path / "daemon.json"
    daemon.write_text(json.dumps({"registry-mirrors": ["http://127.0.0.1:9", registry.url]}))
    pulled = run_dfc("pull", "mirrored:1", "--root", str(empty_store.root),
                     env={"DFC_DAEMON_CONFIG": str(daemon)})
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.splitlines()[-1] == "docker.io/library/mirrored:1"
    assert "Status: Downloaded newer image for mirrored:1" in pulled.stdout
    digest = image_store.resolve(mirrored).manifest.digest
    assert empty_store.resolve("mirrored:1").manifest.digest == digest


def test_a_mirror_that_refuses_us_is_skipped(registry, basic_registry, image_store: Store,
                                             empty_store: Store, run_dfc, docker_config,
                                             tmp_path: Path) -> None:
    """Docker goes on to the next endpoint when a mirror answers 401 (it sends mirrors no
    credentials)."""
    mirrored = f"{registry.host}/library/refused:1"
    image_store.tag(mirrored, image_store.resolve("app:1").manifest)
    assert run_dfc("push", mirrored, "--root", str(image_store.root)).returncode == 0
    daemon = tmp_path / "daemon.json"
    daemon.write_text(json.dumps({"registry-mirrors": [basic_registry.url, registry.url]}))
    pulled = run_dfc("pull", "refused:1", "--root", str(empty_store.root),
                     env={"DFC_DAEMON_CONFIG": str(daemon)})
    assert pulled.returncode == 0, pulled.stderr
    assert "Status: Downloaded newer image for refused:1" in pulled.stdout


def test_search_lists_catalog_matches_with_their_tags(registry, image_store: Store, run_dfc,
                                                      docker_config) -> None:
    for tag in ("1", "2"):
        name = f"{registry.host}/findme/tool:{tag}"
        image_store.tag(name, image_store.resolve("app:1").manifest)
        assert run_dfc("push", name, "--root", str(image_store.root)).returncode == 0
    found = run_dfc("search", "findme", "--registry", registry.host)
    assert found.returncode == 0, found.stderr
    header, *rows = found.stdout.splitlines()
    assert header.split() == ["NAME", "DESCRIPTION", "STARS", "OFFICIAL"]
    # docker's tabwriter pads the STARS cell even when OFFICIAL, the last, is empty
    assert rows == [f"{registry.host}/findme/tool   tags: 1, 2    0" + " " * 9]
    names = run_dfc("search", "FIND", "--registry", registry.host, "--format", "{{.Name}}")
    assert names.stdout == f"{registry.host}/findme/tool\n"
    assert run_dfc("search", "nomatch", "--registry", registry.host,
                   "--format", "{{.Name}}").stdout == ""
    # docker's HOST/TERM form searches that registry
    hosted = run_dfc("search", f"{registry.host}/findme", "--format", "{{.Name}}")
    assert hosted.returncode == 0, hosted.stderr
    assert hosted.stdout == f"{registry.host}/findme/tool\n"


def test_search_uses_a_search_api_when_the_registry_has_one(run_dfc, docker_config) -> None:
    answer = {"results": [
        {"name": "library/busybox", "description": "Busybox base image.", "star_count": 3000,
         "is_official": True, "is_automated": False},
        {"name": "someone/busybox", "description": "", "star_count": 4,
         "is_official": False, "is_automated": False}]}

    class Hub(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = json.dumps(answer if self.path.startswith("/v1/search?q=busybox")
                              else {}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_address[1]}"
    try:
        found = run_dfc("search", "busybox", "--registry", host, "--limit", "1",
                        "--format", "{{.Name}}\t{{.StarCount}}\t{{.IsOfficial}}")
    finally:
        server.shutdown()
        server.server_close()
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"{host}/library/busybox\t3000\t[OK]\n"
