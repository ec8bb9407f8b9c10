"""Fake tier: processes are faked by pytest-subprocess (the `fp` fixture), where an unexpected one
fails the test. A test without `fp` runs no process at all: tests/conftest.py fails one that would.
(Not autouse: pytest-subprocess's patching costs some 3 ms a test, a third of this tier's time.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_subprocess import FakeProcess


@pytest.fixture
def fp(fake_process: FakeProcess) -> Iterator[FakeProcess]:
    # Unregistered commands raise ProcessNotRegisteredError.
    fake_process.allow_unregistered(False)
    yield fake_process
