"""Images from containers against docker: `diff` lines, `pause`/`unpause`, `commit`
(layer content, config, `--change`), and bad input answered with docker's words."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

# Creates, changes, deletes, a deletion inside a new folder (leaves only the folder), an
# opaque folder (removed and made again), a mode change, a removed and an added link.
SCENARIO = (
    "echo new > /data/added; echo changed >> /data/a; rm /data/keep; "
    "mkdir -p /fresh/inner && echo x > /fresh/inner/f && rm -rf /fresh/inner; "
    "rm -rf /data/sub && mkdir /data/sub && echo b2 > /data/sub/c; chmod 700 /tmp; "
    "rm /bin/ls; ln -s x /bin/newlink"
)
EXPECTED_DIFF = [  # dfc's order: depth first by name, deletions after the rest
    "C /bin", "A /bin/newlink", "D /bin/ls", "C /data", "C /data/a", "A /data/added",
    "C /data/sub", "A /data/sub/c", "D /data/sub/b", "D /data/keep", "A /fresh", "C /tmp",
]


def _docker_diff(docker: Any, image: str, script: str) -> list[str]:
    """`docker diff` of a container of `image` after `script`. dockerd on these shared
    machines now and then answers a diff with every top folder deleted (`D /.dockerenv`),
    which no scenario here does: it is asked again, of a new container."""
    for _ in range(5):
        name = docker.name()
        assert docker("run", "-d", "--name", name, image, "sleep", "300").code == 0
        assert docker("exec", name, "sh", "-c", script).code == 0
        lines = docker("diff", name).out.splitlines()
        if "D /.dockerenv" not in lines:
            return lines
    pytest.fail("dockerd kept answering diff with its whole image deleted")


def _dfc_changed(dfc: Any, image: str, script: str, *flags: str) -> str:
    made = dfc("run", "-d", *flags, image, "sleep", "300")
    assert made.code == 0, made.err
    cid = made.out.strip()
    assert dfc("exec", cid, "sh", "-c", script).code == 0
    return cid


def test_diff_like_docker(dfc: Any, docker: Any, images: Any) -> None:
    image = images.names["tree"]
    theirs = _docker_diff(docker, image, SCENARIO)
    cid = _dfc_changed(dfc, image, SCENARIO)
    ours = dfc("diff", cid)
    assert ours.code == 0, ours.err
    assert sorted(ours.out.splitlines()) == sorted(theirs), (ours.out, theirs)
    assert ours.out.splitlines() == EXPECTED_DIFF
    assert dfc("stop", "-t", "0", cid).code == 0  # a stopped container keeps its changes
    assert dfc("diff", cid).out.splitlines() == EXPECTED_DIFF


def test_diff_of_an_untouched_container_is_empty(dfc: Any, images: Any) -> None:
    made = dfc("run", "-d", images.names["tree"], "sleep", "300")
    result = dfc("diff", made.out.strip())
    assert (result.code, result.out, result.err) == (0, "", "")


def test_diff_of_an_unknown_container(dfc: Any, docker: Any) -> None:
    theirs = docker("diff", "dfc-no-such-container")
    ours = dfc("diff", "dfc-no-such-container")
    assert ours.code == theirs.code == 1
    assert "No such container: dfc-no-such-container" in ours.err
    assert len(ours.err.strip().splitlines()) == 1


def _upper_file(dfc: Any, cid: str, rel: str) -> bytes | None:
    data = json.loads(dfc("inspect", cid).out)[0]
    path = Path(data["GraphDriver"]["Data"]["UpperDir"]) / rel
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _until(condition: Any, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_pause_and_unpause(dfc: Any, docker: Any, images: Any) -> None:
    box = images.names["busybox"]
    loop = "i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.01; done"
    cid = dfc("run", "-d", box, "sh", "-c", loop).out.strip()
    assert _until(lambda: _upper_file(dfc, cid, "tmp/n") not in (None, b""))
    assert (dfc("pause", cid).out, dfc("pause", cid).code) == (f"{cid}\n", 1)
    again = dfc("pause", cid)
    assert again.err.strip().endswith(f"Container {cid} is already paused")
    state = json.loads(dfc("inspect", cid).out)[0]["State"]
    assert (state["Status"], state["Running"], state["Paused"]) == ("paused", True, True)
    assert "(Paused)" in dfc("ps").out
    frozen = _upper_file(dfc, cid, "tmp/n")
    time.sleep(1)  # a frozen loop cannot move, however long it is left
    assert _upper_file(dfc, cid, "tmp/n") == frozen
    assert dfc("unpause", cid).out == f"{cid}\n"
    assert _until(lambda: _upper_file(dfc, cid, "tmp/n") not in (frozen, None, b""))
    state = json.loads(dfc("inspect", cid).out)[0]["State"]
    assert (state["Status"], state["Paused"]) == ("running", False)
    not_paused = dfc("unpause", cid)
    assert not_paused.code == 1
    assert not_paused.err.strip().endswith(f"Container {cid} is not paused")
    # docker's words for the same mistakes
    name = docker.name()
    assert docker("run", "-d", "--name", name, box, "sleep", "300").code == 0
    assert docker("unpause", name).err.strip().endswith("is not paused")
    assert dfc("pause", cid).code == 0
    assert dfc("rm", "-f", cid).code == 0  # a paused container can be removed by force
    for hierarchy in ("/sys/fs/cgroup/freezer/dfc", "/sys/fs/cgroup/dfc"):
        assert not Path(hierarchy, cid).exists()  # its freezer cgroup went with it


def test_pause_of_a_stopped_container(dfc: Any, docker: Any, images: Any) -> None:
    box = images.names["busybox"]
    name = docker.name()
    assert docker("create", "--name", name, box, "true").code == 0
    theirs = docker("pause", name)
    assert theirs.err.strip().endswith("is not running")
    cid = dfc("create", box, "true").out.strip()
    ours = dfc("pause", cid)
    assert ours.code == theirs.code == 1
    assert ours.err.strip().endswith(f"Container {cid} is not running")


def _layer_entries(archive: bytes) -> dict[str, tuple[Any, ...]]:
    """The last layer of a `save` archive: path -> (kind, permission bits, size, link,
    content). Whiteouts count as plain empty files (docker hardlinks them to each other)."""
    outer = tarfile.open(fileobj=io.BytesIO(archive))
    manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
    layer = outer.extractfile(manifest[0]["Layers"][-1]).read()  # type: ignore[union-attr]
    found = {}
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        for m in tar.getmembers():
            name = m.name.rstrip("/")
            if os.path.basename(name).startswith(".wh."):
                found[name] = ("whiteout",)
                continue
            data = tar.extractfile(m).read() if m.isfile() else b""  # type: ignore[union-attr]
            found[name] = (m.type, m.mode & 0o7777, m.size, m.linkname, data)
    return found


def _config(raw: bytes) -> dict[str, Any]:
    outer = tarfile.open(fileobj=io.BytesIO(raw))
    manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
    return json.load(outer.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]


CHANGES = ("-c", "ENV A=1 B=$A", "-c", "EXPOSE 7000 80/udp", "-c", 'CMD ["x", "y"]',
           "-c", "LABEL z=1", "-c", "VOLUME /v", "-c", "ONBUILD RUN ls", "-c", "USER nobody",
           "-c", "WORKDIR /w", "-c", "ENTRYPOINT echo e")
CONFIG_FIELDS = ("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout",
                 "AttachStderr", "ExposedPorts", "Tty", "OpenStdin", "StdinOnce", "Env",
                 "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels")


@pytest.mark.parametrize("changes", [(), CHANGES], ids=["plain", "changes"])
def test_commit_like_docker(dfc: Any, docker: Any, images: Any, changes: tuple[str, ...]
                            ) -> None:
    image = images.names["tree"]
    run_flags = ("-e", "FOO=bar", "-w", "/tmp", "-h", "hh", "--label", "x=y", "--expose", "90")
    name = docker.name()
    assert docker("run", "-d", "--name", name, *run_flags, image, "sleep", "300").code == 0
    assert docker("exec", name, "sh", "-c", SCENARIO).code == 0
    tag = f"{name}-img:1"
    theirs = docker("commit", "-a", "Me <me@example.com>", "-m", "the message", *changes,
                    name, tag)
    assert theirs.code == 0, theirs.err
    try:
        docker_archive = subprocess.run(["docker", "save", tag], check=True,
                                        capture_output=True).stdout
    finally:
        docker("rmi", tag)
    cid = _dfc_changed(dfc, image, SCENARIO, *run_flags)
    ours = dfc("commit", "-a", "Me <me@example.com>", "-m", "the message", *changes, cid, tag)
    assert ours.code == 0, ours.err
    assert ours.out.startswith("sha256:") and len(ours.out.strip()) == 71
    dfc_archive = subprocess.run([*dfc.cmd, "save", tag], check=True, capture_output=True,
                                 env=dfc.env).stdout
    assert _layer_entries(dfc_archive) == _layer_entries(docker_archive)
    mine, docker_config = _config(dfc_archive), _config(docker_archive)
    for key in CONFIG_FIELDS:
        expected = docker_config["config"].get(key)
        if key == "Hostname":  # each engine names its container after its own ID
            expected = "hh"
        if key == "Image":  # the name each engine was asked to run
            expected = image
        assert mine["config"].get(key) == expected, key
    assert mine["author"] == docker_config["author"] == "Me <me@example.com>"
    assert len(mine["rootfs"]["diff_ids"]) == len(docker_config["rootfs"]["diff_ids"])
    last, theirs_last = mine["history"][-1], docker_config["history"][-1]
    for key in ("author", "created_by", "comment", "empty_layer"):
        assert last.get(key) == theirs_last.get(key), key
    assert dfc("rmi", tag).code == 0


def test_commit_pauses_a_running_container_and_lets_it_run(dfc: Any, images: Any) -> None:
    cid = _dfc_changed(dfc, images.names["tree"], "echo 1 > /data/one")
    assert dfc("commit", cid).out.startswith("sha256:")
    state = json.loads(dfc("inspect", cid).out)[0]["State"]
    assert (state["Status"], state["Paused"]) == ("running", False)
    assert dfc("exec", cid, "true").code == 0
    untagged = dfc("commit", "--pause=false", cid)
    assert untagged.code == 0, untagged.err
    assert untagged.out.strip() in dfc("images", "-q", "--no-trunc").out
    tagged = dfc("commit", "-p", cid, "dfc-commit-flag:1")
    assert tagged.code == 0, tagged.err
    assert dfc("rmi", "dfc-commit-flag:1").code == 0
    wrong = dfc("commit", "--pause=maybe", cid)
    assert wrong.code == 125 and wrong.err.strip().endswith(
        'invalid argument "maybe" for "--pause" flag: strconv.ParseBool: parsing "maybe": '
        "invalid syntax")


def _store_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if "containers" not in p.parts and p.name != "gc.lock")


@pytest.mark.parametrize(("args", "message"), [
    (("-c", "RUN ls"), "run is not a valid change command"),
    (("-c", "STOPSIGNAL 9"), "stopsignal is not a valid change command"),
    (("-c", "bogus x"), "bogus is not a valid change command"),
    (("-c", "ENV"), "ENV requires at least one argument"),
    (("-c", "USER a", "-c", "LABEL a"), "LABEL must have two arguments"),
])
def test_commit_refuses_a_change_as_docker_does(dfc: Any, docker: Any, images: Any,
                                               args: tuple[str, ...], message: str) -> None:
    name = docker.name()
    assert docker("run", "-d", "--name", name, images.names["tree"], "sleep", "300").code == 0
    theirs = docker("commit", *args, name)
    assert theirs.code == 1 and theirs.err.strip().endswith(message)
    cid = dfc("run", "-d", images.names["tree"], "sleep", "300").out.strip()
    index = (dfc.root / "index.json").read_text()
    ours = dfc("commit", *args, cid, "dfc-refused:1")
    assert ours.code == 1
    assert ours.err.strip().splitlines() == [f"error: {message}"]
    assert (dfc.root / "index.json").read_text() == index


def test_commit_of_an_unknown_container(dfc: Any, docker: Any) -> None:
    theirs = docker("commit", "dfc-no-such-container")
    before = _store_files(dfc.root)
    ours = dfc("commit", "dfc-no-such-container", "x:1")
    assert ours.code == theirs.code == 1
    assert ours.err.strip().splitlines() == ["error: No such container: dfc-no-such-container"]
    assert _store_files(dfc.root) == before


def test_a_paused_container_refuses_exec_and_dies_by_kill(dfc: Any, docker: Any,
                                                         images: Any) -> None:
    box = images.names["busybox"]
    results = []
    for run, name in ((docker, docker.name()), (dfc, "paused-one")):
        assert run("run", "-d", "--name", name, box, "sleep", "300").code == 0
        assert run("pause", name).code == 0
        refused = run("exec", name, "true")
        results.append((refused.code, refused.err.strip().replace(name, "C")
                        .removeprefix("Error response from daemon: ").removeprefix("error: ")))
        assert run("kill", name).out == f"{name}\n"
        assert run("wait", name).out == "137\n"
    assert results[1] == results[0] == (
        1, "Container C is paused, unpause the container before exec")
