# SPDX-License-Identifier: GPL-3.0-or-later
"""What check refuses as "ifup would fail", the real ifup refuses too; what it accepts, ifup accepts.

netns_helper/ifupdown.py holds ifupdown's method tables and value rules; this proves them against
the installed ifupdown: the required options of every method with `ifup --no-act`, and each value
rule with a real `ifup` on a veth in a scratch namespace. The few rules that are stricter than
ifupdown (it would misconfigure without failing) are listed with ifup's own verdict, rc 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netns_helper.ifupdown import METHODS
from netns_helper.interfaces import parse_text

from .conftest import Host, sh
from .test_ifquery_parity import disagreement

REPO = Path(__file__).resolve().parents[2]
SCRATCH = "ifupt"
NIC = "nic0"
# A value that ifup takes for each required option, by family.
SAMPLE = {
    ("inet", "address"): "192.0.2.2",
    ("inet6", "address"): "2001:db8::2/64",
    ("inet", "netmask"): "24",
    ("inet", "mode"): "gre",
    ("inet6", "mode"): "ip6gre",
    ("inet", "endpoint"): "198.51.100.1",
    ("inet6", "endpoint"): "2001:db8::1",
    ("inet6", "local"): "198.51.100.2",
    ("can", "bitrate"): "125000",
    ("ipx", "frame"): "802.2",
    ("ipx", "netnum"): "1",
}


def _no_act(tmp_path: Path, family: str, method: str, options: dict[str, str]) -> tuple[int, str]:
    path = tmp_path / "interfaces"
    path.write_text(f"iface {NIC} {family} {method}\n" + "".join(f"  {k} {v}\n" for k, v in options.items()))
    (tmp_path / "state").mkdir(exist_ok=True)
    proc = sh("ifup", "--no-act", "-i", str(path), f"--state-dir={tmp_path}/state", NIC, check=False)
    return proc.returncode, proc.stderr


def _methods() -> list[tuple[str, str]]:
    return [(family, method) for family, methods in METHODS.items() for method in methods]


@pytest.mark.parametrize(("family", "method"), _methods())
def test_required_options_are_ifups(host: Host, tmp_path: Path, family: str, method: str) -> None:
    required = [opt.name for opt in METHODS[family][method] if opt.required]
    everything = {name: SAMPLE[(family if (family, name) in SAMPLE else "inet", name)] for name in required}
    rc, err = _no_act(tmp_path, family, method, everything)
    assert (rc, "missing required" in err) == (0, False), err
    for name in required:
        rc, err = _no_act(tmp_path, family, method, {k: v for k, v in everything.items() if k != name})
        assert rc != 0 and f"missing required variable: {name}" in err, err


def test_an_unknown_family_or_method_is_refused_by_ifquery_too(host: Host, tmp_path: Path) -> None:
    for line in ("inet statik", "link none", "INET static", "inet6 bootp"):
        family, method = line.split()
        rc, err = _no_act(tmp_path, family, method, {})
        assert rc != 0 and "unknown or no" in err, (line, err)


# (stanza after `iface nic0`, whether the real ifup fails on it). The tool refuses every one.
VALUES: list[tuple[str, bool]] = [
    ("inet static\n  address 192.0.2.2/24\n  mtu 1_500", True),
    ("inet static\n  address 192.0.2.2/24\n  mtu abc", True),
    ("inet static\n  address 192.0.2.2/24\n  mtu 9", True),
    ("inet manual\n  mtu 1_500", True),
    ("inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1 192.0.2.9", True),
    ("inet static\n  address 192.0.2.2\n  netmask 255.0.255.0", True),
    ("inet static\n  address 192.0.2.2\n  netmask 33", True),
    ("inet static\n  address 192.0.2.300/24", True),
    ("inet static\n  address 192.0.2.2/\u0662\u0664", True),
    ("inet static\n  address 2001:db8::2/64", True),
    ("inet static\n  address 192.0.2.2/24\n  hwaddress 02:00:00:00:00", True),
    ("inet static\n  address 192.0.2.2/24\n  scope bogus", True),
    ("inet static\n  address 192.0.2.2/24\n  metric x\n  gateway 192.0.2.1", True),
    ("inet static\n  Address 192.0.2.2/24", True),
    ("inet6 static\n  address 192.0.2.2/24\n  dad-attempts 0", True),
    # Stricter than ifupdown, which misconfigures without failing:
    ("inet static\n  address 192.0.2.2/24\n  gateway 2001:db8::1", False),  # an IPv6 default route
    ("inet static\n  address 192.0.2.2/24\n  netmask 255.0.0.0", False),  # /8, not /24
    ("inet static\n  address 192.0.2.2/24\n  address 192.0.2.3/24", False),  # the second is dropped
    ("inet static\n  address 192.0.2.2/24\n  broadcast 1.2.3", False),  # read as 1.2.0.3
    ("inet6 static\n  address 2001:db8::2/64\n  dad-attempts x", False),  # ignored
    ("inet6 static\n  address 2001:db8::2\n  netmask 255.255.255.0\n  dad-attempts 0", False),  # not a length
    ("inet static\n  address 192.0.2.2/24\n  dns-nameservers ns1", False),  # for resolvconf, not ifup
]
GOOD = [
    "inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1\n  mtu 1500\n  scope global",
    "inet static\n  address 192.0.2.2\n  netmask 255.255.255.0\n  hwaddress 02:00:00:00:00:01",
    "inet6 static\n  address 2001:db8::2/64\n  gateway 2001:db8::1\n  dad-attempts 0\n  accept_ra 0",
    "inet manual\n  mtu 9000",
]


@pytest.fixture
def scratch(host: Host) -> str:
    """A namespace with a veth NIC (its peer up, so it has carrier) for the real ifup."""
    sh("ip", "netns", "add", SCRATCH)
    sh("ip", "-n", SCRATCH, "link", "add", "name", NIC, "type", "veth", "peer", "name", "nic1")
    sh("ip", "-n", SCRATCH, "link", "set", "nic1", "up")
    return SCRATCH


def _ifup(tmp_path: Path, stanza: str) -> tuple[int, str]:
    path = tmp_path / "interfaces"
    path.write_text(f"iface {NIC} {stanza}\n")
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    proc = sh("ip", "netns", "exec", SCRATCH, "ifup", "-i", str(path), f"--state-dir={state}", NIC, check=False)
    sh("ip", "netns", "exec", SCRATCH, "ifdown", "--force", "-i", str(path), f"--state-dir={state}", NIC, check=False)
    for ip in ("-4", "-6"):
        sh("ip", "-n", SCRATCH, ip, "addr", "flush", "dev", NIC, check=False)
    return proc.returncode, proc.stderr


def _tool_errors(stanza: str) -> list[str]:
    from netns_helper.ifupdown import check_iface

    (iface,) = parse_text(f"iface {NIC} {stanza}\n", "/etc/netns/x/network/interfaces").ifaces
    return [str(e) for e in check_iface(iface)]


@pytest.mark.parametrize(("stanza", "fails"), VALUES)
def test_what_the_tool_refuses_the_real_ifup_refuses(scratch: str, tmp_path: Path, stanza: str, fails: bool) -> None:
    assert _tool_errors(stanza), stanza
    rc, err = _ifup(tmp_path, stanza)
    assert (rc != 0) == fails, err


@pytest.mark.parametrize("stanza", GOOD)
def test_what_the_tool_accepts_the_real_ifup_brings_up(scratch: str, tmp_path: Path, stanza: str) -> None:
    assert _tool_errors(stanza) == []
    rc, err = _ifup(tmp_path, stanza)
    assert rc == 0, err


def test_the_shipped_example_is_read_alike_by_both(host: Host) -> None:
    sh("ip", "netns", "add", "parity")
    Path("/etc/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    Path("/etc/netns/parity/network").mkdir(parents=True)
    assert disagreement({"interfaces": (REPO / "examples/nginx/interfaces").read_bytes()}) is None
