# SPDX-License-Identifier: GPL-3.0-or-later
"""XFRM interfaces into destination namespaces: golden plans for the spec's example."""

from __future__ import annotations

import pytest

from netns_helper import record
from netns_helper.commands import script
from netns_helper.errors import ConfigError
from netns_helper.facts import Facts, Paths
from netns_helper.interfaces import parse_text
from netns_helper.ipjson import Link
from netns_helper.planner import plan_start
from netns_helper.record import Record
from netns_helper.uplink import block_p2p_uplink
from netns_helper.values import replace
from netns_helper.xfrm import parse_xfrm_text
from netns_helper.xfrm_planner import Dest, plan_start_service, plan_stop_service

from .golden import SPEC_XFRM, check_golden

PATHS = Paths()

STRONGSWAN = "auto lo\niface lo inet loopback\nauto ens5\niface ens5 inet static\n  address 192.0.2.10/24\n"
TUNNEL = "auto lo\niface lo inet loopback\n"
TUNNEL2 = "auto eth2\niface eth2 inet static\n  address 198.51.100.2/24\n  gateway 198.51.100.1\n"
HOST = {name: Link(name) for name in ("lo", "ens5", "eth2")}


def _dests(running: frozenset[str] = frozenset(), users: frozenset[str] = frozenset()) -> tuple[Dest, ...]:
    items = parse_xfrm_text(SPEC_XFRM, "strongswan", "/etc/netns/strongswan/network/xfrm")
    dests = []
    for name, text in (("tunnel", TUNNEL), ("tunnel2", TUNNEL2)):
        config = parse_text(text, f"/etc/netns/{name}/network/interfaces")
        mine = tuple(i for i in items if i.dest_netns == name)
        ns_links = {"lo": Link("lo"), **{i.name: Link(i.name, "xfrm") for i in mine}} if name in running else {}
        facts = Facts(namespaces=running, ns_links=ns_links, resolv_conf_exists=True)
        dests.append(Dest(name, config, facts, mine, block_p2p_uplink(mine, config), users))
    return tuple(dests)


def test_golden_start_spec_xfrm_example() -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    facts = Facts(host_links=HOST, resolv_conf_exists=True)
    text = check_golden("start-xfrm", plan_start_service("strongswan", config, facts, PATHS, None, _dests()))
    # Created where charon runs (if_id reserved there), then moved; one batch per namespace and family.
    assert "ip -n strongswan link add name ipsec1 type xfrm dev ens5 if_id 18\n" in text
    assert "ip -n strongswan link set dev ipsec1 netns tunnel2\n" in text
    assert text.count("-batch -") == 2
    # One header per section, under the command typed.
    assert [line for line in text.splitlines() if line.startswith("# ") and "note:" not in line][1:] == [
        "# start strongswan", "# start tunnel", "# xfrm interfaces of strongswan in tunnel",
        "# start tunnel2", "# xfrm interfaces of strongswan in tunnel2",
        "# start strongswan: complete",  # its record, last: complete once the destinations are
    ]  # fmt: skip
    # eth2 goes to tunnel2, not into the service's namespace.
    assert "ip link set dev eth2 netns tunnel2\n" in text


def test_golden_stop_last_user_stops_destinations() -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    facts = Facts(namespaces=frozenset({"strongswan"}), ns_links={"lo": Link("lo"), "ens5": Link("ens5")})
    running = frozenset({"strongswan", "tunnel", "tunnel2"})
    check_golden("stop-xfrm", plan_stop_service("strongswan", config, facts, PATHS, None, _dests(running)))


def test_stop_keeps_a_destination_other_services_use() -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    facts = Facts(namespaces=frozenset({"strongswan"}), ns_links={"lo": Link("lo")})
    running = frozenset({"strongswan", "tunnel", "tunnel2", "other"})
    text = script([plan_stop_service("strongswan", config, facts, PATHS, None, _dests(running, frozenset({"other"})))])
    assert "ip netns delete tunnel" not in text
    assert "ip -n tunnel2 link delete dev ipsec1 || rc=1\n" in text
    assert "ip -force -n tunnel2 -4 -batch - <<'EOF' || :\nrule del iif eth2 lookup 1000\nEOF\n" in text


@pytest.mark.parametrize(
    ("for_service", "busy", "stays"),
    [
        ("strongswan", False, ()),  # a service's start brought them up; nothing else uses them: stopped
        ("other", False, ()),  # another service's start did, which has stopped since
        (None, False, ("tunnel", "tunnel2")),  # started on their own (a record without a service)
        ("strongswan", True, ("tunnel", "tunnel2")),  # processes run in them (a joined service)
    ],
)
def test_stop_stops_only_destinations_a_service_brought_up_and_nothing_uses(
    for_service: str | None, busy: bool, stays: tuple[str, ...]
) -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    facts = Facts(namespaces=frozenset({"strongswan"}), ns_links={"lo": Link("lo")})
    running = frozenset({"strongswan", "tunnel", "tunnel2"})
    dests = tuple(
        replace(d, busy=busy, facts=replace(d.facts, record=Record(d.netns, True, for_service=for_service)))
        for d in _dests(running)
    )
    plan = plan_stop_service("strongswan", config, facts, PATHS, None, dests)
    text = script([plan])
    for dest in ("tunnel", "tunnel2"):
        assert (f"ip netns delete {dest} ||" not in text) == (dest in stays)
    why = "processes run in it" if busy else "it runs on its own (its start was not a service's)"
    assert plan.notes == tuple(f"destination namespace {d} stays: {why}" for d in stays)
    if "tunnel2" in stays:  # its rules go with this service's interfaces
        assert "ip -force -n tunnel2 -4 -batch - <<'EOF' || :\nrule del iif eth2 lookup 1000\nEOF\n" in text


def test_a_destination_started_on_its_own_later_is_its_own() -> None:
    config = parse_text(TUNNEL, "/etc/netns/tunnel/network/interfaces")
    rec = Record("tunnel", True, for_service="strongswan")
    facts = Facts(namespaces=frozenset({"tunnel"}), record=rec)
    plan = plan_start("tunnel", config, facts, PATHS)
    assert [s.action for s in plan.steps] == [record.write(PATHS.state_dir("tunnel"), replace(rec, for_service=None))]
    assert plan.notes[0].endswith("; it now runs on its own, not only as strongswan's destination")
    # As its service's start sees it (already running): nothing to do, nothing changes.
    assert plan_start("tunnel", config, facts, PATHS, for_service="strongswan").steps == ()


def test_running_destination_is_reused_not_rebuilt() -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    facts = Facts(host_links=HOST, resolv_conf_exists=True)
    dests = tuple(Dest(d.netns, d.config, Facts(namespaces=frozenset({d.netns})), d.items, d.uplink) for d in _dests())
    text = script([plan_start_service("strongswan", config, facts, PATHS, None, dests)])
    assert "ip netns add tunnel" not in text
    assert "ip -n strongswan link set dev ipsec0 netns tunnel\n" in text


def test_interface_name_taken_in_a_running_destination() -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    with pytest.raises(ConfigError, match="namespace tunnel already has an interface named ipsec0") as info:
        plan_start_service("strongswan", config, Facts(host_links=HOST), PATHS, None, _dests(frozenset({"tunnel"})))
    assert str(info.value.loc) == "/etc/netns/strongswan/network/xfrm:1"


def test_failed_xfrm_start_undoes_in_reverse() -> None:
    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    plan = plan_start_service(
        "strongswan", config, Facts(host_links=HOST, resolv_conf_exists=True), PATHS, None, _dests()
    )
    undo = [a.sh() for step in reversed(plan.steps) for a in step.undo]
    assert undo[:3] == [
        "ip -force -n tunnel2 -4 -batch - <<'EOF'\nrule del iif eth2 lookup 1000\nEOF",
        "ip -n tunnel2 link set dev ipsec1 netns strongswan",
        "ip -n strongswan link delete dev ipsec1",
    ]
    assert undo[-2:] == ["ip netns delete strongswan", "rm -rf /run/network/netns/strongswan"]
    assert "ip netns delete tunnel2" in undo and "ip netns delete tunnel" in undo


def test_a_destinations_own_forwarding_sysctl_wins_over_the_one_xfrm_sets() -> None:

    from netns_helper.errors import Loc
    from netns_helper.inside import Inside
    from netns_helper.sysctls import Setting

    config = parse_text(STRONGSWAN, "/etc/netns/strongswan/network/interfaces")
    facts = Facts(host_links=HOST, resolv_conf_exists=True)
    tunnel, tunnel2 = _dests()
    off = Setting("net.ipv4.ip_forward", ("net", "ipv4", "ip_forward"), "0", Loc("/etc/netns/tunnel2/sysctl.conf", 1))
    tunnel2 = replace(tunnel2, inside=Inside(None, (off,)))
    text = script([plan_start_service("strongswan", config, facts, PATHS, None, (tunnel, tunnel2))])
    # tunnel2's file says IPv4 forwarding is off, and that is what is set; tunnel's is turned on.
    tee = "ip netns exec {} tee /proc/sys/net/ipv4/ip_forward >/dev/null <<'EOF'\n{}\nEOF\n"
    assert tee.format("tunnel2", 0) in text
    assert tee.format("tunnel2", 1) not in text
    assert text.count("ip netns exec tunnel2 tee") == 1
    assert tee.format("tunnel", 1) in text
