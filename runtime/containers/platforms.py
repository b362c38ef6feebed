"""The image a container runs: the entry of an index for the platform asked (`--platform`,
else this machine's), and QEMU emulation made ready when that image is foreign.

As docker: an explicit `--platform` that the one image of a name does not have is an error;
without `--platform`, a foreign image runs (emulated) after a warning.
"""

from __future__ import annotations

import sys

from dfc.cache.oci import Manifest
from dfc.cache.store import ImageRecord, Store
from dfc.platform import host_platform, parse_platform
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.emulation.binfmt import ensure
from dfc.runtime.images.config import ImageConfig
from dfc.runtime.images.platforms import PlatformNotFound, PlatformNotPulled, select


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def image_for(store: Store, ref: str, record: ImageRecord, platform: str | None
              ) -> tuple[str, Manifest, ImageConfig]:
    """The manifest digest, manifest and config to run for `ref` on `platform`."""
    host = host_platform()
    wanted = parse_platform(platform) if platform else host
    try:
        chosen = select(store, record.manifest, wanted, ref)
    except (PlatformNotFound, PlatformNotPulled) as exc:
        raise ContainerError(exc.message) from None
    if not chosen.fits(wanted):
        if platform:
            raise ContainerError(f"image with reference {ref} was found but does not match "
                                 f"the specified platform: wanted {wanted}, actual: "
                                 f"{chosen.platform}")
        _say(f"WARNING: The requested image's platform ({chosen.platform}) does not match "
             f"the detected host platform ({host}) and no specific platform was requested")
    ensure(chosen.platform, _say)
    manifest = store.read_json(chosen.manifest.digest, Manifest)
    return chosen.manifest.digest, manifest, chosen.config
