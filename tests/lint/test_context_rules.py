"""Rules that need configuration, the build context or the base image."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec

from dfc.compiler.ir import Healthcheck, ImageConfig
from dfc.compiler.lint.model import Finding
from dfc.compiler.lint.rule import Surroundings
from dfc.lint.context import context_files


class FakeImage(msgspec.Struct, frozen=True):
    """A base image "in the store": a config, a platform and some files."""

    config: ImageConfig = ImageConfig()
    platform: str = "linux/amd64"
    files: dict[str, str] = {}

    def read_text(self, path: str) -> str | None:
        return self.files.get(path)

    def exists(self, path: str) -> bool:
        return path in self.files or any(f.startswith(path.rstrip("/") + "/") for f in self.files)


ALPINE = FakeImage(
    files={
        "/etc/os-release": "ID=alpine\n",
        "/bin/sh": "",
        "/etc/passwd": "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:\n",
        "/etc/group": "root:x:0:\n",
    }
)
HEALTHY = FakeImage(
    config=ImageConfig(
        healthcheck=Healthcheck(test=("CMD", "true")), working_dir="/srv", user="1000"
    )
)


def images(**known: FakeImage) -> Surroundings:
    return Surroundings(images=lambda name: known.get(name))


Find = Callable[..., list[Finding]]


def test_trusted_registries(findings: Find) -> None:
    config = {"trusted_registries": ["docker.io", "*.gcr.io"]}
    assert findings("FROM evil.example/x:1\n", "DFC103", config=config)
    assert not findings("FROM debian:12\nFROM eu.gcr.io/p/x:1\n", "DFC103", config=config)
    assert not findings("FROM evil.example/x:1\n", "DFC103")


def test_label_schema(findings: Find) -> None:
    config = {
        "label_schema": {
            "org.opencontainers.image.source": "url",
            "org.opencontainers.image.created": "rfc3339",
        },
        "strict_labels": True,
    }
    text = "FROM debian:12\nLABEL org.opencontainers.image.created=yesterday other=1\n"
    assert findings(text, "DFC215", config=config)  # source missing
    assert findings(text, "DFC216", config=config)  # other
    assert findings(text, "DFC217", config=config)  # yesterday is not rfc3339
    good = (
        "FROM debian:12\nLABEL org.opencontainers.image.source=https://x.example/r "
        "org.opencontainers.image.created=2024-01-02T03:04:05Z\n"
    )
    assert not any(findings(good, c, config=config) for c in ("DFC215", "DFC216", "DFC217"))


def test_missing_healthcheck_is_base_aware(findings: Find) -> None:
    assert findings("FROM alpine:3.20\n", "DFC218", surroundings=images(**{"alpine:3.20": ALPINE}))
    assert not findings("FROM app:1\n", "DFC218", surroundings=images(**{"app:1": HEALTHY}))
    assert not findings("FROM unknown:1\n", "DFC218")  # unknown base: nothing is said


def test_relative_copy_uses_base_workdir(findings: Find) -> None:
    assert not findings(
        "FROM app:1\nCOPY a b/\n", "DFC213", surroundings=images(**{"app:1": HEALTHY})
    )
    unknown = findings("FROM other:1\nCOPY a b/\n", "DFC213")
    assert unknown and "unknown" in unknown[0].message


def test_package_manager_mismatch(findings: Find) -> None:
    where = images(**{"alpine:3.20": ALPINE})
    assert findings("FROM alpine:3.20\nRUN apt-get update\n", "DFC413", surroundings=where)
    assert not findings(
        "FROM alpine:3.20\nRUN apk add --no-cache x=1\n", "DFC413", surroundings=where
    )
    assert not findings("FROM nowhere:1\nRUN apt-get update\n", "DFC413")


def test_user_not_created_reads_base_passwd(findings: Find) -> None:
    where = images(**{"alpine:3.20": ALPINE})
    assert findings("FROM alpine:3.20\nUSER app\n", "DFC411", surroundings=where)
    assert not findings("FROM alpine:3.20\nUSER nobody\n", "DFC411", surroundings=where)
    assert not findings(
        "FROM alpine:3.20\nRUN adduser -D app\nUSER app\n", "DFC411", surroundings=where
    )
    assert not findings("FROM nowhere:1\nUSER app\n", "DFC411")


def test_shell_missing_in_base(findings: Find) -> None:
    where = images(**{"alpine:3.20": ALPINE})
    bash = 'FROM alpine:3.20\nSHELL ["/bin/bash", "-c"]\nRUN echo hi\n'
    assert findings(bash, "DFC414", surroundings=where)
    assert not findings("FROM alpine:3.20\nRUN echo hi\n", "DFC414", surroundings=where)


def test_base_platform_mismatch(findings: Find) -> None:
    arm = images(**{"alpine:3.20": FakeImage(platform="linux/arm64")})
    text = "FROM --platform=linux/amd64 alpine:3.20\n"
    assert findings(text, "DFC116", surroundings=arm)
    assert not findings("FROM --platform=linux/arm64 alpine:3.20\n", "DFC116", surroundings=arm)


def test_undefined_variable_knows_base_env(findings: Find) -> None:
    java = images(**{"jdk:21": FakeImage(config=ImageConfig(env=("JAVA_HOME=/opt/java",)))})
    assert not findings('FROM jdk:21\nRUN echo "$JAVA_HOME"\n', "DFC401", surroundings=java)
    assert findings('FROM jdk:21\nRUN echo "$JAVA_HOEM"\n', "DFC401", surroundings=java)
    # unknown base: only likely typos are reported
    assert not findings('FROM other:1\nRUN echo "$FROM_BASE"\n', "DFC401")


def test_copy_from_missing_path_checks_base_files(findings: Find) -> None:
    where = images(**{"alpine:3.20": ALPINE})
    text = "FROM alpine:3.20 AS a\nFROM scratch\nCOPY --from=a {} /x\n"
    assert findings(text.format("/usr/bin/nope"), "DFC410", surroundings=where)
    assert not findings(text.format("/etc/passwd"), "DFC410", surroundings=where)
    assert not findings(text.format("/usr/bin/nope"), "DFC410")  # base unknown


def _context(tmp_path: Path, ignore: str | None) -> Surroundings:
    (tmp_path / "app.py").write_text("print()\n")
    (tmp_path / ".env").write_text("TOKEN=x\n")
    (tmp_path / "README.md").write_text("hi\n")
    matcher = None
    if ignore is not None:
        from dfc.cache.patterns import IgnoreMatcher

        matcher = IgnoreMatcher.from_lines(ignore.split())
    excluded = matcher.excluded if matcher else None
    return Surroundings(context_files=context_files(tmp_path, excluded), ignored=excluded)


def test_credential_file_reaches_final_image(tmp_path: Path, findings: Find) -> None:
    text = "FROM debian:12\nCOPY . /app\n"
    hits = findings(text, "DFC405", surroundings=_context(tmp_path, None))
    assert hits and ".env" in hits[0].message
    assert not findings(text, "DFC405", surroundings=_context(tmp_path, ".env"))
    builder = "FROM debian:12 AS b\nCOPY . /app\nFROM debian:12\nCOPY --from=b /app/app.py /\n"
    assert not findings(builder, "DFC405", surroundings=_context(tmp_path, None))


def test_copy_ignored_file(tmp_path: Path, findings: Find) -> None:
    where = _context(tmp_path, "*.md")
    assert findings("FROM debian:12\nCOPY README.md /docs/\n", "DFC412", surroundings=where)
    assert not findings("FROM debian:12\nCOPY app.py /srv/\n", "DFC412", surroundings=where)
