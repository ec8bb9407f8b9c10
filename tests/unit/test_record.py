# SPDX-License-Identifier: GPL-3.0-or-later
"""The record of what start did: its file format, and the stop plans it drives."""

from __future__ import annotations

import pytest

from netns_helper import record
from netns_helper.commands import LinkIs, OnError
from netns_helper.facts import Facts, Paths
from netns_helper.interfaces import parse_text
from netns_helper.ipjson import Link
from netns_helper.planner import plan_start, plan_stop
from netns_helper.values import replace

from .golden import check_golden

REC = record.Record(
    "web",
    complete=True,
    moved=(
        record.Moved("eth0", None, 2, "52:54:00:00:00:02", "52:54:00:00:00:99"),
        record.Moved("mv0", "macvlan", 9, "02:00:00:00:00:09"),
    ),
    created=("eth1.7",),
    veths=(record.Veth("link0", "link1", True),),
    dests=("inner",),
)


def test_a_record_reads_back_as_written() -> None:
    text = record.dumps(REC)
    assert "\n" not in text
    assert record.loads(text, "web") == REC
    assert record.write("/run/network/netns/web", REC).path == "/run/network/netns/web/netns-helper.json"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"format": 2}',
        record.dumps(REC).replace('"format":1', '"format":2'),
        record.dumps(REC).replace('"complete":true', '"complete":"yes"'),
        record.dumps(REC).replace('"ifindex":2', '"ifindex":"2"'),
        record.dumps(REC).replace('"dests":["inner"]', '"dests":[1]'),
        record.dumps(REC).replace('"netns":"web"', '"netns":"other"'),
        record.dumps(REC).replace('"veths":', '"extra":0,"veths":'),
        record.dumps(REC).replace('"name":"eth0",', ""),
    ],
)
def test_a_corrupt_record_is_refused(text: str) -> None:
    with pytest.raises(record.Corrupt):
        record.loads(text, "web")


def test_find_knows_a_link_by_permanent_mac_ifindex_mac_then_name() -> None:
    moved = REC.moved[0]
    renamed = Link("wan0", None, ifindex=5, address="02:aa:00:00:00:01", permaddr="52:54:00:00:00:99")
    assert record.find(moved, {"wan0": renamed, "eth0": Link("eth0", ifindex=3)}) == renamed
    by_index = Link("wan0", None, ifindex=2)
    assert record.find(moved, {"wan0": by_index}) == by_index
    # Another kind of link is never taken for it, even under its name.
    assert record.find(moved, {"eth0": Link("eth0", "veth", ifindex=2)}) is None


def test_stop_by_the_record_ignores_the_configuration() -> None:
    ns_links = {
        "lo": Link("lo", ifindex=1),
        "wan0": Link("wan0", ifindex=2, address="52:54:00:00:00:02"),  # eth0, renamed inside
        "mv0": Link("mv0", "macvlan", parent_elsewhere=True, ifindex=9, address="02:00:00:00:00:09"),
        "eth1.7": Link("eth1.7", "vlan", "eth1", parent_elsewhere=True, ifindex=10),
        "link1": Link("link1", "veth", parent_elsewhere=True, ifindex=11),
        "bond0": Link("bond0", "bond", ifindex=12),  # made inside by ifupdown: goes with the namespace
    }
    facts = Facts(
        namespaces=frozenset({"web"}), host_links={"link0": Link("link0", "veth")}, ns_links=ns_links, record=REC
    )
    plan = plan_stop("web", None, facts, Paths())
    check_golden("stop-recorded", plan)
    checks = [s.action for s in plan.steps if isinstance(s.action, LinkIs)]
    # By the ifindex, the MAC now, or the MACs it had on the host (a bond it left restores its own).
    assert checks == [
        LinkIs("eth0", 2, ("52:54:00:00:00:02", "52:54:00:00:00:99")),
        LinkIs("mv0", 9, ("02:00:00:00:00:09",)),
    ]
    assert all(s.on_error is OnError.FAIL for s in plan.steps if isinstance(s.action, LinkIs))


def test_a_recorded_link_that_is_not_inside_is_a_note() -> None:
    facts = Facts(namespaces=frozenset({"web"}), ns_links={"lo": Link("lo")}, record=REC)
    plan = plan_stop("web", None, facts, Paths())
    assert plan.notes == (
        "eth0, which start moved in, is not in namespace web: not given back",
        "mv0, which start moved in, is not in namespace web: not given back",
    )


def test_start_of_a_finished_namespace_is_a_note_and_a_leftover_is_stopped_first() -> None:
    config = parse_text("auto eth0\niface eth0 inet manual\n", "/etc/netns/web/network/interfaces")
    running = Facts(namespaces=frozenset({"web"}), ns_links={"eth0": Link("eth0")}, record=REC)
    plan = plan_start("web", config, running, Paths())
    assert plan.steps == ()
    assert plan.notes == (
        "namespace web is running and its start finished: nothing to do (stop it first to rebuild it)",
    )
    for leftover in (replace(REC, complete=False), None):
        plan = plan_start("web", config, replace(running, record=leftover), Paths())
        assert plan.notes[0] == "namespace web exists already (stale?): stopping it first"
        first = [step.action for step in plan.steps[:2]]
        if leftover is None:  # by the configuration
            assert first[0].sh() == "ip netns exec web ifdown -a --state-dir=/run/network/netns/web"
        else:  # by its record, marked unfinished first
            assert first[0] == record.write("/run/network/netns/web", leftover)
            assert first[1].sh() == "ip netns exec web ifdown -a --state-dir=/run/network/netns/web"


def test_under_systemd_a_namespace_of_another_activation_of_its_unit_is_a_leftover() -> None:
    # systemctl restart whose ExecStop never ran (it failed to spawn): the new activation rebuilds.
    config = parse_text("auto eth0\niface eth0 inet manual\n", "/etc/netns/web/network/interfaces")
    rec = replace(REC, invocation="a1")
    running = Facts(namespaces=frozenset({"web"}), ns_links={"eth0": Link("eth0")}, record=rec)
    for invocation, rebuilt in (("b2", True), ("a1", False), (None, False)):
        plan = plan_start("web", config, replace(running, invocation=invocation), Paths())
        assert (plan.notes[0] == "namespace web exists already (stale?): stopping it first") == rebuilt
    # A destination a service built is taken over by its own unit's start, not rebuilt.
    dest = replace(running, record=replace(rec, for_service="strongswan"), invocation="c3")
    plan = plan_start("web", config, dest, Paths())
    assert [s.action for s in plan.steps] == [
        record.write("/run/network/netns/web", replace(rec, for_service=None, invocation="c3"))
    ]
