# SPDX-License-Identifier: GPL-3.0-or-later
"""Netns tier: the real `ip` and `ifup`, inside the private sandbox of tests/sandbox.

Each test gets a fresh /run (tmpfs) and a fresh overlay over /etc, inside the
sandbox's own mount namespace; NICs are veth pairs created in the sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# The tier's property test (the differential test against ifquery) runs a real ifquery per
# example: its profile says how many (NETNS_HELPER_PARITY_EXAMPLES), the same ones each run.
settings.register_profile(
    "netns",
    max_examples=int(os.environ.get("NETNS_HELPER_PARITY_EXAMPLES", "300")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("netns")

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "bin" / "netns-helper"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("NETNS_HELPER_SANDBOX") != "1" or Path("/proc/1/cmdline").read_bytes().find(b"sandbox") < 0:
        pytest.exit("the netns tier runs only inside tests/sandbox (make netns)", returncode=3)


def sh(*argv: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, input=input, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc


def ipj(*args: str) -> Any:
    return json.loads(sh("ip", "-j", *args).stdout or "[]")


@dataclass
class Host:
    """The sandbox's root namespace, playing the production host."""

    scratch: Path

    def nic(self, name: str, peer: str, peer_addr: str | None = None, kind: str = "veth") -> None:
        """A "NIC" NAME for the host, wired to PEER, which stays here (with PEER_ADDR) as the far end.

        KIND veth: NAME is a veth end. macvlan: NAME is a macvlan (bridge mode) on a veth lower
        link NAMEl, which stays on the host; a macvlan dies with a deleted namespace, a veth pair too.
        """
        if kind == "macvlan":
            lower = f"{name}l"
            sh("ip", "link", "add", lower, "type", "veth", "peer", "name", peer)
            sh("ip", "link", "set", lower, "up")
            sh("ip", "link", "add", "link", lower, "name", name, "type", "macvlan", "mode", "bridge")
        else:
            assert kind == "veth", kind
            sh("ip", "link", "add", name, "type", "veth", "peer", "name", peer)
        sh("ip", "link", "set", peer, "up")
        if peer_addr:
            sh("ip", "addr", "add", peer_addr, "dev", peer)

    def configure(self, netns: str, interfaces: str) -> Path:
        path = Path(f"/etc/netns/{netns}/network/interfaces")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(interfaces)
        return path

    def tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        # The installed shebang, /usr/bin/python3: the tool needs nothing but the standard library.
        return sh(str(TOOL), *args, check=check)

    def snapshot(self) -> dict[str, Any]:
        """What must be identical before a start and after its stop (or its failure)."""
        # Admin state, not operstate: a veth peer's operstate follows the carrier of its other end.
        links = [
            (link["ifname"], "UP" in link["flags"], (link.get("linkinfo") or {}).get("info_kind"))
            for link in ipj("-d", "link", "show")
        ]
        # IPv6 link-local addresses and routes come and go with a veth's carrier: the kernel's, not ours.
        addrs = [
            (
                a["ifname"],
                sorted(
                    (i["family"], i["local"], i["prefixlen"]) for i in a.get("addr_info", []) if not _ll(i["local"])
                ),
            )
            for a in ipj("addr", "show")
        ]
        # A route's flags ("linkdown") follow carrier too: a bridge loses it with its last port.
        routes = [
            {k: v for k, v in r.items() if k != "flags"}
            for r in ipj("route", "show", "table", "all")
            if not _ll(r.get("dst", ""))
        ]
        return {
            "links": sorted(links),
            "addrs": sorted(addrs),
            "routes": sorted(json.dumps(r, sort_keys=True) for r in routes),
            "rules": sorted(json.dumps(r, sort_keys=True) for r in ipj("rule", "show")),
            "netns": sorted(os.listdir("/run/netns")),
            "state": sorted(os.listdir("/run/network/netns")) if os.path.isdir("/run/network/netns") else [],
        }


def _ll(addr: str) -> bool:
    return addr.startswith(("fe80:", "ff00::/8"))


def ns_view(netns: str) -> dict[str, Any]:
    """A namespace's links, addresses and routes, without what varies between two builds."""
    addrs = [
        (
            a["ifname"],
            a.get("operstate"),
            sorted((i["family"], i["local"], i["prefixlen"]) for i in a.get("addr_info", [])),
        )
        for a in ipj("-n", netns, "addr", "show")
    ]
    routes = [
        {k: r.get(k) for k in ("dst", "dev", "gateway", "table", "protocol", "scope", "type")}
        for r in ipj("-n", netns, "route", "show", "table", "all")
    ]
    return {"addrs": sorted(addrs), "routes": sorted(json.dumps(r, sort_keys=True) for r in routes)}


def wait_for(predicate: Any, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture
def host() -> Iterator[Host]:
    scratch = Path(tempfile.mkdtemp(dir="/mnt"))
    for top in ("etc", "var-lib"):
        (scratch / top / "up").mkdir(parents=True)
        (scratch / top / "work").mkdir()
    sh(
        "mount",
        "-t",
        "overlay",
        "overlay",
        "-o",
        f"lowerdir=/etc,upperdir={scratch}/etc/up,workdir={scratch}/etc/work",
        "/etc",
    )
    # DHCP leases (the clients' and the tool's own) are written under /var/lib.
    lower = f"lowerdir=/var/lib,upperdir={scratch}/var-lib/up,workdir={scratch}/var-lib/work"
    sh("mount", "-t", "overlay", "overlay", "-o", lower, "/var/lib")
    sh("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run")
    for d in ("/run/netns", "/run/network", "/run/lock"):
        os.makedirs(d)
    before = {link["ifname"] for link in ipj("link", "show")}
    try:
        yield Host(scratch)
    finally:
        for netns in os.listdir("/run/netns"):
            for pid in sh("ip", "netns", "pids", netns, check=False).stdout.split():
                sh("kill", "-9", pid, check=False)
            sh("ip", "netns", "delete", netns, check=False)
        for link in ipj("link", "show"):
            if link["ifname"] not in before:
                sh("ip", "link", "delete", link["ifname"], check=False)
        sh("umount", "-R", "/run")
        sh("umount", "/var/lib")
        sh("umount", "/etc")
