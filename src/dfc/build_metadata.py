"""`dfc build --metadata-file FILE`: what buildx writes there about the image a build made
(`containerimage.digest`, `containerimage.config.digest`, `containerimage.descriptor`,
`image.name`), so scripts reading buildx's file read dfc's. buildx's `buildx.build.ref`
names a buildx builder's build record; dfc has no builders, so it is not written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dfc.build import BuildResult
    from dfc.cache.store import Store


def build_metadata(store: Store, result: BuildResult) -> dict[str, object]:
    manifest = store.resolve(result.manifest).manifest
    data: dict[str, object] = {
        "containerimage.config.digest": result.image_id,
        "containerimage.descriptor": {"mediaType": manifest.media_type,
                                      "digest": manifest.digest, "size": manifest.size},
        "containerimage.digest": result.manifest,
    }
    if result.tags:
        data["image.name"] = ",".join(result.tags)
    return data


def write_metadata_file(path: Path, store: Store, result: BuildResult) -> None:
    path.write_text(json.dumps(build_metadata(store, result), indent=2) + "\n")
