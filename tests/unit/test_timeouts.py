# SPDX-License-Identifier: GPL-3.0-or-later
"""The executor's timeouts fit the unit's: ours end a hung command first, with time left to undo."""

from __future__ import annotations

import re
from pathlib import Path

from netns_helper.commands import IFUPDOWN_TIMEOUTS, PROCESS_TIMEOUT, EndProcesses
from netns_helper.executor import KILL_GRACE

UNIT = Path(__file__).resolve().parents[2] / "share/systemd-netns-helper/systemd-netns@.service"


def _seconds(name: str) -> float:
    """A time span setting of the unit (`5min`, `90s`, `90`), in seconds."""
    (value,) = re.findall(rf"^{name}=(.*)$", UNIT.read_text(), re.MULTILINE)
    total = 0.0
    for number, unit in re.findall(r"(\d+)\s*(min|s|)", value):
        total += int(number) * (60 if unit == "min" else 1)
    assert total > 0, value
    return total


# end_processes: SIGTERM, wait, SIGKILL, wait; each wait is EndProcesses' timeout.
END_PROCESSES = 2 * EndProcesses("x").timeout
# What an undo of a start, or a stop, may take beyond its `ip` commands: ifdown and end_processes.
TEARDOWN = IFUPDOWN_TIMEOUTS["ifdown"] + END_PROCESSES


def test_timeout_start_sec_is_parsed() -> None:
    assert (_seconds("TimeoutStartSec"), _seconds("TimeoutStopSec")) == (300, 120)


def test_a_hung_ifup_times_out_with_time_left_to_undo_the_start() -> None:
    assert IFUPDOWN_TIMEOUTS["ifup"] + TEARDOWN + PROCESS_TIMEOUT < _seconds("TimeoutStartSec")


def test_a_stop_or_an_undo_after_systemds_sigterm_ends_before_its_sigkill() -> None:
    # After TimeoutStartSec systemd sends SIGTERM, then SIGKILL once TimeoutStopSec has passed.
    assert _seconds("TimeoutStopSec") > KILL_GRACE + TEARDOWN + PROCESS_TIMEOUT


def test_every_process_is_bounded_below_the_start_timeout() -> None:
    assert max(PROCESS_TIMEOUT, *IFUPDOWN_TIMEOUTS.values()) < _seconds("TimeoutStartSec")
