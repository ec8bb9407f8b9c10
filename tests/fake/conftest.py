"""Fake tier: every process is faked by pytest-subprocess; an unexpected one fails the test."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess


@pytest.fixture(autouse=True)
def fp(fake_process: FakeProcess) -> Iterator[FakeProcess]:
    # Unregistered commands raise ProcessNotRegisteredError: no test starts a real process.
    fake_process.allow_unregistered(False)
    yield fake_process


def in_netns(root: Path, netns: str, pids: Iterable[int]) -> None:
    """Processes PIDS in namespace NETNS of the throwaway ROOT, as `facts.netns_pids` sees them.

    /proc/PID/ns/net is a hard link of /run/netns/NETNS: the same file, as in the kernel.
    """
    for pid in pids:
        (root / f"proc/{pid}/ns").mkdir(parents=True)
        os.link(root / "run/netns" / netns, root / f"proc/{pid}/ns/net")
