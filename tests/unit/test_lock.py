# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-namespace lock: serializes, times out with a clear message, leaves no file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from netns_helper.errors import ConfigError
from netns_helper.facts import Paths
from netns_helper.lock import Busy, lock_path, locked
from netns_helper.names import NETNS_NAME_MAX, check_netns_name


def test_lock_file_exists_only_while_held(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    with locked(paths, "web"):
        assert os.path.exists(lock_path(paths, "web"))
    assert os.listdir(tmp_path / "netns-helper") == []


def test_second_holder_waits_then_gives_up_clearly(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    entered: list[str] = []
    busy = pytest.raises(Busy, match=r"namespace web is busy: .*web\.lock \(waited 0 s\)")
    with locked(paths, "web"), busy, locked(paths, "web", wait=0.05):
        entered.append("web")
    with locked(paths, "other", wait=0.05):  # other namespaces are not blocked
        entered.append("other")
    assert entered == ["other"]


def test_holders_are_serialized_across_file_removal(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    inside: list[int] = []
    overlaps: list[int] = []

    def work(n: int) -> None:
        for _ in range(20):
            with locked(paths, "web"):
                if inside:
                    overlaps.append(n)
                inside.append(n)
                time.sleep(0.0005)
                inside.remove(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    assert os.listdir(tmp_path / "netns-helper") == []


def test_the_lock_never_opens_through_a_symlink(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    (tmp_path / "netns-helper").mkdir()
    victim = tmp_path / "victim"
    os.symlink(victim, lock_path(paths, "web"))
    refused = pytest.raises(Busy, match=r"cannot lock namespace web: .*web\.lock: Too many levels of symbolic links")
    with refused, locked(paths, "web", wait=0):
        pytest.fail("locked through a symbolic link")
    assert not victim.exists()


def test_the_lock_directory_is_not_a_symlink(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "netns-helper")
    with (
        pytest.raises(Busy, match=r"netns-helper: Not a directory \(a symbolic link\?\)"),
        locked(paths, "web", wait=0),
    ):
        pytest.fail("locked in a symlinked directory")
    assert os.listdir(tmp_path / "elsewhere") == []


@pytest.mark.real_processes
def test_a_lock_file_left_by_a_killed_holder_is_taken_at_once(tmp_path: Path) -> None:
    # kill -9 skips the removal: the file stays, but the kernel dropped the flock with its holder.
    paths = Paths(run=str(tmp_path))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    holder.send_signal(signal.SIGKILL)
    assert holder.wait() == -signal.SIGKILL
    assert os.path.exists(lock_path(paths, "web"))
    start = time.monotonic()
    with locked(paths, "web", wait=0):
        assert time.monotonic() - start < 1
    assert os.listdir(tmp_path / "netns-helper") == []


HOLD = """\
import sys, time
from netns_helper.facts import Paths
from netns_helper.lock import locked
with locked(Paths(run=sys.argv[1]), "web"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_the_longest_namespace_name_has_a_lock_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    longest = "n" * NETNS_NAME_MAX
    assert len(f"systemd-netns@{longest}.service") == 255  # systemd's longest unit name
    with locked(paths, check_netns_name(longest)):
        assert os.path.exists(lock_path(paths, longest))
    for length in (NETNS_NAME_MAX + 1, 251, 255):
        with pytest.raises(ConfigError, match=f"is longer than {NETNS_NAME_MAX} bytes") as info:
            check_netns_name("n" * length)
        assert info.value.hint == "its unit systemd-netns@NAME.service must fit systemd's 255-byte unit names"
