"""Volumes, binds and tmpfs mounts: `dfc volume ...`, `run -v/--mount/--tmpfs`, `rm -v`,
against docker where docker 20.10 behaves as today's docker does (an image's VOLUME path
copied into a new volume, data kept when a container goes, read-only mounts, `.Mounts`,
the refusals)."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import image_in_both

VOLUME_IMAGE = (
    "RUN mkdir -p /data/sub /data/empty && echo hello > /data/f && chown 7:8 /data/f && "
    "chmod 640 /data/f && ln /data/f /data/hardlink && ln -s f /data/link && "
    "echo deep > /data/sub/g && chmod 4755 /data/sub/g && chown 5:6 /data /data/sub && "
    "chmod 750 /data && mkfifo /data/fifo\nVOLUME /data\n"
)
LISTING = ("cd /data && find . | sort | while read p; do "
           "stat -c '%n %A %u:%g %h %s' \"$p\" | sed 's/ [0-9]* *$//;t;'; done; cat f")
"""Every entry of /data: name, type and mode, owner, link count (sizes of folders vary
between file systems, so the last field is dropped for them by comparing without it)."""


@pytest.fixture(scope="module")
def volume_image(images: Any, dfc_cmd: list[str], tmp_path_factory: Any) -> Iterator[str]:
    """An image with files of several kinds, owners and modes under a VOLUME, in the
    dfc store and in dockerd."""
    with image_in_both(images, dfc_cmd, tmp_path_factory.mktemp("volimage"), VOLUME_IMAGE,
                       "vtest") as name:
        yield name


@pytest.fixture
def docker_volumes() -> Iterator[list[str]]:
    """Names of docker volumes the test makes: removed afterwards."""
    made: list[str] = []
    yield made
    if made:
        subprocess.run(["docker", "volume", "rm", "-f", *made], capture_output=True)


def _listing(output: str) -> list[str]:
    """Folder lines without their size (it depends on the file system)."""
    lines = []
    for line in output.splitlines():
        fields = line.split()
        if len(fields) == 5 and fields[1].startswith("d"):
            fields = fields[:4]
        lines.append(" ".join(fields))
    return lines


def _both(dfc: Any, docker: Any, *args: str) -> tuple[Any, Any]:
    return dfc(*args), docker(*args)


@pytest.mark.interop
def test_anonymous_volume_is_filled_from_the_image_like_docker(
        dfc: Any, docker: Any, volume_image: str) -> None:
    ours, theirs = _both(dfc, docker, "run", "--rm", volume_image, "sh", "-c", LISTING)
    assert (ours.code, theirs.code) == (0, 0), (ours.err, theirs.err)
    assert _listing(ours.out) == _listing(theirs.out)
    assert ". drwxr-x--- 5:6" in ours.out and "./sub/g -rwsr-xr-x 0:0" in ours.out


@pytest.mark.interop
def test_named_volume_filled_once_and_kept_after_the_container(
        dfc: Any, docker: Any, volume_image: str, docker_volumes: list[str]) -> None:
    """First use copies the image's files; the volume outlives its container; a volume
    that is no longer empty is never filled again."""
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    for run in (dfc, docker):
        first = run("run", "--rm", "-v", f"{name}:/data", volume_image, "sh", "-c",
                    "rm /data/f; echo kept > /data/new")
        assert first.code == 0, first.err
    ours, theirs = _both(dfc, docker, "run", "--rm", "-v", f"{name}:/data", volume_image,
                         "sh", "-c", "ls /data; cat /data/new")
    assert ours == theirs
    assert "kept" in ours.out and "\nf\n" not in ours.out
    assert dfc("volume", "inspect", "--format", "{{.Name}}", name).out == f"{name}\n"


@pytest.mark.interop
def test_read_only_volume_and_bind(dfc: Any, docker: Any, volume_image: str,
                                   docker_volumes: list[str], tmp_path: Path) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    host = tmp_path / "host"
    host.mkdir()
    (host / "x").write_text("from the host\n")
    script = "cat /b/x; touch /b/y; echo $?; touch /data/y; echo $?; ls /data"
    ours, theirs = _both(dfc, docker, "run", "--rm", "-v", f"{name}:/data:ro",
                         "--mount", f"type=bind,source={host},target=/b,readonly",
                         volume_image, "sh", "-c", script)
    assert (ours.code, ours.out) == (theirs.code, theirs.out)
    assert ours.out.startswith("from the host\n1\n1\n")
    assert ours.err == theirs.err
    assert not (host / "y").exists()


@pytest.mark.interop
def test_mounts_in_inspect_like_docker(dfc: Any, docker: Any, volume_image: str,
                                       docker_volumes: list[str], tmp_path: Path) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    host = tmp_path / "made-by-run"
    flags = ["-v", f"{name}:/named:ro", "-v", f"{host}:/bound", "-v", "/anon",
             "--mount", f"type=bind,source={tmp_path},target=/ro,readonly",
             "--mount", "type=tmpfs,target=/t,tmpfs-size=1m", "--tmpfs", "/t2"]
    shapes = []
    for run, cname in ((dfc, "dfc-vtest-mounts"), (docker, docker.name())):
        created = run("create", "--name", cname, *flags, volume_image, "true")
        assert created.code == 0, created.err
        data = json.loads(run("inspect", cname).out)[0]
        mounts = sorted(data["Mounts"], key=lambda m: m["Destination"])
        for mount in mounts:
            if mount["Type"] == "volume":
                assert mount["Source"].endswith(f"/volumes/{mount['Name']}/_data")
                mount["Source"] = "<volume>"
                if mount["Name"] != name:
                    assert re.fullmatch(r"[0-9a-f]{64}", mount["Name"])
                    mount["Name"] = "<anonymous>"
        # docker's CLI collects the binds from a Go map: their order is random
        shapes.append((mounts, sorted(data["HostConfig"]["Binds"]), data["HostConfig"]["Tmpfs"],
                       data["Config"]["Volumes"]))
        run("rm", "-v", cname)
    assert shapes[0] == shapes[1]
    assert host.is_dir()  # `-v` makes a missing host folder


@pytest.mark.interop
def test_volume_commands_like_docker(dfc: Any, docker: Any, images: Any,
                                     docker_volumes: list[str]) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    for run in (dfc, docker):
        assert run("volume", "create", "--label", "a=b", name).out == f"{name}\n"
        assert run("volume", "create", name).code == 0  # (it exists: docker says its name)
    ours, theirs = (json.loads(r("volume", "inspect", name).out)[0] for r in (dfc, docker))
    assert list(ours) == list(theirs)
    for key in ("Driver", "Labels", "Name", "Options", "Scope"):
        assert ours[key] == theirs[key]
    assert ours["Mountpoint"].endswith(f"/volumes/{name}/_data")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ours["CreatedAt"])
    fmt = "{{.Name}} {{.Driver}} {{.Labels}} {{.Scope}}"
    ls = [r("volume", "ls", "--filter", f"name={name}", "--format", fmt).out
          for r in (dfc, docker)]
    assert ls[0] == ls[1] == f"{name} local a=b local\n"
    for flags in (["--filter", "dangling=true", "--filter", f"name={name}"],
                  ["--filter", "label=a=b", "--filter", "driver=local"]):
        listed = [r("volume", "ls", "-q", *flags).out.split() for r in (dfc, docker)]
        assert name in listed[0] and name in listed[1]
    generated = dfc("volume", "create").out.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", generated)
    assert dfc("volume", "rm", generated).out == f"{generated}\n"


@pytest.mark.interop
def test_volume_in_use_is_refused_like_docker(dfc: Any, docker: Any, images: Any,
                                              docker_volumes: list[str]) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    answers = []
    for run, cname in ((dfc, "dfc-vtest-inuse"), (docker, docker.name())):
        run("create", "--name", cname, "-v", f"{name}:/d", images.names["busybox"], "true")
        cid = run("inspect", "--format", "{{.Id}}", cname).out.strip()
        refused = run("volume", "rm", "-f", name)
        answers.append((refused.code, refused.err.replace(cid, "ID").splitlines()[-1]
                        .removeprefix("Error response from daemon: ").removeprefix("error: ")))
        assert run("volume", "inspect", "--format", "{{.Name}}", name).out == f"{name}\n"
        run("rm", cname)
        assert run("volume", "rm", name).code == 0
    assert answers[0] == answers[1] == (1, f"remove {name}: volume is in use - [ID]")


@pytest.mark.interop
@pytest.mark.parametrize("args", [
    ["volume", "rm", "dfc-vtest-nosuch"], ["volume", "inspect", "dfc-vtest-nosuch"],
    ["volume", "create", "bad name"],
])
def test_volume_refusals_like_docker(dfc: Any, docker: Any, images: Any,
                                     args: list[str]) -> None:
    ours, theirs = _both(dfc, docker, *args)
    assert ours.code == theirs.code == 1
    assert ours.err.removeprefix("error: ") == theirs.err.removeprefix(
        "Error: ").removeprefix("Error response from daemon: ")
    assert ours.out == theirs.out


@pytest.mark.interop
@pytest.mark.parametrize("flags", [
    ["--mount", "type=bind,source=/nonexistent-dfc-vtest,target=/x"],
    ["--mount", "type=foo,target=/x"],
    ["--mount", "type=volume"],
    ["--mount", "target=/x,badkey=1"],
    ["--mount", "type=bind,target=/x"],
    ["--mount", "type=tmpfs,source=a,target=/x"],
    ["--mount", "type=volume,target=relative"],
    ["--mount", "type=tmpfs,target=/x,tmpfs-size=abc"],
    ["--mount", "type=volume,src=v,dst=/x,ro=maybe"],
    ["-v", "/a:relative"], ["-v", "a:b:c:d"], ["-v", "v:/x:bogus"],
    ["-v", "/x:/y:rw,ro"], ["-v", "dfc-vtest-dupvol:/y", "--tmpfs", "/y"], ["-v", "a b:/x"],
])
def test_bad_mount_specs_like_docker(dfc: Any, docker: Any, images: Any,
                                     docker_volumes: list[str], flags: list[str]) -> None:
    """One line, docker's words and exit code, and no container or volume left."""
    docker_volumes.append("dfc-vtest-dupvol")
    before = dfc("volume", "ls", "-q").out
    ours, theirs = _both(dfc, docker, "run", "--rm", *flags, images.names["busybox"], "true")
    assert ours.code == theirs.code == 125
    first = theirs.err.splitlines()[0]
    expected = first.removeprefix("docker: ").removeprefix("Error response from daemon: ")
    expected = expected.removesuffix(".")  # (docker 20.10's CLI ends daemon errors so)
    assert ours.err == f"error: {expected}\n"
    assert dfc("ps", "-aq").out == "" and dfc("volume", "ls", "-q").out == before


def test_empty_volume_spec(dfc: Any, images: Any) -> None:
    """Today's docker client refuses it (20.10's passes it on to the daemon)."""
    result = dfc("run", "--rm", "-v", "", images.names["busybox"], "true")
    assert (result.code, result.err) == (125, "error: invalid empty volume spec\n")


def test_rm_v_and_run_rm_remove_anonymous_volumes_only(dfc: Any, volume_image: str) -> None:
    named = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    before = set(dfc("volume", "ls", "-q").out.split())
    dfc("run", "--name", "dfc-vtest-rmv", "-v", f"{named}:/n", "-v", "/anon", volume_image,
        "true")
    made = set(dfc("volume", "ls", "-q").out.split()) - before
    assert len(made) == 3 and named in made  # /n, /anon and the image's /data
    assert dfc("rm", "-v", "dfc-vtest-rmv").code == 0
    assert set(dfc("volume", "ls", "-q").out.split()) - before == {named}
    assert dfc("run", "--rm", "-v", f"{named}:/n", "-v", "/anon", volume_image,
               "true").code == 0
    assert set(dfc("volume", "ls", "-q").out.split()) - before == {named}
    dfc("run", "--name", "dfc-vtest-rm", volume_image, "true")
    assert dfc("rm", "dfc-vtest-rm").code == 0  # (without -v the volume stays)
    assert len(set(dfc("volume", "ls", "-q").out.split()) - before) == 2
    dfc("volume", "rm", named)
    dfc("volume", "prune", "-f")


def test_prune_removes_anonymous_unless_all(dfc: Any, volume_image: str) -> None:
    """Today's docker: `volume prune` keeps named volumes unless `-a`; never one in use."""
    named, used = (f"dfc-vtest-{uuid.uuid4().hex[:8]}" for _ in range(2))
    dfc("volume", "create", named)
    dfc("create", "--name", "dfc-vtest-user", "-v", f"{used}:/u", volume_image, "true")
    dfc("run", "--rm", "-d", volume_image, "true")
    dfc("create", "--name", "dfc-vtest-gone", volume_image, "true")
    anonymous = json.loads(dfc("inspect", "dfc-vtest-gone").out)[0]["Mounts"][0]["Name"]
    dfc("rm", "dfc-vtest-gone")
    pruned = dfc("volume", "prune", "-f")
    assert pruned.code == 0
    assert f"Deleted Volumes:\n{anonymous}\n" in pruned.out
    left = dfc("volume", "ls", "-q").out.split()
    assert named in left and used in left and anonymous not in left
    everything = dfc("volume", "prune", "-a", "-f")
    assert named in everything.out.split() and used not in everything.out.split()
    assert re.search(r"\n\nTotal reclaimed space: \d+(\.\d+)?k?B\n$", everything.out)
    assert used in dfc("volume", "ls", "-q").out.split()
    dfc("rm", "dfc-vtest-user")
    dfc("volume", "rm", used)


def test_system_prune_volumes_takes_anonymous_unused_ones(dfc: Any, volume_image: str) -> None:
    named = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    dfc("volume", "create", named)
    dfc("create", "--name", "dfc-vtest-sys", volume_image, "true")
    anonymous = json.loads(dfc("inspect", "dfc-vtest-sys").out)[0]["Mounts"][0]["Name"]
    dfc("rm", "dfc-vtest-sys")
    kept = dfc("system", "prune", "-f")  # without --volumes: no volume goes
    assert "Deleted Volumes" not in kept.out and anonymous in dfc("volume", "ls", "-q").out
    asked = dfc("system", "prune", "--volumes", stdin=b"n\n")
    assert "  - all anonymous volumes not used by at least one container\n" in asked.out
    pruned = dfc("system", "prune", "-f", "--volumes")  # (-a would take the test images)
    deleted = pruned.out.split("Deleted Volumes:\n")[1].split("\n\n")[0].split()
    assert anonymous in deleted and named not in deleted
    left = dfc("volume", "ls", "-q").out.split()
    assert named in left and anonymous not in left
    dfc("volume", "rm", named)


def test_exec_sees_the_mounts_and_data_is_shared(dfc: Any, images: Any) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    started = dfc("run", "-d", "--name", "dfc-vtest-exec", "-v", f"{name}:/shared",
                  "--tmpfs", "/scratch", images.names["busybox"], "sleep", "60")
    assert started.code == 0, started.err
    wrote = dfc("exec", "dfc-vtest-exec", "sh", "-c",
                "echo via-exec > /shared/x && grep -c ' /scratch ' /proc/mounts")
    assert wrote.out == "1\n"
    dfc("rm", "-f", "dfc-vtest-exec")
    read = dfc("run", "--rm", "-v", f"{name}:/again", images.names["busybox"],
               "cat", "/again/x")
    assert read.out == "via-exec\n"
    mountpoint = dfc("volume", "inspect", "--format", "{{.Mountpoint}}", name).out.strip()
    assert Path(mountpoint, "x").read_text() == "via-exec\n"
    dfc("volume", "rm", name)


def test_system_df_counts_volumes(dfc: Any, images: Any) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    dfc("volume", "prune", "-a", "-f")
    dfc("run", "--rm", "-v", f"{name}:/v", images.names["busybox"], "sh", "-c",
        "printf 12345 > /v/a; ln /v/a /v/hard; printf 123 > /v/b; mkdir /v/d")
    rows = {}
    for line in dfc("system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|"
                    "{{.Size}}|{{.Reclaimable}}").out.splitlines():
        kind, *rest = line.split("|")
        rows[kind] = rest
    total, active = int(rows["Local Volumes"][0]), int(rows["Local Volumes"][1])
    assert total >= 1 and active <= total
    dfc("create", "--name", "dfc-vtest-df", "-v", f"{name}:/v", images.names["busybox"],
        "true")
    alone = dfc("system", "df", "--format", "{{.Type}} {{.Active}}").out
    assert f"Local Volumes {active + 1}\n" in alone
    dfc("rm", "dfc-vtest-df")
    volume_list = dfc("volume", "ls", "-q").out.split()
    assert name in volume_list
    if total == 1:  # only ours: 8 bytes (the hard link counted once), all reclaimable
        assert rows["Local Volumes"][2:] == ["8B", "8B (100%)"]
    dfc("volume", "rm", name)


@pytest.mark.interop
@pytest.mark.parametrize("how", ["--mount", "-v"])
def test_nocopy_leaves_a_new_volume_empty(dfc: Any, docker: Any, volume_image: str,
                                          docker_volumes: list[str], how: str) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    spec = (f"type=volume,source={name},target=/data,volume-nocopy" if how == "--mount"
            else f"{name}:/data:nocopy")
    ours, theirs = _both(dfc, docker, "run", "--rm", how, spec, volume_image,
                         "ls", "-A", "/data")
    assert ours == theirs
    assert (ours.code, ours.out) == (0, "")
    dfc("volume", "rm", name)


@pytest.mark.interop
@pytest.mark.parametrize("flags", [
    ["--tmpfs", "/t"], ["--tmpfs", "/t:rw,exec,size=1m,mode=700"], ["--tmpfs", "/t:ro"],
    ["--mount", "type=tmpfs,target=/t,tmpfs-size=64k,tmpfs-mode=1770"],
    ["--mount", "type=tmpfs,target=/t,readonly"],
])
def test_tmpfs_mounts_like_docker(dfc: Any, docker: Any, images: Any,
                                  flags: list[str]) -> None:
    script = "grep ' /t ' /proc/mounts; stat -c '%A %u:%g' /t"
    ours, theirs = _both(dfc, docker, "run", "--rm", *flags, images.names["busybox"],
                         "sh", "-c", script)
    assert ours == theirs
    assert ours.out.startswith("tmpfs /t tmpfs ")


def test_inspect_finds_a_volume_after_containers_and_images(dfc: Any, images: Any) -> None:
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    dfc("volume", "create", name)
    assert dfc("inspect", "--format", "{{.Name}} {{.Scope}}", name).out == f"{name} local\n"
    missing = dfc("inspect", "dfc-vtest-nosuch")
    assert (missing.code, missing.err) == (1, "error: No such object: dfc-vtest-nosuch\n")
    dfc("volume", "rm", name)


@pytest.mark.interop
def test_ps_filter_volume_and_read_only_root(dfc: Any, docker: Any, volume_image: str,
                                             docker_volumes: list[str]) -> None:
    """`--read-only` leaves volumes writable; `ps --filter volume=` finds the container by
    the volume's name or its mount point."""
    name = f"dfc-vtest-{uuid.uuid4().hex[:8]}"
    docker_volumes.append(name)
    script = "touch /data/w /anon/w && echo writable; touch /w"
    for run, cname in ((dfc, "dfc-vtest-ro"), (docker, docker.name())):
        result = run("run", "--name", cname, "--read-only", "-v", f"{name}:/data", "-v",
                     "/anon", volume_image, "sh", "-c", script)
        assert (result.code, result.out) == (1, "writable\n"), result.err
        for value in (name, "/anon"):
            listed = run("ps", "-a", "--filter", f"volume={value}", "--format", "{{.Names}}")
            assert listed.out.split() == [cname]
        run("rm", "-v", cname)
    dfc("volume", "rm", name)
