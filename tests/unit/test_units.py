# SPDX-License-Identifier: GPL-3.0-or-later
"""`systemd-analyze verify` on every shipped unit and drop-in, installed into a throwaway root.

`make install DESTDIR=ROOT` lays out the files as the package does; the host's own units
(targets the ours depend on) are copied in, and nothing of the host's /etc or /run is read.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARE = REPO / "share" / "systemd-netns-helper"
HOST_UNITS = Path("/usr/lib/systemd/system")
ANALYZE = shutil.which("systemd-analyze")

pytestmark = [
    pytest.mark.skipif(ANALYZE is None, reason="needs systemd-analyze (package systemd)"),
    pytest.mark.real_processes,
]

# An instance for the template, the timer and its service, and two services: "demo" with the
# packaged drop-in, "web" with what `netns-helper join --restart-with web demo` writes.
UNITS = (
    "systemd-netns@test.service",
    "netns-helper-metrics.service",
    "netns-helper-metrics.timer",
    "netns-helper-hotplug@eth2.service",
    "demo.service",
    "web.service",
)


def _run(*argv: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(map(str, argv)), capture_output=True, text=True, check=False, env=env)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    units = root / "usr/lib/systemd/system"
    shutil.copytree(HOST_UNITS, units, symlinks=True)
    proc = _run("make", "-s", "-C", REPO, "install", f"DESTDIR={root}", "PREFIX=/usr")
    assert proc.returncode == 0, proc.stderr
    # What the units run is checked to exist inside the root.
    (root / "usr/bin").mkdir(exist_ok=True)
    (root / "bin").symlink_to("usr/bin")
    for name in ("systemctl", "true"):
        (root / "usr/bin" / name).write_text("#!/bin/sh\n")
        (root / "usr/bin" / name).chmod(0o755)
    for service in ("demo", "web"):
        (units / f"{service}.service").write_text(f"[Unit]\nDescription={service}\n\n[Service]\nExecStart=/bin/true\n")
    (root / "etc/netns/demo/network").mkdir(parents=True)
    (root / "etc/netns/demo/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    # A copy, not `enable`'s symlink: verify would follow an absolute link out of the root.
    (root / "etc/systemd/system/demo.service.d").mkdir(parents=True)
    shutil.copy(SHARE / "netns.conf", root / "etc/systemd/system/demo.service.d/netns.conf")
    env = {**os.environ, "NETNS_HELPER_ROOT": str(root)}
    proc = _run(sys.executable, REPO / "bin/netns-helper", "join", "--restart-with", "web", "demo", env=env)
    assert proc.returncode == 0, proc.stderr
    return root


def test_make_install_puts_every_unit_in_place(root: Path) -> None:
    shipped = {p.name for p in SHARE.iterdir() if p.suffix in (".service", ".timer")}
    assert shipped == {
        "systemd-netns@.service",
        "netns-helper-metrics.service",
        "netns-helper-metrics.timer",
        "netns-helper-hotplug@.service",
    }
    for name in shipped:
        assert (root / "usr/lib/systemd/system" / name).read_text() == (SHARE / name).read_text()
    rule = root / "usr/lib/udev/rules.d/79-netns-helper.rules"
    assert rule.read_text() == (SHARE / "79-netns-helper.rules").read_text()
    completion = root / "usr/share/bash-completion/completions/netns-helper"
    assert completion.read_text() == (REPO / "share/bash-completion/netns-helper").read_text()
    assert (root / "etc/systemd/system/web.service.d/netns.conf").is_file()
    assert (root / "etc/systemd/system/demo.service.d/netns-restart-web.conf").is_file()


def test_systemd_analyze_verify_is_silent(root: Path) -> None:
    # Unknown keys and bad values are warnings with exit status 0: any output fails.
    env = {**os.environ, "SYSTEMD_LOG_LEVEL": "notice", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"}
    proc = _run(str(ANALYZE), "verify", f"--root={root}", "--man=no", *UNITS, env=env)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


def test_capability_names_are_known() -> None:
    # systemd drops an unknown name silently, leaving the set empty: the unit would fail at once.
    known = set(re.findall(r"^(cap_\w+)", _run(str(ANALYZE), "capability").stdout, re.MULTILINE))
    assert "cap_net_admin" in known
    for unit in SHARE.iterdir():
        for line in unit.read_text().splitlines():
            if line.startswith("CapabilityBoundingSet="):
                names = line.partition("=")[2].split()
                assert names, f"{unit.name}: empty CapabilityBoundingSet= removes every capability"
                assert {n.lower() for n in names} <= known, f"{unit.name}: {line}"
