# SPDX-License-Identifier: GPL-3.0-or-later
"""What every golden script shares, tested once: valid sh, and the end_processes() helper."""

from __future__ import annotations

import subprocess

import pytest

from netns_helper.commands import END_PROCESSES_SH

from .golden import GOLDEN


@pytest.mark.real_processes
def test_every_golden_script_is_valid_sh() -> None:
    paths = sorted(GOLDEN.glob("*.sh"))
    assert len(paths) >= 10
    for path in paths:
        proc = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{path}: {proc.stderr}"


# `ip netns pids web` lists $PIDS; `kill -SIG PID...` prints SIG and the PIDs (its stderr goes to
# /dev/null) and ends them all when $DIES_ON_SIG is set; sleep is a no-op, so the loops run at once.
_STUBS = r"""
ip() { [ "$1 $2 $3" = "netns pids web" ] || exit 99; printf '%s\n' $PIDS; }
kill() {
	sig=${1#-}; shift; echo "$sig $*"
	eval "dies=\$DIES_ON_$sig"; [ -z "$dies" ] || PIDS=
}
sleep() { :; }
"""


@pytest.mark.real_processes
@pytest.mark.parametrize(
    ("pids", "dies_on", "rc", "signalled"),
    [
        ("", "", 0, []),
        ("101 102", "TERM", 0, ["TERM 101 102"]),
        ("101", "KILL", 0, ["TERM 101", "KILL 101"]),
        ("101", "", 1, ["TERM 101", "KILL 101"]),
    ],
    ids=["no-process", "ends-on-sigterm", "needs-sigkill", "survives-sigkill"],
)
def test_end_processes_helper(pids: str, dies_on: str, rc: int, signalled: list[str]) -> None:
    env = {"PIDS": pids, "DIES_ON_TERM": "y" if dies_on == "TERM" else "", "DIES_ON_KILL": "y" if dies_on else ""}
    code = f"{END_PROCESSES_SH}\n{_STUBS}\nend_processes web 2"
    proc = subprocess.run(["sh", "-c", code], env=env, capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout.splitlines(), proc.stderr) == (rc, signalled, "")
