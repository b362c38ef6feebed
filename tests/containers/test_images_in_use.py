"""Images containers use, against docker: `rmi` refuses them with docker's conflicts (or,
forced, does what docker does), `image prune` keeps them, `system df` counts containers."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any


def _name() -> str:
    return f"dfc-inuse-{uuid.uuid4().hex[:10]}"


def _fresh_image(run: Any, base: str, tag: str, name: str | None = None) -> str:
    """An image of one name only (a commit of a new container): its image ID. (Containers
    are named: the docker runner retries a flaky start under the same name.)"""
    made = run("run", "-d", "--name", name or _name(), base, "sh", "-c",
               "echo in-use > /marker; sleep 300")
    assert made.code == 0, made.err
    cid = made.out.strip()
    committed = run("commit", cid, tag)
    assert committed.code == 0, committed.err
    assert run("rm", "-f", cid).code == 0
    return committed.out.strip()


def _short(long_id: str) -> str:
    return long_id.removeprefix("sha256:")[:12]


def _conflicts(run: Any, base: str, tag: str, name: Any) -> list[str]:
    """The same steps on either engine; the messages with the engine's own IDs made
    into placeholders. `name()` names a container."""
    image = _fresh_image(run, base, tag, name())
    stopped = run("run", "-d", "--name", name(), tag, "true").out.strip()
    run("wait", stopped)
    lines = []

    def attempt(*args: str) -> None:
        result = run(*args)
        text = (result.err.strip() or result.out.strip()).splitlines()[0]  # (layer IDs
        # differ: each engine's own layers)
        text = text.replace(image.removeprefix("sha256:"), "IMAGE")
        text = text.replace(_short(image), "IMAGE").replace(_short(stopped), "STOPPED")
        if running:
            text = text.replace(_short(running), "RUNNING")
        lines.append(f"{result.code} {re.sub(r'^(Error response from daemon|error): ', '', text)}")

    running = ""
    attempt("rmi", tag)
    attempt("rmi", _short(image))
    running = run("run", "-d", "--name", name(), tag, "sleep", "300").out.strip()
    attempt("rmi", _short(image))
    attempt("rmi", "-f", _short(image))
    attempt("rmi", "-f", tag)  # untagged only: a running container uses it
    lines.append(str(any(line.startswith(_short(image)) or _short(image) in line
                         for line in run("images", "-a", "-q").out.split())))
    assert run("rm", "-f", running, stopped).code == 0
    attempt("rmi", _short(image))
    return lines


def test_rmi_of_an_image_in_use_like_docker(dfc: Any, docker: Any, images: Any) -> None:
    base = images.names["busybox"]
    tag = f"{docker.name()}-inuse:1"
    theirs = _conflicts(docker, base, tag, docker.name)
    ours = _conflicts(dfc, base, tag, _name)
    assert ours == theirs
    assert ours[0] == (f'1 conflict: unable to remove repository reference "{tag}" (must '
                       "force) - container STOPPED is using its referenced image IMAGE")
    assert ours[1] == ("1 conflict: unable to delete IMAGE (must be forced) - image is being "
                       "used by stopped container STOPPED")
    assert ours[2] == ours[3] == ("1 conflict: unable to delete IMAGE (cannot be forced) - "
                                  "image is being used by running container RUNNING")
    assert ours[4] == f"0 Untagged: {tag}"
    assert ours[5] == "True"  # still there, nameless, while the container runs


def test_forced_rmi_keeps_what_a_stopped_container_needs(dfc: Any, images: Any) -> None:
    tag = "dfc-inuse-forced:1"
    image = _fresh_image(dfc, images.names["busybox"], tag)
    cid = dfc("create", tag, "cat", "/marker").out.strip()
    removed = dfc("rmi", "-f", _short(image))
    assert removed.code == 0, removed.err
    assert removed.out.splitlines()[:2] == [f"Untagged: {tag}", f"Deleted: {image}"]
    # (never `prune -a` here: the store and dockerd are shared with the other tests)
    assert dfc("image", "prune", "-f").code == 0  # sweeps every blob no image reaches
    assert dfc("start", "-a", cid).out == "in-use\n"  # its layers stayed


def test_prune_keeps_a_dangling_image_in_use(dfc: Any, images: Any) -> None:
    image = _fresh_image(dfc, images.names["busybox"], "dfc-inuse-dangling:1")
    cid = dfc("run", "-d", "dfc-inuse-dangling:1", "sleep", "300").out.strip()
    assert dfc("rmi", "-f", "dfc-inuse-dangling:1").code == 0  # dangling now
    pruned = dfc("image", "prune", "-f")
    assert image not in pruned.out
    assert image in dfc("images", "-a", "-q", "--no-trunc").out
    assert dfc("exec", cid, "cat", "/marker").out == "in-use\n"


def test_system_df_counts_containers_by_their_writable_layers(dfc: Any, images: Any,
                                                               tmp_path: Any) -> None:
    box = images.names["busybox"]
    for cid in dfc("ps", "-aq").out.split():
        dfc("rm", "-f", cid)
    up = dfc("run", "-d", box, "sh", "-c", "head -c 3000 /bin/busybox > /a; sleep 300")
    assert up.code == 0
    assert dfc("run", box, "sh", "-c", "head -c 1000 /bin/busybox > /b; ln /b /c").code == 0
    assert dfc("exec", up.out.strip(), "sh", "-c", "while [ ! -s /a ]; do sleep 0.1; done"
               ).code == 0
    table = dfc("system", "df", "--format", "{{json .}}")
    rows = [json.loads(line) for line in table.out.splitlines()]
    assert [r["Type"] for r in rows] == ["Images", "Containers", "Local Volumes", "Build Cache"]
    assert rows[1] == {"Type": "Containers", "TotalCount": "2", "Active": "1",
                       "Size": "4kB", "Reclaimable": "1kB (25%)"}
    assert rows[0]["Active"] == "1"
