# SPDX-License-Identifier: GPL-3.0-or-later
"""The one reader of `ip -j` output."""

from __future__ import annotations

import json

from netns_helper.ipjson import Link, links

ENTRIES = [
    {"ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "operstate": "UNKNOWN",
     "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
    {"ifname": "eth0", "flags": ["BROADCAST", "UP"], "operstate": "DOWN",
     "stats64": {"rx": {"bytes": 10, "packets": 2}, "tx": {"bytes": 7, "dropped": 1}}},
    {"ifname": "eth0.5", "flags": ["BROADCAST"], "operstate": "DOWN", "link": "eth0", "link_netnsid": 0,
     "linkinfo": {"info_kind": "vlan"}},
]  # fmt: skip


def test_one_record_from_link_and_addr_output() -> None:
    found = links(json.dumps(ENTRIES))
    assert list(found) == ["lo", "eth0", "eth0.5"]
    assert found["lo"].addresses == ("127.0.0.1/8",)
    assert found["eth0.5"] == Link(
        "eth0.5", "vlan", "eth0", parent_elsewhere=True, flags=("BROADCAST",), operstate="DOWN"
    )
    assert found["eth0"].counter("rx_bytes") == 10 and found["eth0"].counter("tx_dropped") == 1
    assert found["eth0"].counter("rx_errors") == 0


def test_up_has_two_names_for_its_two_meanings() -> None:
    found = links(json.dumps(ENTRIES))
    assert [(n, link.admin_up, link.oper_up) for n, link in found.items()] == [
        ("lo", True, True),  # UNKNOWN with a carrier passes traffic
        ("eth0", True, False),  # set up, no carrier
        ("eth0.5", False, False),
    ]


def test_empty_output_is_no_links() -> None:
    assert links("") == {} and links("[]") == {}
