"""containerd's platform rules (Parse, Normalize, the default matcher), as `--platform`,
`FROM --platform` and pulls from an index see them."""

from __future__ import annotations

import platform as host

import pytest

from dfc.platform import (
    InvalidPlatform,
    Platform,
    best_match,
    compatible,
    host_platform,
    matches,
    parse_platform,
)


@pytest.mark.parametrize(("text", "normal"), [
    ("linux/amd64", "linux/amd64"),
    ("linux/x86_64", "linux/amd64"),
    ("linux/x86-64", "linux/amd64"),
    ("x86_64", "linux/amd64"),
    ("linux/amd64/v1", "linux/amd64"),
    ("linux/amd64/v2", "linux/amd64/v2"),
    ("linux/amd64/v3", "linux/amd64/v3"),
    ("linux/arm64", "linux/arm64"),
    ("linux/aarch64", "linux/arm64"),
    ("linux/arm64/v8", "linux/arm64"),
    ("linux/arm64/8", "linux/arm64"),
    ("Linux/ARM64/v8", "linux/arm64"),
    ("linux/arm64/v9", "linux/arm64/v9"),
    ("linux/arm", "linux/arm/v7"),
    ("arm", "linux/arm/v7"),
    ("linux/arm/7", "linux/arm/v7"),
    ("linux/arm/v7", "linux/arm/v7"),
    ("linux/arm/v6", "linux/arm/v6"),
    ("linux/arm/5", "linux/arm/v5"),
    ("linux/armhf", "linux/arm/v7"),
    ("linux/armel", "linux/arm/v6"),
    ("linux/i386", "linux/386"),
    ("linux/i686", "linux/386"),
    ("linux/386", "linux/386"),
    ("linux/s390x", "linux/s390x"),
    ("linux/riscv64", "linux/riscv64"),
    ("windows/amd64", "windows/amd64"),
])
def test_normalised_as_containerd_does(text: str, normal: str) -> None:
    assert str(parse_platform(text)) == normal


def test_an_os_alone_is_this_machine() -> None:
    assert parse_platform("linux") == host_platform()
    assert host_platform().os == "linux"
    if host.machine() == "x86_64":
        assert str(host_platform()) == "linux/amd64"


@pytest.mark.parametrize(("text", "why"), [
    ("linux/nope", '"linux/nope": unknown operating system or architecture'),
    ("plan10/z80", '"plan10/z80": unknown operating system or architecture'),
    ("arm/v7", '"arm/v7": unknown operating system or architecture'),
    ("nope", '"nope": unknown operating system or architecture'),
    ("a/b/c/d", '"a/b/c/d": cannot parse platform specifier'),
    ("linux//x", '"" is an invalid component of "linux//x": platform specifier component '
     'must match "^[A-Za-z0-9_-]+$"'),
    ("linux/arm 64", '"arm 64" is an invalid component of "linux/arm 64": platform '
     'specifier component must match "^[A-Za-z0-9_-]+$"'),
])
def test_a_bad_platform_is_one_clear_error(text: str, why: str) -> None:
    with pytest.raises(InvalidPlatform) as info:
        parse_platform(text)
    assert info.value.message == f"failed to parse platform {text}: {why}: invalid argument"


@pytest.mark.parametrize(("wanted", "offered", "runs"), [
    ("linux/arm64", Platform("arm64", "linux", "v8"), True),
    ("linux/arm64/v8", Platform("arm64", "linux"), True),
    ("linux/arm64", Platform("aarch64", "linux"), True),
    ("linux/arm64", Platform("arm", "linux", "v7"), True),
    ("linux/arm/v7", Platform("arm", "linux"), True),
    ("linux/arm/v7", Platform("arm", "linux", "v6"), True),
    ("linux/arm/v6", Platform("arm", "linux", "v7"), False),
    ("linux/arm/v7", Platform("arm64", "linux"), False),
    ("linux/amd64", Platform("amd64", "linux"), True),
    ("linux/amd64", Platform("x86_64", "linux"), True),
    ("linux/amd64", Platform("amd64", "linux", "v1"), True),
    ("linux/amd64", Platform("amd64", "linux", "v2"), False),
    ("linux/amd64/v3", Platform("amd64", "linux", "v2"), True),
    ("linux/amd64", Platform("386", "linux"), True),
    ("linux/amd64", Platform("arm64", "linux"), False),
    ("linux/amd64", Platform("amd64", "windows"), False),
])
def test_index_entries_match_as_containerd_default_matcher(wanted: str, offered: Platform,
                                                           runs: bool) -> None:
    assert matches(parse_platform(wanted), offered) is runs


def test_the_best_entry_of_an_index_wins() -> None:
    entries = [Platform("386", "linux"), None, Platform("amd64", "linux", "v2"),
               Platform("amd64", "linux"), Platform("amd64", "linux")]
    assert best_match(parse_platform("linux/amd64/v3"), entries) == 2
    assert best_match(parse_platform("linux/amd64"), entries) == 3
    assert best_match(parse_platform("linux/arm64"), entries) is None
    assert [str(p) for p in compatible(parse_platform("linux/arm/v7"))] == [
        "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"]


def test_index_entries_are_written_in_oci_shape() -> None:
    import msgspec

    assert msgspec.json.encode(Platform("arm64", "linux", "v8")) == (
        b'{"architecture":"arm64","os":"linux","variant":"v8"}')
    assert msgspec.json.encode(Platform("amd64", "linux")) == (
        b'{"architecture":"amd64","os":"linux"}')
