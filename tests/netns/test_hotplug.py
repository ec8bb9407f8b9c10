# SPDX-License-Identifier: GPL-3.0-or-later
"""hotplug with the real ip and ifup: a NIC that appears after start joins its namespace, and leaves with stop."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .conftest import TOOL, Host, ipj, ns_view, sh, wait_for

USB = """\
auto lo
iface lo inet loopback

allow-hotplug usb0
iface usb0 inet static
    address 192.0.2.2/24
"""


def _addrs(netns: str, dev: str) -> list[str]:
    return [
        f"{a['local']}/{a['prefixlen']}"
        for link in ipj("-n", netns, "addr", "show", "dev", dev)
        for a in link["addr_info"]
        if a["family"] == "inet"
    ]


def test_a_nic_plugged_in_after_start_is_moved_in_configured_and_returned_at_stop(host: Host) -> None:
    host.configure("usb", USB)
    before = host.snapshot()
    start = host.tool("start", "usb")
    assert "allow-hotplug interface 'usb0' is not on this host now" in start.stderr

    host.nic("usb0", "peer0", "192.0.2.1/24")
    host.tool("hotplug", "add", "usb0")
    assert "usb0" not in {link["ifname"] for link in ipj("link", "show")}
    assert _addrs("usb", "usb0") == ["192.0.2.2/24"]
    sh("ip", "netns", "exec", "usb", "ping", "-c1", "-W2", "192.0.2.1")
    # Nothing of it in the host's ifupdown state, all in the namespace's.
    assert sh("ifquery", "--state", "usb0", check=False).stdout == ""
    assert Path("/run/network/netns/usb/ifstate.usb0").read_text().strip() == "usb0"

    # A second add changes nothing visible: the device is reconfigured in place.
    view = ns_view("usb")
    host.tool("hotplug", "add", "usb0")
    assert ns_view("usb") == view

    host.tool("stop", "usb")
    assert "usb0" in {link["ifname"] for link in ipj("link", "show")}
    sh("ip", "link", "delete", "usb0")
    assert host.snapshot() == before


def _started_and_plugged_in(host: Host) -> None:
    host.configure("usb", USB)
    host.tool("start", "usb")
    host.nic("usb0", "peer0", "192.0.2.1/24")
    host.tool("hotplug", "add", "usb0")


def _watch() -> subprocess.Popen[str]:
    """`hotplug watch usb0`, once it runs inside the namespace (where stop would end it)."""
    watch = subprocess.Popen([str(TOOL), "hotplug", "watch", "usb0"], stderr=subprocess.PIPE, text=True)
    wait_for(lambda: str(watch.pid) in sh("ip", "netns", "pids", "usb").stdout.split(), what="watch in usb")
    return watch


def test_a_nic_unplugged_inside_and_plugged_in_again_is_configured_again(host: Host) -> None:
    _started_and_plugged_in(host)
    # Unplugged inside the namespace: no event reaches the host; ifupdown there still has it up.
    sh("ip", "-n", "usb", "link", "delete", "usb0")
    host.nic("usb0", "peer0", "192.0.2.1/24")
    host.tool("hotplug", "add", "usb0")
    assert _addrs("usb", "usb0") == ["192.0.2.2/24"]
    sh("ip", "netns", "exec", "usb", "ping", "-c1", "-W2", "192.0.2.1")

    host.tool("hotplug", "remove", "usb0")
    assert Path("/run/network/netns/usb/ifstate.usb0").read_text().strip() == ""
    assert _addrs("usb", "usb0") == []
    host.tool("stop", "usb")


def test_an_unclaimed_nic_and_a_stopped_namespace_change_nothing(host: Host) -> None:
    host.configure("usb", USB)
    host.nic("usb0", "peer0")
    host.nic("eth5", "peer5")
    before = host.snapshot()
    assert host.tool("hotplug", "add", "usb0").stderr == ""  # usb is not running
    host.tool("start", "usb")  # takes usb0 itself
    after_start = host.snapshot()
    assert host.tool("hotplug", "add", "eth5").stderr == ""
    assert host.snapshot() == after_start
    host.tool("stop", "usb")
    assert host.snapshot() == before


def test_watch_returns_when_the_device_leaves_the_namespace(host: Host) -> None:
    _started_and_plugged_in(host)
    watch = _watch()
    time.sleep(0.3)
    assert watch.poll() is None  # the device is there: it waits
    sh("ip", "-n", "usb", "link", "delete", "usb0")  # unplugged: only the namespace hears of it
    assert watch.wait(timeout=10) == 0
    assert "usb0 left namespace usb" in (watch.stderr.read() if watch.stderr else "")
    host.tool("hotplug", "remove", "usb0")  # what the unit's ExecStop then runs
    assert Path("/run/network/netns/usb/ifstate.usb0").read_text().strip() == ""
    host.tool("stop", "usb")


def test_stop_ends_the_watch(host: Host) -> None:
    _started_and_plugged_in(host)
    watch = _watch()
    host.tool("stop", "usb")
    assert watch.wait(timeout=10) != 0  # ended by stop's SIGTERM: nothing holds the namespace
