"""`dfc run` against `docker run` on the same images: what runs (ENTRYPOINT/CMD in exec
and shell form, arguments, --entrypoint), environment, user, working folder, exit codes,
hostname and /etc/hosts. Each case runs in both and must print and exit the same."""

from __future__ import annotations

from typing import Any

import pytest

# (flags before the image, image key, arguments after it, compare stderr too)
CASES: list[tuple[list[str], str, list[str], bool]] = [
    ([], "cmd-exec", [], True),
    ([], "cmd-exec", ["echo", "x", "y"], True),
    ([], "cmd-shell", [], True),
    ([], "cmd-shell", ["echo", "args", "replace", "cmd"], True),
    ([], "ep-exec-cmd", [], True),
    ([], "ep-exec-cmd", ["x", "y"], True),
    ([], "ep-exec", [], True),
    ([], "ep-exec", ["x"], True),
    ([], "ep-shell", [], True),
    ([], "ep-shell", ["x", "y"], True),
    ([], "shell", [], True),
    (["--entrypoint", "echo"], "ep-exec-cmd", [], True),
    (["--entrypoint", "echo"], "ep-exec-cmd", ["only", "args"], True),
    (["--entrypoint", "echo"], "cmd-exec", [], True),
    (["--entrypoint", ""], "ep-exec-cmd", ["echo", "cleared"], True),
    (["-e", "A=override", "-e", "NEW=1", "-e", "FROM_CALLER", "-e", "UNSET_IN_CALLER"],
     "env-user", ["sh", "-c", "echo $A $B $NEW $FROM_CALLER ${UNSET_IN_CALLER-unset}"], True),
    ([], "env-user", [], True),
    (["-u", "root"], "env-user", [], True),
    (["-u", "1234:5678"], "env-user", ["id"], True),
    (["-u", "nobody:root"], "busybox", ["id"], True),
    (["-u", "nobody"], "busybox", ["sh", "-c", "id; echo $HOME"], True),
    (["-u", "daemon"], "busybox", ["id"], False),
    (["-w", "/made/here"], "busybox", ["sh", "-c", "pwd; ls -ld /made/here | cut -c1-10"],
     True),
    ([], "busybox", ["sh", "-c", "echo out; echo err >&2; exit 42"], True),
    ([], "busybox", ["sh", "-c", "kill -TERM $$"], True),
    ([], "busybox", ["nosuch"], False),
    ([], "busybox", ["/nosuch"], False),
    ([], "busybox", ["/etc/passwd"], False),
    (["--hostname", "myhost"], "busybox", ["sh", "-c", "hostname; cat /etc/hostname"], True),
    (["--network", "none", "--add-host", "db:10.1.2.3", "--add-host", "v6:fe80::1"],
     "busybox", ["cat", "/etc/hosts"], True),
    (["--network", "host"], "busybox", ["sh", "-c", "hostname; cat /etc/hosts"], True),
    (["--read-only"], "busybox", ["sh", "-c", "touch /x; echo $?"], False),
    ([], "busybox", ["sh", "-c", "grep -E '^Cap(Eff|Bnd)' /proc/self/status"], True),
    (["--cap-drop", "CHOWN", "--cap-add", "NET_ADMIN"], "busybox",
     ["sh", "-c", "grep CapEff /proc/self/status"], True),
    (["--cap-drop", "ALL"], "busybox", ["sh", "-c", "grep CapEff /proc/self/status"], True),
    (["-i"], "busybox", ["sh", "-c", "cat; echo done"], True),
]


@pytest.mark.parametrize(("flags", "image", "args", "stderr"), CASES,
                         ids=[" ".join([*c[0], c[1], *c[2]]) for c in CASES])
def test_run_like_docker(dfc: Any, docker: Any, images: Any, flags: list[str], image: str,
                         args: list[str], stderr: bool) -> None:
    name = images.names[image]
    env = {"FROM_CALLER": "from-the-caller"}
    stdin = b"piped in\n" if "-i" in flags else None
    theirs = docker("run", "--rm", *flags, name, *args, env=env, stdin=stdin)
    ours = dfc("run", "--rm", *flags, name, *args, env=env, stdin=stdin)
    assert (ours.code, ours.out) == (theirs.code, theirs.out), (ours.err, theirs.err)
    if stderr:
        assert ours.err == theirs.err
    else:
        assert len(ours.err.strip().splitlines()) <= 1


@pytest.mark.parametrize("message", [
    'exec: "nosuch": executable file not found in $PATH',
    'exec: "/nosuch": stat /nosuch: no such file or directory',
    'exec: "/etc/passwd": permission denied',
])
def test_exec_failures_say_what_runc_says(dfc: Any, docker: Any, images: Any,
                                          message: str) -> None:
    command = message.split('"')[1]
    theirs = docker("run", "--rm", images.names["busybox"], command)
    ours = dfc("run", "--rm", images.names["busybox"], command)
    assert message in theirs.err
    assert ours.err == f"error: failed to start container: {message}\n"
    assert ours.code == theirs.code


def test_env_file_then_flags(dfc: Any, docker: Any, images: Any, tmp_path: Any) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("# comment\nA=from-file\n\nC=file-only\nFROM_CALLER\n  D=indented\n")
    args = ["--env-file", str(env_file), "-e", "C=flag", images.names["env-user"],
            "sh", "-c", "echo $A $B $C $D $FROM_CALLER"]
    env = {"FROM_CALLER": "copied"}
    ours, theirs = dfc("run", "--rm", *args, env=env), docker("run", "--rm", *args, env=env)
    assert ours == theirs
    assert ours.out == "from-file 2 flag indented copied\n"


@pytest.mark.parametrize("network", [[], ["--network", "none"]], ids=["default", "none"])
def test_default_hostname_is_the_short_id(dfc: Any, docker: Any, images: Any,
                                          network: list[str]) -> None:
    """With a network of its own (the default one, or none) the host name is the ID's
    first 12 hex."""
    for run, name in ((dfc, "dfc-ctest-hostname"), (docker, docker.name())):
        result = run("run", *network, "--name", name, images.names["busybox"],
                     "sh", "-c", "hostname; cat /etc/hostname; echo $HOSTNAME")
        full_id = run("inspect", "--format", "{{.Id}}", name).out.strip()
        assert result.out == f"{full_id[:12]}\n" * 3
        run("rm", name)


def test_default_network_hosts_file(dfc: Any, docker: Any, images: Any) -> None:
    """Default against default: docker's local lines, the `--add-host` lines, then the
    container's own address under its host name (docker's bridge address, the user-mode
    stack's 10.0.2.100 here: see docs/differences.md)."""
    import re

    args = ["--add-host", "db:10.1.2.3", "-h", "myhost", images.names["busybox"],
            "cat", "/etc/hosts"]
    ours, theirs = dfc("run", "--rm", *args), docker("run", "--rm", *args)
    assert (ours.code, theirs.code) == (0, 0)
    assert ours.out.endswith("10.0.2.100\tmyhost\n")
    own_line = re.compile(r"^\d+\.\d+\.\d+\.\d+\tmyhost$", re.M)
    assert own_line.sub("ADDRESS\tmyhost", ours.out) == own_line.sub("ADDRESS\tmyhost", theirs.out)
