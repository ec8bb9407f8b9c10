# SPDX-License-Identifier: GPL-3.0-or-later
"""Tier 5, vm: the scenarios of tests/vm/scenarios/ in a Debian VM under qemu.

One boot per release of tests/releases.py runs every scenario (see tests/vm/README.md); each
test here checks one scenario's RESULT line on that boot's serial console and shows that
scenario's log when it failed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.releases import RELEASES

HERE = Path(__file__).resolve().parent
RUNS = HERE.parents[1] / "build" / "vm" / "run"
# VMTEST_SCENARIOS="name ..." boots with those scenarios only (tests/vm/boot reads it too).
SCENARIOS = sorted(
    path.stem
    for path in (HERE / "scenarios").glob("*.sh")
    if path.stem in os.environ.get("VMTEST_SCENARIOS", path.stem).split()
)
TOOLS = ("mmdebstrap", "qemu-system-x86_64", "mkfs.ext4", "unshare", "flock", "timeout", "make")
RESULT = re.compile(r"^RESULT (\S+) (PASS|FAIL)$", re.MULTILINE)
TERMINAL_CONTROL = re.compile(r"\r|\x1bc|\x1b\[[0-9;?]*[A-Za-z]")
TAIL_LINES = 60


@dataclass
class Boot:
    """What one boot of the VM left: qemu's exit status and the serial console."""

    release: str
    status: int
    console: str = field(repr=False)

    def results(self) -> dict[str, str]:
        return dict(RESULT.findall(self.console))

    def section(self, name: str) -> str:
        """The scenario's log, from its BEGIN line to its END line (or the console's end)."""
        begin = self.console.find(f"===== BEGIN {name} =====")
        if begin < 0:
            return "(the scenario never started)"
        end = self.console.find(f"===== END {name} ", begin)
        if end < 0:
            return self.console[begin:]
        newline = self.console.find("\n", end)
        return self.console[begin : newline if newline >= 0 else None]

    def problem(self) -> str:
        """Why results may be missing: the boot's end, and the console's last lines."""
        if self.status == 124:
            what = "the guest hung and was killed at the timeout"
        elif self.status != 0:
            what = f"qemu exited with status {self.status}"
        elif "VMTEST END" not in self.console:
            what = "the guest powered off before the end of the scenarios"
        else:
            what = "the guest finished"
        tail = "\n".join(self.console.splitlines()[-TAIL_LINES:])
        return f"{what} (console: {RUNS / self.release / 'serial.log'}); console's last lines:\n{tail}"


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def require_host() -> None:
    """Installs missing host packages; a host that cannot run tier 5 skips it, but not in CI."""
    problem = ""
    if os.geteuid() != 0:
        problem = "tier 5 needs root (mmdebstrap, unshare)"
    else:
        if missing_tools():
            subprocess.run([HERE / "deps"], check=False)
        if missing := missing_tools():
            problem = f"missing tools: {', '.join(missing)} (tests/vm/deps installs them)"
    if problem and os.environ.get("CI") == "true":
        pytest.fail(problem)
    if problem:
        pytest.skip(problem)


@pytest.fixture(scope="module", params=RELEASES)
def boot(request: pytest.FixtureRequest) -> Boot:
    require_host()
    release: str = request.param
    out = RUNS / release
    status = subprocess.run([HERE / "boot", out, release], check=False).returncode
    serial = out / "serial.log"
    console = serial.read_text(errors="replace") if serial.exists() else ""
    if not console:
        qemu_err = out / "qemu.err"
        err = qemu_err.read_text(errors="replace") if qemu_err.exists() else ""
        pytest.fail(f"the {release} VM was not built or did not start (status {status}); see above\n{err}")
    return Boot(release, status, TERMINAL_CONTROL.sub("", console))


def test_boot_finished(boot: Boot) -> None:
    assert boot.status == 0 and "VMTEST END" in boot.console, boot.problem()


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(boot: Boot, name: str) -> None:
    result = boot.results().get(name)
    if result is None:
        pytest.fail(f"no RESULT line for {name} on {boot.release}: {boot.problem()}")
    assert result == "PASS", f"scenario {name} failed in the {boot.release} VM:\n{boot.section(name)}"
