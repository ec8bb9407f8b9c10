# SPDX-License-Identifier: GPL-3.0-or-later
"""The host keeps what it needs, and one run of the tool never spoils another's files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import TOOL, Host, ipj, sh

NS = "auto lo\niface lo inet loopback\n\nauto eth1\niface eth1 inet manual\n"


def _master(dev: str) -> str | None:
    master: str | None = ipj("link", "show", "dev", dev)[0].get("master")
    return master


BRIDGE_PORT = (("ip", "link", "add", "br0", "type", "bridge"), ("ip", "link", "set", "eth1", "master", "br0"))


@pytest.mark.parametrize(
    ("live", "host_file", "message"),
    [
        pytest.param(
            (*BRIDGE_PORT, ("ip", "addr", "add", "192.0.2.1/24", "dev", "br0")),
            "",
            "eth1 is a port of the host's br0: moving it cuts br0 off",
            id="port-of-a-live-bridge",
        ),
        pytest.param(
            (),
            "auto br0\niface br0 inet manual\n    bridge_ports eth1\n",
            "eth1 is a port of the host's br0 (bridge_ports at /etc/network/interfaces:3): moving it cuts br0 off",
            id="port-in-the-hosts-file",
        ),
        pytest.param(
            (
                ("ip", "link", "add", "mv0", "link", "eth1", "type", "macvlan"),
                ("ip", "addr", "add", "198.51.100.1/24", "dev", "mv0"),
            ),
            "",
            "eth1 is the lower link of the host's mv0, which carries 198.51.100.1/24: moving it cuts that off",
            id="lower-link-of-a-macvlan-with-an-address",
        ),
        pytest.param(
            (),
            "allow-hotplug eth1\niface eth1 inet manual\n",
            "eth1 is also brought up by the host (allow-hotplug at /etc/network/interfaces:1)",
            id="hotplugged-by-the-host",
        ),
    ],
)
def test_a_nic_the_host_uses_is_refused_with_that_line_and_stays(
    host: Host, live: tuple[tuple[str, ...], ...], host_file: str, message: str
) -> None:
    host.nic("eth1", "peer1")
    for argv in live:
        sh(*argv)
    if host_file:
        Path("/etc/network/interfaces").write_text(host_file)
    path = host.configure("web", NS)
    before = host.snapshot()
    result = host.tool("start", "web", check=False)
    assert result.returncode == 2, result.stderr
    assert f"{path}:4: error: {message}" in result.stderr
    assert host.snapshot() == before
    assert _master("eth1") == ("br0" if live[:2] == BRIDGE_PORT else None)
    assert host.tool("check", "web", check=False).returncode == 2


def test_start_refuses_a_configuration_others_can_write(host: Host) -> None:
    host.nic("eth1", "peer1")
    path = host.configure("web", NS)
    path.chmod(0o666)
    before = host.snapshot()
    result = host.tool("start", "web", check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        f"{path}:1: error: {path} is writable by group or others (mode 0666): its commands run as root"
    )
    assert host.snapshot() == before
    path.chmod(0o644)
    host.tool("start", "web")
    host.tool("stop", "web")


def test_stop_removes_a_symlinked_state_directory_without_following_it(host: Host) -> None:
    host.nic("eth1", "peer1")
    host.configure("web", NS)
    host.tool("start", "web")
    state = Path("/run/network/netns/web")
    sh("rm", "-rf", str(state))
    precious = host.scratch / "precious"
    precious.mkdir()
    (precious / "keep").write_text("mine\n")
    state.symlink_to(precious)
    host.tool("stop", "web", check=False)
    assert not os.path.lexists(state)
    assert (precious / "keep").read_text() == "mine\n"
    result = host.tool("start", "web", check=False)
    assert result.returncode == 0, result.stderr
    host.tool("stop", "web")
    state.symlink_to(precious)  # planted between two starts: refused before anything runs
    result = host.tool("start", "web", check=False)
    assert result.returncode == 2
    assert f"{state}: error: {state} is a symbolic link" in result.stderr
    assert (precious / "keep").read_text() == "mine\n"


def test_two_metrics_runs_at_once_both_succeed(host: Host) -> None:
    host.configure("web", NS)
    textfiles = host.scratch / "textfiles"
    textfiles.mkdir()
    tool = [str(TOOL), "metrics", f"--textfile-dir={textfiles}"]
    for _ in range(10):
        runs = [subprocess.Popen(tool, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for run in runs:
            _, err = run.communicate()
            assert run.returncode == 0, err
    assert os.listdir(textfiles) == ["netns_helper.prom"]


def test_hook_mirrors_are_copies_refreshed_and_removed_with_the_hosts_hooks(host: Host) -> None:
    host.nic("eth1", "peer1")
    host.configure("web", NS)
    hooks = Path("/etc/network/if-up.d")
    hooks.mkdir(exist_ok=True)
    hook = hooks / "zz-mark"
    hook.write_text("#!/bin/sh\necho one >>/run/zz-mark\n")
    hook.chmod(0o755)
    package = host.scratch / "pkg-hook"
    package.write_text("#!/bin/sh\n:\n")
    package.chmod(0o755)
    (hooks / "zz-pkg").symlink_to(package)
    mine = Path("/etc/netns/web/network/if-up.d/zz-mine")
    mine.parent.mkdir(parents=True)
    mine.write_text("#!/bin/sh\n:\n")
    mine.chmod(0o755)
    mirror = Path("/etc/netns/web/network/if-up.d/zz-mark")
    marks = Path("/run/zz-mark")

    host.tool("start", "web")
    assert set(marks.read_text().split()) == {"one"}  # once per interface
    assert not os.path.samestat(mirror.stat(), hook.stat())  # a copy: editing it leaves the host's hook alone
    assert mirror.read_text() == hook.read_text() and mirror.stat().st_mode == hook.stat().st_mode
    assert os.readlink(mirror.parent / "zz-pkg") == str(package)
    host.tool("stop", "web")

    hook.write_text("#!/bin/sh\necho two >>/run/zz-mark\n")  # the package's upgrade
    marks.unlink()
    host.tool("start", "web")
    assert set(marks.read_text().split()) == {"two"}
    host.tool("stop", "web")

    hook.unlink()  # the package removed, hooks and all
    (hooks / "zz-pkg").unlink()
    package.unlink()
    result = host.tool("start", "web", check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(n for n in os.listdir(mirror.parent) if n.startswith("zz-")) == ["zz-mine"]  # the admin's stays
    host.tool("stop", "web")


def test_a_hard_link_mirror_of_an_earlier_version_is_replaced_by_a_copy(host: Host) -> None:
    host.nic("eth1", "peer1")
    host.configure("web", NS)
    hook = Path("/etc/network/if-up.d/zz-mark")
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\n:\n")
    hook.chmod(0o755)
    mirror = Path("/etc/netns/web/network/if-up.d/zz-mark")
    mirror.parent.mkdir(parents=True)
    os.link(hook, mirror)
    host.tool("start", "web")
    assert not os.path.samestat(mirror.stat(), hook.stat())
    assert mirror.read_text() == hook.read_text()
    host.tool("stop", "web")
