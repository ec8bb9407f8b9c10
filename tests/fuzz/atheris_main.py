# SPDX-License-Identifier: GPL-3.0-or-later
"""`python -m tests.fuzz.atheris_main TARGET [libFuzzer options] [corpus dirs]`: atheris drives one target."""

from __future__ import annotations

import sys

import atheris  # type: ignore[import-untyped]

with atheris.instrument_imports(include=["netns_helper"]):
    from tests.fuzz.targets import TARGETS


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
