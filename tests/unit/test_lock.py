"""The per-namespace lock: serializes, times out with a clear message, leaves no file."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from netns_helper.facts import Paths
from netns_helper.lock import Busy, lock_path, locked


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
        pass
    assert not victim.exists()


def test_the_lock_directory_is_not_a_symlink(tmp_path: Path) -> None:
    paths = Paths(run=str(tmp_path))
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "netns-helper")
    with (
        pytest.raises(Busy, match=r"netns-helper: Not a directory \(a symbolic link\?\)"),
        locked(paths, "web", wait=0),
    ):
        pass
    assert os.listdir(tmp_path / "elsewhere") == []
