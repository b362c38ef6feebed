"""`inspect -f` where the JSON has null or leaves a field out, against the docker 28 CLI:
docker runs the template on its typed struct first (`[]`, `map[]`, `<nil>`, "" for what
the JSON lacks), then, if that fails, on the raw JSON with missingkey=error. The same
image (imported from one tar), a container made from it and a volume, in dockerd and in
dfc, must print the same text (or the same error) through the same template."""

from __future__ import annotations

import os
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DOCKER = "/usr/local/bin/docker"  # the docker 28 CLI (/usr/bin/docker is 20.10's)

IMAGE_TEMPLATES = [
    "{{.Config.Entrypoint}}|{{.Config.Healthcheck}}|{{.Config.Volumes}}|{{.Config.OnBuild}}",
    "{{.Config.Env}}|{{.Config.Cmd}}|{{.Config.Labels}}|{{.Config.ExposedPorts}}"
    "|{{.Config.Shell}}|{{.Config.StopSignal}}|{{.Config.ArgsEscaped}}|{{.Config.User}}",
    "{{len .Config.Env}} {{len .Config.Labels}} {{len .Config.Volumes}}",
    "{{range .Config.Env}}x{{else}}empty{{end}} {{range $k, $v := .Config.Labels}}{{$k}}"
    "{{else}}none{{end}}",
    "{{if .Config.Env}}y{{else}}n{{end}}{{if .Config.Healthcheck}}y{{else}}n{{end}}"
    "{{with .Config.Volumes}}y{{else}}n{{end}}{{if not .Config.OnBuild}}!{{end}}",
    "{{.Config.Labels.nosuch}}|{{index .Config.Labels \"nosuch\"}}|{{.GraphDriver.Data.x}}",
    "{{json .Config.Env}}{{json .Config.Healthcheck}}{{json .Config.Labels}}",
    "{{printf \"%v|%s|%d|%v\" .Config.Env .Config.Healthcheck .Config.Labels "
    ".Config.Healthcheck}}",
    "{{eq .Config.Env nil}} {{eq .Config.Labels nil}} {{ne .Os \"x\"}}",
    "{{.Config}}", "{{printf \"%v\" .Config}}", "{{print .Config}}", "{{.RootFS.Type}}",
    "{{.Variant}}|{{.OsVersion}}|{{.Manifests}}|{{.Author}}",
    # a field docker's typed image config lacks: the raw JSON decides, nulls and all
    "{{.Config.Hostname}}", "{{.Config.Env}}{{.Config.Hostname}}",
    # errors: the raw run's
    "{{.Config.Healthcheck.Test}}", "{{len .Config.Healthcheck}}",
    "{{range .Config.Healthcheck}}{{end}}", "{{.Config.StopTimeout}}", "{{.Config.Nope}}",
    "{{.Nope}}", "{{.RootFS.BaseLayer}}", "{{.Config.Healthcheck.Test}}{{.Config.Hostname}}",
]

CONTAINER_TEMPLATES = [
    "{{.ExecIDs}}|{{.HostConfig.Binds}}|{{.HostConfig.CapAdd}}|{{.HostConfig.CapDrop}}"
    "|{{.HostConfig.ExtraHosts}}",
    "{{.HostConfig.PidsLimit}}|{{.HostConfig.MemorySwappiness}}|{{.HostConfig.Init}}"
    "|{{.SizeRw}}|{{.SizeRootFs}}|{{.ImageManifestDescriptor}}",
    "{{.State.Health}}|{{.Config.Healthcheck}}|{{.Config.StopTimeout}}",
    "{{.Config.Env}}|{{.Config.Volumes}}|{{.Config.Entrypoint}}|{{.Config.OnBuild}}"
    "|{{.Config.Shell}}|{{.Config.ExposedPorts}}|{{.Config.Labels}}|{{.Config.Cmd}}",
    "{{.HostConfig.Tmpfs}}|{{.HostConfig.Sysctls}}|{{.HostConfig.StorageOpt}}"
    "|{{.HostConfig.Annotations}}|{{.HostConfig.ConsoleSize}}|{{.HostConfig.LogConfig}}",
    "{{.HostConfig.Devices}}|{{.HostConfig.DeviceRequests}}|{{.HostConfig.Ulimits}}"
    "|{{.HostConfig.Links}}|{{.HostConfig.GroupAdd}}|{{.HostConfig.SecurityOpt}}"
    "|{{.HostConfig.VolumesFrom}}|{{.HostConfig.DeviceCgroupRules}}",
    "{{.HostConfig.RestartPolicy}}|{{.HostConfig.CPUCount}}|{{.HostConfig.Isolation}}"
    "|{{.HostConfig.DNS}}|{{.HostConfig.CPUShares}}",
    # a JSON name that is not the Go field's: the typed run fails, the raw one decides
    "{{len .Id}}{{.Config.Env}}", "{{len .ID}}",
    "{{if .State.Health}}h{{else}}no{{end}} {{len .ExecIDs}} {{len .Config.Env}}"
    "{{range .HostConfig.Binds}}x{{else}} none{{end}}",
    "{{.Config.Labels.nosuch}}|{{index .Config.Labels \"nosuch\"}}",
    "{{json .ExecIDs}}{{json .State.Health}}{{json .Config.Env}}",
    "{{.State}}|{{printf \"%v\" .State}}|{{.State.Pid}}",
    "{{.State.Health.Status}}", "{{.Node}}", "{{.Config.Nope}}", "{{.Nope}}",
]

VOLUME_TEMPLATES = [
    "{{.Labels}}|{{.Options}}|{{.Status}}|{{.UsageData}}|{{.ClusterVolume}}",
    "{{.Labels.x}}|{{index .Labels \"x\"}}|{{index .Options \"x\"}}|{{index .Status \"x\"}}",
    "{{len .Labels}}{{range .Options}}x{{else}}e{{end}}{{if .UsageData}}u{{end}}",
    "{{json .Status}}{{json .UsageData}}", "{{.Driver}} {{.Scope}}",
    "{{.UsageData.Size}}", "{{.Nope}}", "{{len .UsageData}}",
]


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout if proc.returncode == 0 else proc.stderr.strip()


class Objects:
    """The same image, container and volume names in dockerd and in a dfc store."""

    def __init__(self, root: Path, dfc_cmd: list[str]) -> None:
        self.env = {**os.environ, "DFC_ROOT": str(root)}
        self.dfc = dfc_cmd
        tag = uuid.uuid4().hex[:8]
        self.image = f"dfc-zero-{tag}:1"
        self.container = f"dfc-zero-{tag}"
        self.volume = f"dfc-zero-{tag}"

    def both(self, *args: str) -> None:
        for cmd, env in (([DOCKER], None), (self.dfc, self.env)):
            proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env)
            assert proc.returncode == 0, f"{cmd[0]} {' '.join(args)}: {proc.stderr}"

    def differ(self, command: list[str], name: str, templates: list[str]) -> list[str]:
        found = []
        for template in templates:
            want = run([DOCKER, *command, "-f", template, name])
            got = run([*self.dfc, *command, "-f", template, name], self.env)
            if want != got:
                found.append(f"{' '.join(command)} -f {template!r}\n  docker {want!r}\n"
                             f"  dfc    {got!r}")
        return found


@pytest.fixture
def objects(tmp_path: Path, dfc_cmd: list[str]) -> Iterator[Objects]:
    if not os.path.exists(DOCKER):
        pytest.skip(f"needs the docker 28 CLI at {DOCKER}")
    if subprocess.run([DOCKER, "info"], capture_output=True).returncode != 0:
        pytest.fail("dockerd is not reachable")
    made = Objects(tmp_path / "store", dfc_cmd)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "f").write_text("hi\n")
    with tarfile.open(tmp_path / "root.tar", "w") as tar:
        tar.add(tmp_path / "root", arcname=".")
    try:
        made.both("import", str(tmp_path / "root.tar"), made.image)
        made.both("create", "--name", made.container, made.image, "/f")
        made.both("volume", "create", made.volume)
        yield made
    finally:
        for args in (["rm", "-f", made.container], ["rmi", "-f", made.image],
                     ["volume", "rm", "-f", made.volume]):
            subprocess.run([DOCKER, *args], capture_output=True)


@pytest.mark.interop
def test_zero_values_print_as_docker_prints_them(objects: Objects) -> None:
    differ = (objects.differ(["image", "inspect"], objects.image, IMAGE_TEMPLATES)
              + objects.differ(["inspect"], objects.image, IMAGE_TEMPLATES[:3])
              + objects.differ(["container", "inspect"], objects.container,
                               CONTAINER_TEMPLATES)
              + objects.differ(["volume", "inspect"], objects.volume, VOLUME_TEMPLATES)
              + objects.differ(["inspect", "--type", "volume"], objects.volume,
                               VOLUME_TEMPLATES))
    assert not differ, "\n".join(differ)
