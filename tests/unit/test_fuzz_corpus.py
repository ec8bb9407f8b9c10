# SPDX-License-Identifier: GPL-3.0-or-later
"""Replays the fuzz targets' saved inputs (tests/fuzz/seeds and crashes): what atheris found stays fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.targets import TARGETS

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"


def _inputs() -> list[str]:
    return sorted(
        str(p.relative_to(FUZZ))
        for kind in ("seeds", "crashes")
        for p in (FUZZ / kind).glob("*/*")
        if p.is_file() and not p.name.startswith(".")
    )


def test_every_target_has_seeds_and_a_crash_directory() -> None:
    for target in TARGETS:
        assert list((FUZZ / "seeds" / target).iterdir()), target
        assert (FUZZ / "crashes" / target).is_dir(), target


@pytest.mark.parametrize("case", _inputs())
def test_a_saved_input_gives_only_located_config_errors(case: str) -> None:
    target = Path(case).parts[1]
    TARGETS[target]((FUZZ / case).read_bytes())


def test_a_target_reports_an_exception_that_is_not_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fuzz import targets

    def broken(path: str, errors: object = None) -> None:
        raise ValueError("a traceback an admin would see")

    monkeypatch.setattr(targets, "parse_file", broken)
    with pytest.raises(ValueError, match="traceback"):
        TARGETS["interfaces"](b"auto lo\n")


def test_the_wireguard_target_reports_a_collected_error_without_a_place(monkeypatch: pytest.MonkeyPatch) -> None:
    from netns_helper import wireguard
    from netns_helper.errors import ConfigError

    def unplaced(path: str, name: str, birth: object, errors: list[ConfigError], interfaces: str = "") -> None:
        errors.append(ConfigError("bad key"))

    monkeypatch.setattr(wireguard, "parse", unplaced)
    with pytest.raises(AssertionError, match="without a place"):
        TARGETS["wireguard"](b"[Interface]\n")


def test_the_inside_target_reports_an_exception_and_cleans_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from netns_helper import inside
    from tests.fuzz import targets

    def broken(paths: object, netns: str) -> None:
        raise IndexError("a traceback an admin would see")

    monkeypatch.setattr(inside, "load", broken)
    with pytest.raises(IndexError, match="traceback"):
        TARGETS["inside"](b"net.ipv4.ip_forward = 1\n")
    assert not Path(targets.PATHS.netns_etc(targets.NS), "nftables.conf").exists()
