"""Several `--platform`s in one build: the list, the index that gathers the images, and the
outputs an index cannot take.

Each platform gets its own plan (TARGETPLATFORM and friends differ; BUILDPLATFORM is the
host's); the executors share what they ran, so a `FROM --platform=$BUILDPLATFORM` stage is
built once. The result is an OCI image index whose entries state the platform each image's
config says, as buildx makes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from dfc.cache.oci import MEDIA_INDEX, Descriptor, Index
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.platform import parse_platform
from dfc.runtime.images.export import OutputSpec

DOCKER_EXPORTER = "docker exporter does not currently support exporting manifest lists"
"""buildx's refusal of `--output type=docker` (`--load`) for several platforms."""


def platform_list(text: str | None) -> list[str | None]:
    """`--platform linux/amd64,linux/arm64`: normalised, each once, in the order given;
    [None] (this machine's) when the option is absent."""
    if not text:
        return [None]
    found: list[str | None] = []
    for item in text.split(","):
        if not item.strip():
            raise DfcError(f"invalid platform list {text!r}: empty entry")
        name = str(parse_platform(item.strip()))
        if name not in found:
            found.append(name)
    return found


def check_outputs(outputs: Sequence[OutputSpec]) -> None:
    for spec in outputs:
        if spec.type == "docker":
            raise DfcError(DOCKER_EXPORTER)


def write_index(store: Store, images: Sequence[Descriptor]) -> Descriptor:
    """The OCI index of image manifests, each entry with its image's platform."""
    index = Index(manifests=tuple(images), media_type=MEDIA_INDEX)
    return store.put_json(index, MEDIA_INDEX)
