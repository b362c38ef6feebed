"""The chapter's section 5, "use commit to understand how an image is made", end to end:
a web server runs detached with a published port, `exec` changes its page, `diff` shows
the change, `commit` with an author and a message saves it, `history` shows one more
layer carrying the message, the new image serves the new page, and the original image
cannot be removed while its container exists. The docker side runs the same steps."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from dfc.runtime.network.ports import free_port

PAGE = "a-page-changed-by-exec"
HISTORY = "{{.CreatedBy}}|{{.Comment}}"


def _fetch(url: str, deadline: float = 30.0) -> str:
    """The body at `url`, retried while the server in the container starts."""
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def _walk(run: Any, image: str, name: str, tag: str, fetch: bool) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    port = free_port()
    started = run("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:80", image)
    assert started.code == 0, started.err
    if fetch:
        assert _fetch(f"http://127.0.0.1:{port}/") == "hello-from-the-container\n"
    changed = run("exec", name, "sh", "-c", f"echo {PAGE} > /www/index.html")
    assert changed.code == 0, changed.err
    seen["diff"] = run("diff", name).out.splitlines()
    committed = run("commit", "--author", "Jane Doe <jane@example.com>", "--message",
                    "a new front page", name, tag)
    assert committed.code == 0, committed.err
    seen["id"] = committed.out.strip()
    seen["before"] = run("history", "--format", HISTORY, image).out.splitlines()
    seen["after"] = run("history", "--format", HISTORY, tag).out.splitlines()
    seen["author"] = run("image", "inspect", "--format", "{{.Author}}", tag).out.strip()
    if fetch:
        port2 = free_port()
        served = run("run", "-d", "--name", f"{name}-2", "-p", f"127.0.0.1:{port2}:80", tag)
        assert served.code == 0, served.err
        seen["served"] = _fetch(f"http://127.0.0.1:{port2}/")
    seen["rmi"] = run("rmi", image)
    seen["still"] = run("image", "inspect", "--format", "{{.Id}}", image).code
    return seen


def test_section_5_walkthrough(dfc: Any, docker: Any, images: Any) -> None:
    image = images.names["web"]
    for _ in range(5):
        # dockerd on these shared machines now and then answers a diff with its whole
        # image deleted (`D /.dockerenv`), which this walk never does: walk it again.
        name = docker.name()
        tag = f"{name}-committed:1"
        theirs = _walk(docker, image, name, tag, fetch=False)
        docker("rm", "-f", name)
        docker("rmi", tag)
        if "D /.dockerenv" not in theirs["diff"]:
            break  # (the walk's rmi was refused: the image is still there for another)
    ours = _walk(dfc, image, "section5", tag, fetch=True)
    assert ours["diff"] == ["C /www", "C /www/index.html"]
    assert sorted(ours["diff"]) == sorted(theirs["diff"])
    assert ours["id"].startswith("sha256:")
    assert ours["after"][1:] == ours["before"]
    assert ours["after"][0] == "httpd -f -p 80 -h /www|a new front page"
    assert ours["after"][0] == theirs["after"][0]
    assert len(ours["after"]) - len(ours["before"]) == 1 == \
        len(theirs["after"]) - len(theirs["before"])
    assert ours["author"] == theirs["author"] == "Jane Doe <jane@example.com>"
    assert ours["served"] == f"{PAGE}\n"
    refused = ours["rmi"]
    assert refused.code == theirs["rmi"].code == 1
    assert refused.err.strip().startswith(
        f'error: conflict: unable to remove repository reference "{image}" (must force) - '
        "container ")
    assert theirs["rmi"].err.strip().startswith(
        f'Error response from daemon: conflict: unable to remove repository reference '
        f'"{image}" (must force) - container ')
    assert ours["still"] == theirs["still"] == 0
    assert dfc("rm", "-f", "section5", "section5-2").code == 0
    assert dfc("rmi", tag).code == 0
