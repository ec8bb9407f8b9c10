# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by every tier: under CI=true a skipped test is a failed run, never a quiet pass.

Below the netns tier no test starts a real process unless it says so with
`@pytest.mark.real_processes`: the executor's processes are faked (tests/fake) or not
started at all (tests/unit), so a test that would really run `ip` fails instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def pytest_collection_finish(session: pytest.Session) -> None:
    # Hypothesis's pytest plugin imports Hypothesis at the end of every run (its terminal summary):
    # about half a second of CPU. A run that collected no Hypothesis test (the fake tier) has
    # nothing for it to report, and does without it.
    plugins = session.config.pluginmanager
    if "hypothesis" not in sys.modules and plugins.has_plugin("hypothesispytest"):
        plugins.unregister(name="hypothesispytest")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} test(s) skipped; every tier must run in CI", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
