"""Fake tier: every process is faked by pytest-subprocess; an unexpected one fails the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_subprocess import FakeProcess


@pytest.fixture(autouse=True)
def fp(fake_process: FakeProcess) -> Iterator[FakeProcess]:
    # Unregistered commands raise ProcessNotRegisteredError: no test starts a real process.
    fake_process.allow_unregistered(False)
    yield fake_process
