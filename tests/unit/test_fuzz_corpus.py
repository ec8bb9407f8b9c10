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
