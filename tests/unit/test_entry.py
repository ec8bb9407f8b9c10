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


@pytest.mark.real_processes
def test_the_installed_entry_point_finds_its_package_without_site(tmp_path: Path) -> None:
    """`#!/usr/bin/python3 -IS`: sys.path has no dist-packages, so the entry point puts
    PREFIX/lib/python3/dist-packages there itself, as `make install` (and so the Debian package)
    lays it out; the old command's name, a symlink, finds it too."""
    subprocess.run(
        ["make", "-s", "-C", str(REPO), "install", f"DESTDIR={tmp_path}", "PREFIX=/usr"],
        check=True,
        capture_output=True,
    )
    sbin = tmp_path / "usr/sbin"
    assert (sbin / "netns-helper").read_text().startswith("#!/usr/bin/python3 -IS\n")
    for command in ("netns-helper", "systemd-netns"):
        out = subprocess.run(
            [str(sbin / command), "--version"], cwd=tmp_path, check=True, capture_output=True, text=True
        )
        assert out.stdout.startswith("netns-helper ")
    # The package that runs is the installed copy, not this checkout's.
    (tmp_path / "usr/lib/python3/dist-packages/netns_helper/cli.py").write_text("def main():\n    return 7\n")
    assert subprocess.run([str(sbin / "netns-helper"), "--version"], check=False).returncode == 7


@pytest.mark.real_processes
def test_an_entry_point_without_its_package_says_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "sbin").mkdir()
    entry = tmp_path / "sbin/netns-helper"
    entry.write_text((REPO / "bin/netns-helper").read_text())
    entry.chmod(0o755)
    out = subprocess.run([str(entry), "--version"], check=False, capture_output=True, text=True)
    assert out.returncode == 1
    assert (
        out.stderr == f"netns-helper: no netns_helper package in {tmp_path} or {tmp_path}/lib/python3/dist-packages\n"
    )


@pytest.mark.real_processes
def test_the_entry_point_ends_without_teardown_but_with_all_it_printed(tmp_path: Path) -> None:
    """It ends by os._exit (issue 15): what the command printed still arrives whole, through a pipe
    (block-buffered) too, its exit code stays, and a profiler still writes its report."""
    (tmp_path / "bin").mkdir()
    entry = tmp_path / "bin/netns-helper"
    entry.write_text((REPO / "bin/netns-helper").read_text())
    entry.chmod(0o755)
    (tmp_path / "netns_helper").mkdir()
    (tmp_path / "netns_helper/__init__.py").write_text("")
    (tmp_path / "netns_helper/cli.py").write_text(
        "import sys\n\ndef main():\n"
        "    sys.stdout.write('x' * 100000 + '\\n')\n"
        "    sys.stdout.write('the last line\\n')\n"
        "    sys.stderr.write('a warning\\n')\n"
        "    return 3\n"
    )
    out = subprocess.run([str(entry)], check=False, capture_output=True, text=True)
    assert (out.returncode, out.stdout, out.stderr) == (3, "x" * 100000 + "\nthe last line\n", "a warning\n")
    report = tmp_path / "profile"
    profiled = ["/usr/bin/python3", "-IS", "-m", "cProfile", "-o", str(report), str(entry)]
    subprocess.run(profiled, check=False, capture_output=True)  # cProfile takes the exit code for its own
    assert report.stat().st_size > 0
