"""`--format` and `inspect -f` against the docker CLI: docker evaluates its templates in the
client on the JSON it gets, so one image known to both (built by dfc, loaded into dockerd)
must print the same text through the same template, in dfc and in docker."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store

DOCKERFILE = """FROM busybox
ENV GREETING="hello world" EMPTY="" PATH=/usr/local/bin:/usr/bin:/bin
LABEL b.two="2" a.one="one" quote="it's <fine> & \\"ok\\""
WORKDIR /srv/app
EXPOSE 8080/tcp 53/udp
CMD ["sh", "-c", "echo hi"]
"""

INSPECT_TEMPLATES = [
    "{{.Id}}", "{{.RepoTags}}", "{{json .RepoTags}}", "{{.Os}}/{{.Architecture}}",
    "{{.Config.Env}}", "{{json .Config.Env}}", "{{.Config.Cmd}}", "{{.Config.Labels}}",
    "{{json .Config.Labels}}", "{{.Config.WorkingDir}}",
    "{{range .Config.Env}}{{.}}\n{{end}}", "{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}};{{end}}",
    "{{range $k, $v := .Config.Labels}}{{$k}}->{{$v}} {{end}}",
    "{{index .Config.Labels \"a.one\"}} {{index .Config.Cmd 2}} {{len .Config.Env}}",
    "{{if eq .Os \"linux\"}}linux{{else if eq .Os \"windows\"}}win{{else}}?{{end}}",
    "{{with .Config}}{{.WorkingDir}}{{end}}{{with .Config.Labels.nope}}x{{else}}none{{end}}",
    "{{join .Config.Cmd \" \"}}|{{split .Config.WorkingDir \"/\"}}|{{upper .Os}}|{{title .Os}}",
    "{{printf \"%-10s|%5d|%q|%v\" .Os (len .RootFS.Layers) .Config.WorkingDir .Config.Cmd}}",
    "{{.RootFS.Type}} {{len .RootFS.Layers}} {{index .RootFS.Layers 0}}",
    "{{- range .Config.Env -}} [{{ . }}] {{- end }}",
    "{{/* a comment */}}{{$os := .Os}}{{$os}}{{$os = \"x\"}}{{$os}}",
    "{{pad .Os 2 1}}|{{truncate .Architecture 3}}|{{lower \"ABC\"}}",
    "{{and .Os .Architecture}} {{or \"\" .Os}} {{not .Config.Env}} {{ne .Os \"x\"}}",
    "{{json .Config.ExposedPorts}} {{println .Os}}{{print .Os 1 2 .Architecture}}",
    "{{.Nope}}", "{{index .Config.Cmd 7}}", "{{nope .}}", "{{.Os",
]

IMAGES_TEMPLATES = [
    "{{.Repository}}:{{.Tag}}", "{{.ID}}", "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}",
    "table {{upper .Repository}}\\t{{.Tag | printf \"%-8s\"}}\\t{{json .ID}}",
    "{{json .Repository}} {{len .Tag}}", "{{.Nope}}", "{{.Repository | lower | upper}}",
    "table {{.Tag}}", "{{if .Tag}}tagged{{end}}",
]


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout if proc.returncode == 0 else proc.stderr


@pytest.fixture
def shared_image(fresh_store: Store, tmp_path: Path, dfc_cmd: list[str],
                 docker: Any) -> str:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    name: str = docker.name("format") + ":v1"
    build(BuildRequest(context=str(ctx), tags=(name,)), fresh_store, lambda e: None)
    archive = subprocess.run([*dfc_cmd, "save", name], capture_output=True, check=True,
                             env={**os.environ, "DFC_ROOT": str(fresh_store.root)}).stdout
    docker("load", input=archive)
    return name


def test_inspect_and_images_templates_print_what_docker_prints(
        shared_image: str, fresh_store: Store, dfc_cmd: list[str]) -> None:
    env = {**os.environ, "DFC_ROOT": str(fresh_store.root)}
    differ = []
    for template in INSPECT_TEMPLATES:
        want = run(["docker", "inspect", "-f", template, shared_image])
        got = run([*dfc_cmd, "inspect", "-f", template, shared_image], env)
        if want != got:
            differ.append(f"inspect -f {template!r}\n  docker {want!r}\n  dfc    {got!r}")
    repository = shared_image.split(":")[0]
    for template in IMAGES_TEMPLATES:
        want = run(["docker", "images", "--format", template, repository])
        got = run([*dfc_cmd, "images", "--format", template, repository], env)
        if want != got:
            differ.append(f"images --format {template!r}\n  docker {want!r}\n  dfc    {got!r}")
    assert not differ, "\n".join(differ)
