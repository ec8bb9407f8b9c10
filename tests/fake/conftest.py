"""Fake tier: every process is faked by pytest-subprocess; an unexpected one fails the test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import facts


@pytest.fixture(autouse=True)
def plain_files_are_namespaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """A throwaway root cannot mount namespaces: a file in its run/netns stands for one here.

    (The real test, a mount on another file system, is the netns tier's.)
    """
    monkeypatch.setattr(facts, "is_namespace", lambda path, dir_dev: os.path.exists(path))


@pytest.fixture(autouse=True)
def fp(fake_process: FakeProcess) -> Iterator[FakeProcess]:
    # Unregistered commands raise ProcessNotRegisteredError: no test starts a real process.
    fake_process.allow_unregistered(False)
    yield fake_process
