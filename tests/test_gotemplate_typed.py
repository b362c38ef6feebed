"""`inspect -f` on docker's typed structs, then on the raw JSON: the expected texts were
printed by the docker 28 CLI (`docker image|container|volume inspect -f`) on objects
whose JSON is the data here (an image made by `docker import`, a container created from
it, a new volume); tests/interop/test_format_zero_values.py compares live."""

from __future__ import annotations

import pytest

from dfc.commands.formatting import FormatError, inspect_text
from dfc.commands.inspect_types import CONTAINER, IMAGE, VOLUME

IMPORTED = {
    "Id": "sha256:af72", "RepoTags": ["probe:1"], "RepoDigests": [], "Parent": "",
    "Config": {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": False,
               "Env": None, "Cmd": None, "Image": "", "Volumes": None, "WorkingDir": "",
               "Entrypoint": None, "OnBuild": None, "Labels": None},
    "Architecture": "amd64", "Os": "linux", "Size": 3,
    "GraphDriver": {"Data": {"MergedDir": "/m"}, "Name": "overlay2"},
    "RootFS": {"Type": "layers", "Layers": ["sha256:cc03"]},
    "Metadata": {"LastTagTime": "2026-12-06T19:01:41.5416085Z"},
}

IMAGE_CASES = [
    ("{{.Config.Entrypoint}}|{{.Config.Healthcheck}}|{{.Config.Volumes}}|{{.Config.OnBuild}}",
     "[]|<nil>|map[]|[]"),
    ("{{.Config.ExposedPorts}}|{{.Config.Shell}}|{{.Config.StopSignal}}|{{.Config.ArgsEscaped}}",
     "map[]|[]||false"),
    ("{{len .Config.Env}}{{len .Config.Labels}}", "00"),
    ("{{range .Config.Env}}x{{else}}empty{{end}}", "empty"),
    ("{{if .Config.Env}}y{{else}}n{{end}}{{if .Config.Healthcheck}}y{{else}}n{{end}}"
     "{{with .Config.Healthcheck}}y{{else}}n{{end}}", "nnn"),
    ("{{.Config.Labels.nosuch}}|{{index .Config.Labels \"nosuch\"}}|{{.GraphDriver.Data.x}}",
     "<no value>||<no value>"),
    ("{{json .Config.Env}}{{json .Config.Healthcheck}}{{json .Config.Labels}}", "nullnullnull"),
    ("{{.Config.Labels}}{{printf \"%v|%s|%d\" .Config.Env .Config.Healthcheck .Config.Labels}}",
     "map[][]|%!s(*v1.HealthcheckConfig=<nil>)|map[]"),
    ("{{eq .Config.Env nil}}", "true"),
    ("{{.Config}}", "{{ map[] [] [] [] map[]  map[]  false} {<nil> [] []}}"),
    ("{{printf \"%v\" .Config}}|{{print .Config}}",
     "&{{ map[] [] [] [] map[]  map[]  false} {<nil> [] []}}|"
     "&{{ map[] [] [] [] map[]  map[]  false} {<nil> [] []}}"),
    ("{{.RootFS}}|{{.GraphDriver}}", "{layers [sha256:cc03]}|{map[MergedDir:/m] overlay2}"),
    ("{{.Descriptor}}|{{.Manifests}}|{{.Variant}}", "<nil>|[]|"),
    ("{{.Metadata}}|{{.Metadata.LastTagTime}}|{{json .Metadata.LastTagTime}}|"
     "{{json .Metadata}}", '{2026-12-06 19:01:41.5416085 +0000 UTC}|2026-12-06 '
     '19:01:41.5416085 +0000 UTC|"2026-12-06T19:01:41.5416085Z"|'
     '{"LastTagTime":"2026-12-06T19:01:41.5416085Z"}'),
    # Hostname is no field of docker's image config type: the raw JSON answers
    ("{{.Config.Hostname}}", ""),
    ("{{.Config.Env}}{{.Config.Hostname}}", "<no value>"),
]

IMAGE_ERRORS = [
    ("{{.Config.Healthcheck.Test}}", ':1:9: executing "" at <.Config.Healthcheck.Test>: map '
     'has no entry for key "Healthcheck"'),
    ("{{len .Config.Healthcheck}}", ':1:13: executing "" at <.Config.Healthcheck>: map has '
     'no entry for key "Healthcheck"'),
    ("{{range .Config.Healthcheck}}{{end}}", ':1:15: executing "" at <.Config.Healthcheck>: '
     'map has no entry for key "Healthcheck"'),
    ("{{.Config.StopTimeout}}", ':1:9: executing "" at <.Config.StopTimeout>: map has no '
     'entry for key "StopTimeout"'),
    ("{{.Config.Nope}}", ':1:9: executing "" at <.Config.Nope>: map has no entry for key '
     '"Nope"'),
]


@pytest.mark.parametrize(("template", "expected"), IMAGE_CASES)
def test_image_zero_values(template: str, expected: str) -> None:
    assert inspect_text(template, IMPORTED, IMAGE) == expected


@pytest.mark.parametrize(("template", "where"), IMAGE_ERRORS)
def test_typed_failures_fall_back_to_the_raw_json(template: str, where: str) -> None:
    with pytest.raises(FormatError) as raised:
        inspect_text(template, IMPORTED, IMAGE)
    assert raised.value.message == "template: " + where


CREATED = {
    "Id": "50a8", "Args": [], "State": {"Status": "created", "Error": ""}, "ExecIDs": None,
    "HostConfig": {"Binds": None, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
                   "CapAdd": None, "CpuCount": 0},
    "Mounts": [], "Config": {"Env": None, "Cmd": ["/x"], "Labels": {}},
    "NetworkSettings": {"Networks": {"bridge": {"IPAMConfig": None, "Aliases": None}}},
}


def test_container_zero_values_and_go_field_names() -> None:
    text = inspect_text(
        "{{.ExecIDs}}|{{.HostConfig.PidsLimit}}|{{.HostConfig.ConsoleSize}}|"
        "{{.HostConfig.RestartPolicy}}|{{.State.Health}}|{{.Config.StopTimeout}}|"
        "{{.NetworkSettings.Networks.bridge.IPAMConfig}}|"
        "{{.NetworkSettings.Networks.bridge.Aliases}}|{{.HostConfig.Tmpfs}}|"
        "{{.HostConfig.CPUCount}}|{{.HostConfig.DNS}}|{{len .ID}}", CREATED, CONTAINER)
    assert text == "[]|<nil>|[0 0]|{no 0}|<nil>|<nil>|<nil>|[]|map[]|0|[]|4"
    # `CpuCount` is the JSON's name, not the Go field's: the raw JSON prints the rest.
    assert inspect_text("{{.HostConfig.RestartPolicy}}|{{.HostConfig.CpuCount}}",
                        CREATED, CONTAINER) == "map[MaximumRetryCount:0 Name:no]|0"
    with pytest.raises(FormatError, match='at <.State.Health.Status>: map has no entry '
                       'for key "Health"'):
        inspect_text("{{.State.Health.Status}}", CREATED, CONTAINER)


VOLUME_JSON = {"CreatedAt": "2026-12-06T19:03:30Z", "Driver": "local", "Labels": None,
               "Mountpoint": "/v/_data", "Name": "v", "Options": None, "Scope": "local"}


def test_volume_inspect_has_no_raw_fallback() -> None:
    assert inspect_text("{{.}}", VOLUME_JSON, VOLUME, fallback=False) == (
        "{<nil> 2026-12-06T19:03:30Z local map[] /v/_data v map[] local map[] <nil>}")
    assert inspect_text('{{index .Labels "x"}}|{{index .Status "x"}}|{{.Labels.x}}',
                        VOLUME_JSON, VOLUME, fallback=False) == "|<no value>|<no value>"
    with pytest.raises(FormatError) as raised:
        inspect_text("{{.UsageData.Size}}", VOLUME_JSON, VOLUME, fallback=False)
    assert raised.value.message == ('template: :1:12: executing "" at <.UsageData.Size>: '
                                    "nil pointer evaluating *volume.UsageData.Size")
    with pytest.raises(FormatError, match="can't evaluate field Nope in type volume.Volume"):
        inspect_text("{{.Nope}}", VOLUME_JSON, VOLUME, fallback=False)
    # `docker inspect` of a volume has the raw JSON to fall back on
    with pytest.raises(FormatError, match='map has no entry for key "UsageData"'):
        inspect_text("{{.UsageData.Size}}", VOLUME_JSON, VOLUME)
