# SPDX-License-Identifier: GPL-3.0-or-later
"""hotplug: unit names as systemd writes them, and stop giving back what hot-plug brought in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from netns_helper import iproute
from netns_helper.facts import Facts, Paths
from netns_helper.hotplug import left, unit_escape
from netns_helper.interfaces import parse_text
from netns_helper.ipjson import Link
from netns_helper.planner import plan_stop

NAMES = ["eth2", "enp0s20f0u1", "eth-1", "wlan0.5", "x_y", "a b", "vé", "eth\\1"]


@pytest.mark.skipif(shutil.which("systemd-escape") is None, reason="needs systemd-escape (package systemd)")
@pytest.mark.real_processes
@pytest.mark.parametrize("name", NAMES)
def test_unit_escape_is_systemd_escape(name: str) -> None:
    real = subprocess.run(["systemd-escape", name], capture_output=True, text=True, check=True).stdout.strip()
    assert unit_escape(name) == real


def test_stop_returns_hot_plugged_devices_of_any_kind() -> None:
    config = parse_text("auto lo\niface lo inet loopback\nallow-hotplug usb0 dum0\niface usb0 inet dhcp\n")
    ns_links = {"lo": Link("lo"), "usb0": Link("usb0"), "dum0": Link("dum0", "dummy")}
    plan = plan_stop("usb", config, Facts(namespaces=frozenset({"usb"}), ns_links=ns_links), Paths())
    actions = [step.action for step in plan.steps]
    for dev in ("usb0", "dum0"):
        assert iproute.link_to_self("usb", dev) in actions
        assert iproute.link_exists_here(dev) in actions


def test_the_udev_rule_runs_add_before_ifupdowns_helper() -> None:
    share = Path(__file__).resolve().parents[2] / "share/systemd-netns-helper"
    (rule,) = share.glob("*.rules")
    # udev runs the RUN programs of all rule files in the order of the files' names.
    assert sorted([rule.name, "80-ifupdown.rules"])[0] == rule.name
    lines = [line for line in rule.read_text().splitlines() if line and not line.startswith("#")]
    assert lines == [
        'SUBSYSTEM=="net", ACTION=="add", TEST=="/run/netns", RUN+="/usr/sbin/netns-helper hotplug add $env{INTERFACE}"'
    ]
    unit = (share / "netns-helper-hotplug@.service").read_text()
    assert "ExecStartPre=/usr/sbin/netns-helper --verbose hotplug add --here %I\n" in unit
    # The main process lasts as long as the device is in the namespace: what ifup starts stays.
    assert "ExecStart=/usr/sbin/netns-helper --verbose hotplug watch %I\n" in unit
    assert "ExecStop=/usr/sbin/netns-helper --verbose hotplug remove %I\n" in unit
    assert "RemainAfterExit" not in unit


def _event(action: str, iface: str, **more: str) -> bytes:
    fields = {"ACTION": action, "DEVPATH": f"/devices/virtual/net/{iface}", "SUBSYSTEM": "net", "INTERFACE": iface}
    fields.update(more)
    head = f"{action}@/devices/virtual/net/{iface}"
    return "\0".join([head, *(f"{k}={v}" for k, v in fields.items())]).encode() + b"\0"


def test_the_kernel_events_that_mean_the_device_left() -> None:
    assert left(_event("remove", "hp0"), "hp0")
    assert left(_event("move", "hp1", DEVPATH_OLD="/devices/virtual/net/hp0"), "hp0")  # renamed
    assert not left(_event("remove", "hp01"), "hp0")
    assert not left(_event("add", "hp0"), "hp0")
    assert not left(_event("change", "hp0"), "hp0")
    assert not left(_event("move", "hp0", DEVPATH_OLD="/devices/virtual/net/x"), "hp0")  # renamed to it
    queue = _event("remove", "hp0", SUBSYSTEM="queues").replace(b"/net/hp0", b"/net/hp0/queues/rx-0")
    assert not left(queue, "hp0")
    assert not left(b"libudev\0\xfe\xed", "hp0")
