# SPDX-License-Identifier: GPL-3.0-or-later
"""Fake tier: processes are faked by pytest-subprocess (the `fp` fixture), where an unexpected one
fails the test. A test without `fp` runs no process at all: tests/conftest.py fails one that would.

pytest-subprocess patches Popen when its first FakeProcess is entered, searching every loaded
module for references (some 3 ms): a package-wide FakeProcess that registers nothing keeps it
patched for the tier, and each test's `fp` goes on top of it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import facts

from ..examples import SPEC_NGINX


@pytest.fixture(autouse=True)
def plain_files_are_namespaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """A throwaway root cannot mount namespaces: a file in its run/netns stands for one here.

    (The real test, a mount on another file system, is the netns tier's.)
    """
    monkeypatch.setattr(facts, "is_namespace", lambda path, dir_dev: os.path.exists(path))


@pytest.fixture(scope="package", autouse=True)
def _popen_patched_once() -> Iterator[None]:
    with FakeProcess() as base:
        base.allow_unregistered(False)
        yield


@pytest.fixture
def fp() -> Iterator[FakeProcess]:
    with FakeProcess() as process:
        # Unregistered commands raise ProcessNotRegisteredError.
        process.allow_unregistered(False)
        yield process


def in_netns(root: Path, netns: str, pids: Iterable[int]) -> None:
    """Processes PIDS in namespace NETNS of the throwaway ROOT, as `facts.netns_pids` sees them.

    /proc/PID/ns/net is a hard link of /run/netns/NETNS: the same file, as in the kernel.
    """
    for pid in pids:
        (root / f"proc/{pid}/ns").mkdir(parents=True)
        os.link(root / "run/netns" / netns, root / f"proc/{pid}/ns/net")


def nginx_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMP_PATH as the tool's root (NETNS_HELPER_ROOT), with the spec's nginx example and an empty run/netns."""
    (tmp_path / "etc/netns/nginx/network").mkdir(parents=True)
    (tmp_path / "etc/netns/nginx/network/interfaces").write_text(SPEC_NGINX)
    (tmp_path / "run/netns").mkdir(parents=True)
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


def copy_tree(source: Path, dest: Path) -> None:
    """The files under SOURCE into DEST (made or merged), with modes of their own: 0755 directories,
    0644 files, whatever modes the checkout's umask gave SOURCE (the tool refuses a configuration
    file that group or others may write)."""
    for top, _dirs, files in os.walk(source):
        into = dest / os.path.relpath(top, source)
        into.mkdir(parents=True, exist_ok=True)
        into.chmod(0o755)
        for name in files:
            (into / name).write_bytes((Path(top) / name).read_bytes())
            (into / name).chmod(0o644)
