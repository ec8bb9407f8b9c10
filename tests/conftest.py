# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by every tier: under CI=true a skipped test is a failed run, never a quiet pass.

Below the netns tier no test starts a real process unless it says so with
`@pytest.mark.real_processes`: the executor's processes are faked (tests/fake) or not
started at all (tests/unit), so a test that would really run `ip` fails instead.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The tiers whose tests must not start processes of their own accord.
_GUARDED = tuple(str(Path(__file__).parent / tier) + os.sep for tier in ("unit", "fake"))
# The real Popen, also while pytest-subprocess has replaced it: in a tuple, where its search for
# module-level references to patch does not look.
_REAL = (subprocess.Popen,)
_SPAWNERS = ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system", "popen", "execv", "execve", "execvp")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_processes: the test runs real programs (linters, sh, systemd-analyze)")
    if _only_guarded_tiers(config) and _temp_root_is_ours(config) and _is_tmpfs(_SHM):
        # The unit and fake tiers make a tree of files per test: on a disk, making and removing
        # them is about 40 % of the fake tier's wall time. tmp_path's directories (pytest's
        # numbered, locked ones: two runs at once are safe) go to the tmpfs instead.
        tempfile.tempdir = _SHM


_SHM = "/dev/shm"


def _only_guarded_tiers(config: pytest.Config) -> bool:
    paths = [Path(config.invocation_params.dir, arg.partition("::")[0]).resolve() for arg in config.args]
    return bool(paths) and all((str(path) + os.sep).startswith(_GUARDED) for path in paths)


def _temp_root_is_ours(config: pytest.Config) -> bool:
    """No one chose where temporary files go: no --basetemp, TMPDIR or PYTEST_DEBUG_TEMPROOT."""
    chosen = config.option.basetemp or {"TMPDIR", "PYTEST_DEBUG_TEMPROOT"} & set(os.environ)
    return not chosen


def _is_tmpfs(path: str) -> bool:
    """PATH is a tmpfs mount we may write to (a chroot may have a bare /dev/shm on its disk)."""
    try:
        with open("/proc/self/mounts") as mounts:
            kinds = [fields[2] for fields in map(str.split, mounts) if len(fields) > 2 and fields[1] == path]
    except OSError:
        return False
    return kinds[-1:] == ["tmpfs"] and os.access(path, os.W_OK | os.X_OK)


@pytest.fixture(autouse=True)
def _no_real_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    if not str(request.path).startswith(_GUARDED) or request.node.get_closest_marker("real_processes"):
        yield
        return

    def refuse(*args: Any, **kwargs: Any) -> None:
        argv = args[1] if args and isinstance(args[0], _REAL[0]) else args
        pytest.fail(f"{request.node.nodeid} would start a real process: {argv!r} (mark it real_processes)")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_REAL[0], "_execute_child", refuse)
        for name in _SPAWNERS:
            if hasattr(os, name):
                patch.setattr(os, name, refuse)
        yield


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected theirs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """NETNS_TEST_SHARD=I/N (tests/shards): this run takes every Nth test, from the Ith on."""
    shard = os.environ.get("NETNS_TEST_SHARD")
    if not shard:
        return
    index, _, count = shard.partition("/")
    i, n = int(index), int(count)
    config.hook.pytest_deselected(items=[item for k, item in enumerate(items) if k % n != i])
    items[:] = items[i::n]


def pytest_collection_finish(session: pytest.Session) -> None:
    # Hypothesis's pytest plugin imports Hypothesis at the end of every run (its terminal summary):
    # about half a second of CPU. A run that collected no Hypothesis test (the fake tier) has
    # nothing for it to report, and does without it.
    plugins = session.config.pluginmanager
    if "hypothesis" not in sys.modules and plugins.has_plugin("hypothesispytest"):
        plugins.unregister(name="hypothesispytest")
    # What exists now (pytest, the modules, the collected tests) lives until the end: out of the
    # collector's way, so that each full collection while the tests run (the 1 MiB corpus files
    # make several) does not walk it again: about a tenth of the fake tier's CPU time.
    gc.freeze()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} test(s) skipped; every tier must run in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
