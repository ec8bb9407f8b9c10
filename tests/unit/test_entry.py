# SPDX-License-Identifier: GPL-3.0-or-later
"""The entry point runs isolated: nothing of the caller's environment runs as root with it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.real_processes
def test_python_variables_and_the_current_directory_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text("print('hijacked')\n")
    (tmp_path / "json.py").write_text("print('hijacked')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONSTARTUP": str(tmp_path / "sitecustomize.py")}
    out = subprocess.run(
        [str(REPO / "bin/netns-helper"), "--version"], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    )
    assert "hijacked" not in out.stdout + out.stderr
    assert out.stdout.startswith("netns-helper ")
