"""The OCI config mirrors the policy tables the native backend applies (no root needed)."""

from __future__ import annotations

from pathlib import Path

from dfc.runtime.sandbox.oci import oci_config
from dfc.runtime.sandbox.policy import CAPABILITIES, MASKED_PATHS, READONLY_PATHS
from dfc.runtime.sandbox.rootfs import Rootfs
from dfc.runtime.sandbox.spec import RunSpec
from dfc.runtime.sandbox.users import ExecUser

ROOT = Rootfs(state=Path("/s"), lowerdirs=(Path("/s/init"), Path("/l")), upperdir=Path("/u"),
              workdir=Path("/s/work"), merged=Path("/s/root"), hosts=Path("/s/hosts"),
              resolv_conf=Path("/s/resolv.conf"), lower_links=("/run/dfc/l/x/0", "/run/dfc/l/x/1"))


def test_process_matches_dockers_defaults() -> None:
    spec = RunSpec(argv=("sh", "-c", "true"), env=("PATH=/bin",), cwd="/w", user="app")
    config = oci_config(spec, ROOT, ExecUser(1000, 1000, (10,), "/home/app"))
    process = config["process"]
    assert process["user"] == {"uid": 1000, "gid": 1000, "additionalGids": [10]}
    assert process["env"] == ["PATH=/bin", "HOME=/home/app"]
    assert set(process["capabilities"]["bounding"]) == set(CAPABILITIES)
    assert process["capabilities"]["effective"] == process["capabilities"]["bounding"]
    assert process["capabilities"]["inheritable"] == []
    assert process["noNewPrivileges"] is True and process["terminal"] is False
    assert config["root"] == {"path": "/s/root", "readonly": False}
    assert config["hostname"] == "buildkitsandbox"


def test_linux_section() -> None:
    root_user = ExecUser(0, 0, (), "/root")
    host = oci_config(RunSpec(argv=("true",), env=(), network="host"), ROOT, root_user)
    none = oci_config(RunSpec(argv=("true",), env=(), network="none"), ROOT, root_user)
    private = oci_config(RunSpec(argv=("true",), env=()), ROOT, root_user,
                         netns="/proc/1/fd/7")
    assert [n["type"] for n in host["linux"]["namespaces"]] == ["pid", "ipc", "uts", "mount"]
    assert none["linux"]["namespaces"][-1] == {"type": "network"}
    assert private["linux"]["namespaces"][-1] == {"type": "network", "path": "/proc/1/fd/7"}
    assert host["linux"]["maskedPaths"] == list(MASKED_PATHS)
    assert host["linux"]["readonlyPaths"] == list(READONLY_PATHS)
    assert host["linux"]["resources"]["devices"][0] == {"allow": False, "access": "rwm"}
    seccomp = host["linux"]["seccomp"]
    assert (seccomp["defaultAction"], seccomp["defaultErrnoRet"]) == ("SCMP_ACT_ERRNO", 1)
    allowed = {name for rule in seccomp["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW"
               for name in rule["names"]}
    assert "read" in allowed
    assert not {"mount", "umount2", "pivot_root", "unshare", "setns", "bpf", "keyctl"} & allowed
    binds = {m["destination"]: m["source"] for m in host["mounts"] if m["type"] == "bind"}
    assert binds == {"/etc/hosts": "/s/hosts", "/etc/resolv.conf": "/s/resolv.conf"}
