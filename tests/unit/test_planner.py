# SPDX-License-Identifier: GPL-3.0-or-later
"""Planner: golden plans for the spec's examples, and the errors it finds in facts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netns_helper.commands import IFUPDOWN_TIMEOUTS, OnError, Plan, Run, Step, joined, script
from netns_helper.errors import ConfigError, Loc
from netns_helper.facts import Entry, Facts, Hook, Paths, dhcp_hooks, resolv_conf_target
from netns_helper.interfaces import Interfaces, parse_text
from netns_helper.ipjson import Link
from netns_helper.planner import layout, plan_start, plan_stop, resolv_conf
from tests.examples import SPEC_LINKS_HOST, SPEC_NGINX

from .golden import check_golden

PATHS = Paths()

HOST = {
    "lo": Link("lo", None),
    "eth0": Link("eth0"),
    "eth1": Link("eth1"),
    "eth2": Link("eth2"),
    "eth3": Link("eth3"),
    "eth4": Link("eth4"),
}
HOOKS = (
    Hook("if-pre-up.d", "bridge", "/etc/network/if-pre-up.d/bridge", "/usr/lib/bridge-utils/ifupdown.sh"),
    Hook("if-pre-up.d", "ifenslave", "/etc/network/if-pre-up.d/ifenslave", None, "1234 0badf00d"),
    Hook("if-up.d", "mine", "/etc/network/if-up.d/mine", None),
)
FACTS = Facts(host_links=HOST, host_hooks=HOOKS, ns_hook_entries={"if-up.d/mine": Entry("file 12 0badf00d")})

CONFIGS = {
    "nginx": SPEC_NGINX + "    dns-nameservers 192.0.2.53 192.0.2.54\n    dns-search example.org\n",
    "vlan": """\
auto lo
iface lo inet loopback

auto eth1.124
iface eth1.124 inet static
   address 198.51.100.2/24

# eth2 is moved in, so ifupdown creates its VLAN inside the namespace.
auto eth2 eth2.7
iface eth2 inet manual
iface eth2.7 inet dhcp
""",
    "bond": """\
auto bond0
iface bond0 inet static
   address 203.0.113.2/24
   bond-slaves eth3 eth4
   bond-mode active-backup
""",
    "bridge": """\
auto br0
iface br0 inet static
   address 203.0.113.2/24
   bridge_ports eth3 eth4
allow-hotplug eth1
iface eth1 inet dhcp
""",
}


def _config(name: str) -> Interfaces:
    return parse_text(CONFIGS[name], f"/etc/netns/{name}/network/interfaces")


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_golden_start(name: str) -> None:
    check_golden(f"start-{name}", plan_start(name, _config(name), FACTS, PATHS))


def test_golden_stop_nginx() -> None:
    ns_links = {"lo": Link("lo"), "eth0": Link("eth0")}
    facts = Facts(namespaces=frozenset({"nginx"}), ns_links=ns_links, state_dir_exists=True)
    check_golden("stop-nginx", plan_stop("nginx", _config("nginx"), facts, PATHS))


def test_golden_stop_vlan_bond_leftovers() -> None:
    ns_links = {
        "lo": Link("lo"),
        "eth1.124": Link("eth1.124", "vlan", "eth1", parent_elsewhere=True),
        "eth2": Link("eth2"),
        "eth2.7": Link("eth2.7", "vlan", "eth2"),
        "veth9": Link("veth9", "veth", parent_elsewhere=True),  # not ours: goes with the namespace
        "stray0": Link("stray0"),  # a physical NIC not in the config: still returned
    }
    facts = Facts(namespaces=frozenset({"vlan"}), ns_links=ns_links)
    check_golden("stop-vlan", plan_stop("vlan", _config("vlan"), facts, PATHS))


def test_golden_start_replaces_stale_namespace() -> None:
    facts = Facts(
        namespaces=frozenset({"nginx"}),
        host_links={"lo": Link("lo")},
        ns_links={"lo": Link("lo"), "eth0": Link("eth0")},
        resolv_conf_exists=True,
    )
    plan = plan_start("nginx", _config("nginx"), facts, PATHS)
    check_golden("start-nginx-stale", plan)
    assert plan.notes == ("namespace nginx exists already (stale?): stopping it first",)
    # A failure anywhere is reported as `start nginx failed`: the command the admin typed.
    assert plan.title == "start nginx"
    assert [(s.title, s.notes) for s in plan.sections] == [("stop nginx", plan.notes), ("start nginx", ())]
    assert plan.steps == tuple(step for s in plan.sections for step in s.steps)


def test_joined_plans_keep_their_sections_and_drop_empty_ones() -> None:
    a, b, c = (Plan(t, (Step(Run((t,))),), (f"note {t}",)) for t in "abc")
    plan = joined("typed", a + b, Plan("empty", ()), c)
    assert (plan.title, plan.sections) == ("typed", (a, b, c))
    assert plan.steps == a.steps + b.steps + c.steps
    assert plan.notes == ("note a", "note b", "note c")
    assert (a + b).title == "a"
    assert a.sections == (a,)


def test_stop_of_absent_namespace_is_a_note() -> None:
    plan = plan_stop("gone", None, Facts(), PATHS)
    assert plan.steps == ()
    assert plan.notes == ("namespace gone is not running: nothing to stop",)


def test_stop_steps_carry_on_after_failures_but_keep_a_namespace_with_a_link_not_back() -> None:
    facts = Facts(namespaces=frozenset({"nginx"}), ns_links={"eth0": Link("eth0"), "eth1": Link("eth1")})
    plan = plan_stop("nginx", None, facts, PATHS)
    fail = [step.action.sh() for step in plan.steps if step.on_error is OnError.FAIL]
    # Every link is given back first; then the checks that they arrived, where a failure ends
    # the plan before `ip netns delete` would destroy a veth or strand a NIC.
    assert fail == ["ip link show dev eth0 >/dev/null", "ip link show dev eth1 >/dev/null"]
    shown = [step.action.sh() for step in plan.steps]
    assert shown.index(fail[0]) > shown.index('ip -n nginx link set dev eth1 netns "$$"')
    assert shown[-2:] == ["ip netns delete nginx", "rm -rf /run/network/netns/nginx"]


def test_start_steps_undo_in_reverse() -> None:
    plan = plan_start("nginx", _config("nginx"), FACTS, PATHS)
    undo = [action.sh() for step in reversed(plan.steps) for action in step.undo]
    assert undo == [
        "ip netns exec nginx ifdown -a --force --state-dir=/run/network/netns/nginx",
        "end_processes nginx 5",
        'ip -n nginx link set dev eth0 netns "$$"',
        "rm -f /etc/netns/nginx/resolv.conf",
        "ip netns delete nginx",
        "rm -rf /run/network/netns/nginx",
    ]


def test_resolv_conf_from_dns_options() -> None:
    assert resolv_conf("nginx", _config("nginx")).splitlines()[1:] == [
        "nameserver 192.0.2.53",
        "nameserver 192.0.2.54",
        "search example.org",
    ]


def test_admin_resolv_conf_is_never_written() -> None:
    facts = Facts(host_links=HOST, resolv_conf_exists=True)
    plan = plan_start("nginx", _config("nginx"), facts, PATHS)
    assert "resolv.conf" not in script([plan])


def test_layout_bond_members_and_hotplug() -> None:
    lay = layout(_config("bridge"), HOST)
    assert lay.moves == ("eth1", "eth3", "eth4")
    assert lay.hotplug == ("eth1",)
    absent = {k: v for k, v in HOST.items() if k != "eth1"}
    lay = layout(_config("bridge"), absent)
    assert lay.moves == ("eth3", "eth4")
    assert [str(p) for p in lay.problems] == [
        "/etc/netns/bridge/network/interfaces:5: warning: allow-hotplug interface 'eth1' is not on this host now; "
        "not moved",
    ]


def test_vlan_raw_device_form() -> None:
    cfg = parse_text("auto vlan0124\niface vlan0124 inet manual\n  vlan-raw-device eth1\n", "f")
    (vlan,) = layout(cfg, HOST).vlans
    assert (vlan.name, vlan.parent, vlan.vid) == ("vlan0124", "eth1", 124)


def test_devices_ifupdown_creates_are_left_to_it() -> None:
    cfg = parse_text(
        "auto dummy0 tun0\niface dummy0 inet manual\n  pre-up ip link add dummy0 type dummy\n"
        "iface tun0 inet tunnel\n  mode gre\n  endpoint 192.0.2.9\n",
        "f",
    )
    assert layout(cfg, HOST) == layout(parse_text("", "f"), HOST)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("auto lo eth7\n", 1, "interface 'eth7' does not exist on this host"),
        ("\nauto eth9.5\n", 2, "parent interface 'eth9' does not exist"),
        ("auto eth1.4095\n", 1, "VLAN id 4095 of 'eth1.4095' is outside 1..4094"),
        ("auto eth1.0\n", 1, "outside 1..4094"),
        ("auto br0\niface br0 inet manual\n  bridge_ports all\n", 3, "would take every host NIC"),
        ("auto bond0\niface bond0 inet manual\n  bond-slaves eth0 eth8\n", 3, "'eth8' does not exist"),
    ],
)
def test_fact_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        plan_start("x", parse_text(text, "/etc/netns/x/network/interfaces"), FACTS, PATHS)
    assert info.value.loc == Loc("/etc/netns/x/network/interfaces", line)
    assert words in str(info.value)


def test_plan_is_data() -> None:
    plan = plan_start("nginx", _config("nginx"), FACTS, PATHS)
    runs = [step.action for step in plan.steps if isinstance(step.action, Run)]
    assert runs[0] == Run(("ip", "netns", "add", "nginx"))
    assert hash(plan) == hash(plan_start("nginx", _config("nginx"), FACTS, PATHS))


HOST_FILE = SPEC_LINKS_HOST + "link-netns service1 link2 link3\nlink-netns other x0 x1\n"
SERVICE1 = """\
auto lo
iface lo inet loopback
auto link1 link3 br0..7
iface link1 inet static
  address 100.64.0.1/31
"""
BRIDGED = {**HOST, "br0": Link("br0", "bridge")}


def _links_plan(facts: Facts) -> Plan:
    host = parse_text(HOST_FILE, "/etc/network/interfaces")
    return plan_start("service1", parse_text(SERVICE1, "/etc/netns/service1/network/interfaces"), facts, PATHS, host)


def test_golden_start_links_and_bridge_port() -> None:
    check_golden("start-links", _links_plan(Facts(host_links=BRIDGED, resolv_conf_exists=True)))


def test_golden_stop_links_and_bridge_port() -> None:
    host = parse_text(HOST_FILE, "/etc/network/interfaces")
    cfg = parse_text(SERVICE1, "/etc/netns/service1/network/interfaces")
    facts = Facts(
        namespaces=frozenset({"service1"}),
        host_links={**BRIDGED, "link0": Link("link0", "veth"), "service1-7": Link("service1-7", "veth")},
        ns_links={
            "lo": Link("lo"),
            "link1": Link("link1", "veth", parent_elsewhere=True),
            "link3": Link("link3", "veth", parent_elsewhere=True),
            "br0..7": Link("br0..7", "veth", parent_elsewhere=True),
        },
    )
    check_golden("stop-links", plan_stop("service1", cfg, facts, PATHS, host))


@pytest.mark.parametrize(
    ("host_links", "words", "line"),
    [
        ({**BRIDGED, "link2": Link("link2")}, "cannot create link 'link2': a link of that name already exists", 8),
        (HOST, "bridge port 'br0..7': 'br0' does not exist on this host", 3),
        ({**HOST, "br0": Link("br0")}, "bridge port 'br0..7': 'br0' is not a bridge", 3),
    ],
)
def test_link_errors_before_anything_runs(host_links: dict[str, Link], words: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        _links_plan(Facts(host_links=host_links))
    assert words in str(info.value)
    assert info.value.loc is not None and info.value.loc.line == line


def test_bridge_port_host_end_too_long() -> None:
    cfg = parse_text("auto br0..12\n", "/etc/netns/averylongname/network/interfaces")
    with pytest.raises(ConfigError, match="host end 'averylongname-12' would be longer than 15 bytes") as info:
        plan_start("averylongname", cfg, Facts(host_links=BRIDGED), PATHS)
    assert info.value.loc == Loc("/etc/netns/averylongname/network/interfaces", 1)


def test_link_names_used_twice() -> None:
    host = parse_text("iface lo inet loopback\nlink-netns a l0 l1\nlink-netns a l0 l2\n", "/etc/network/interfaces")
    with pytest.raises(ConfigError, match="link name 'l0' is used twice \\(also at /etc/network/interfaces:2\\)"):
        plan_start("a", parse_text("", "f"), Facts(host_links=HOST), PATHS, host)


def test_stale_namespace_with_links_is_replaced() -> None:
    facts = Facts(
        namespaces=frozenset({"service1"}),
        host_links={**BRIDGED, "link0": Link("link0", "veth"), "link2": Link("link2", "veth")},
        ns_links={"lo": Link("lo"), "link1": Link("link1", "veth", parent_elsewhere=True)},
        resolv_conf_exists=True,
    )
    text = script([_links_plan(facts)])
    assert text.count("ip link add name link0 type veth peer name link1 netns service1") == 1
    assert "ip link delete dev link0 || :" in text  # torn down first, not a clash


DHCP = """\
auto lo
iface lo inet loopback

auto eth0 eth1
iface eth0 inet dhcp
iface eth1 inet static
   address 192.0.2.2/24
iface eth1 inet6 auto
"""
CLIENTS = frozenset({"dhclient", "dhcpcd"})


def test_golden_start_dhcp_binds_private_client_state() -> None:
    facts = Facts(host_links=HOST, dhcp_clients=CLIENTS, resolv_conf_exists=True)
    plan = plan_start("dhcp", parse_text(DHCP, "/etc/netns/dhcp/network/interfaces"), facts, PATHS)
    text = check_golden("start-dhcp", plan)
    # Every ifupdown run of the namespace (ifup, and ifdown when undoing) binds the same paths.
    runs = [a for step in plan.steps for a in (step.action, *step.undo) if isinstance(a, Run) and "ifup" in a.argv]
    downs = [a for step in plan.steps for a in step.undo if isinstance(a, Run) and "ifdown" in a.argv]
    assert len(runs) == 1 and len(downs) == 1
    assert runs[0].argv[: runs[0].argv.index("--")] == downs[0].argv[: downs[0].argv.index("--")]
    for private, shared in (
        ("/var/lib/netns-helper/dhcp/dhcp", "/var/lib/dhcp"),
        ("/var/lib/netns-helper/dhcp/dhcpcd", "/var/lib/dhcpcd"),
        ("/run/network/netns/dhcp/dhcp/dhcpcd", "/run/dhcpcd"),
        ("/run/network/netns/dhcp/dhcp/dhclient.eth0.pid", "/run/dhclient.eth0.pid"),
        ("/run/network/netns/dhcp/dhcp/dhclient6.eth1.pid", "/run/dhclient6.eth1.pid"),
    ):
        assert f"{private} {shared}" in text


def test_static_namespace_keeps_the_plain_ifup() -> None:
    facts = Facts(host_links=HOST, dhcp_clients=CLIENTS)
    plan = plan_start("nginx", _config("nginx"), facts, PATHS)
    assert "ip netns exec nginx ifup -a --state-dir=/run/network/netns/nginx" in script([plan]).splitlines()


def test_stop_binds_what_start_bound_whatever_the_config_says_now() -> None:
    entries = frozenset({"dhclient.eth0.pid", "dhclient6.eth0.pid", "dhcpcd"})
    facts = Facts(namespaces=frozenset({"dhcp"}), dhcp_clients=CLIENTS, dhcp_run_entries=entries)
    text = check_golden("stop-dhcp", plan_stop("dhcp", None, facts, PATHS))
    assert "/run/network/netns/dhcp/dhcp/dhclient.eth0.pid /run/dhclient.eth0.pid" in text
    # Without the private directory, start bound nothing: the plain ifdown.
    plain = plan_stop("dhcp", None, Facts(namespaces=frozenset({"dhcp"}), dhcp_clients=CLIENTS), PATHS)
    assert plain.steps[0].action == Run(
        ("ip", "netns", "exec", "dhcp", "ifdown", "-a", "--state-dir=/run/network/netns/dhcp"),
        timeout=IFUPDOWN_TIMEOUTS["ifdown"],
    )


@pytest.mark.parametrize(
    ("target", "directory"),
    [
        ("/run/systemd/resolve/stub-resolv.conf", "/run/systemd/resolve"),  # systemd-resolved
        ("/run/resolvconf/resolv.conf", "/run/resolvconf"),  # resolvconf
    ],
)
def test_dhcp_client_writes_the_namespace_resolv_conf_behind_the_host_symlink(target: str, directory: str) -> None:
    """The client sees a directory of the namespace's where the host's /etc/resolv.conf leads, on start and stop."""
    own = f"dir /run/network/netns/dhcp/dhcp/resolv {directory} file /etc/netns/dhcp/resolv.conf {target} --"
    facts = Facts(host_links=HOST, dhcp_clients=CLIENTS, resolv_conf_exists=True, resolv_conf_target=target)
    start = script([plan_start("dhcp", parse_text(DHCP, "/etc/netns/dhcp/network/interfaces"), facts, PATHS)])
    assert f"{own} ifup -a" in start
    entries = frozenset({"dhclient.eth0.pid"})
    stop = Facts(
        namespaces=frozenset({"dhcp"}), dhcp_clients=CLIENTS, dhcp_run_entries=entries, resolv_conf_target=target
    )
    assert f"{own} ifdown -a" in script([plan_stop("dhcp", None, stop, PATHS)])
    # A static namespace binds nothing.
    static = Facts(host_links=HOST, dhcp_clients=CLIENTS, resolv_conf_target=target)
    assert directory not in script([plan_start("nginx", _config("nginx"), static, PATHS)])


def test_resolv_conf_target_is_a_symlink_into_run_only(tmp_path: Path) -> None:
    paths = Paths(etc=f"{tmp_path}/etc", run=f"{tmp_path}/run")
    os.makedirs(f"{paths.run}/systemd/resolve")
    os.makedirs(paths.etc)
    assert resolv_conf_target(paths) is None  # none at all
    Path(f"{paths.etc}/resolv.conf").write_text("nameserver 192.0.2.53\n")
    assert resolv_conf_target(paths) is None  # a plain file
    os.remove(f"{paths.etc}/resolv.conf")
    os.symlink("../run/systemd/resolve/stub-resolv.conf", f"{paths.etc}/resolv.conf")
    assert resolv_conf_target(paths) == f"{paths.run}/systemd/resolve/stub-resolv.conf"
    os.remove(f"{paths.etc}/resolv.conf")
    os.symlink("resolv.conf.admin", f"{paths.etc}/resolv.conf")
    assert resolv_conf_target(paths) is None  # beside it, in /etc


def test_host_resolver_hooks_are_not_mirrored() -> None:
    hooks = (
        Hook("if-up.d", "resolved", "/etc/network/if-up.d/resolved", None),
        Hook("if-down.d", "resolved", "/etc/network/if-down.d/resolved", None),
        Hook("if-up.d", "000resolvconf", "/etc/network/if-up.d/000resolvconf", None),
        Hook("if-down.d", "resolvconf", "/etc/network/if-down.d/resolvconf", None),
        Hook("if-pre-up.d", "bridge", "/etc/network/if-pre-up.d/bridge", "/usr/lib/bridge-utils/ifupdown.sh"),
    )
    text = script([plan_start("nginx", _config("nginx"), Facts(host_links=HOST, host_hooks=hooks), PATHS)])
    assert "resolv" not in text.replace("resolv.conf", "")
    assert "ln -s /usr/lib/bridge-utils/ifupdown.sh /etc/netns/nginx/network/if-pre-up.d/bridge" in text


def test_dhclient_hooks_of_host_daemons_are_left_out_of_the_namespace_copy() -> None:
    hooks = (
        ("dhclient-enter-hooks.d", "resolvconf", "make_resolv_conf() { resolvconf -a; }"),
        ("dhclient-exit-hooks.d", "rfc3442-classless-routes", "ip route add x\n"),
        ("dhclient-exit-hooks.d", "timesyncd", "systemctl try-restart systemd-timesyncd\n"),
    )
    facts = Facts(host_links=HOST, dhcp_clients=frozenset({"dhclient"}), dhcp_hooks=hooks, resolv_conf_exists=True)
    text = script([plan_start("dhcp", parse_text(DHCP, "/etc/netns/dhcp/network/interfaces"), facts, PATHS)])
    run = "/run/network/netns/dhcp/dhcp"
    assert f"mkdir -p {run}/dhclient-enter-hooks.d" in text
    assert f"printf '%s\\n' 'ip route add x' >{run}/dhclient-exit-hooks.d/rfc3442-classless-routes" in text
    assert "resolvconf" not in text and "timesyncd" not in text
    assert f"dir {run}/dhclient-exit-hooks.d /etc/dhcp/dhclient-exit-hooks.d" in text
    # Written before the ifup that binds them.
    assert text.index("rfc3442") < text.index("-- ifup -a")


# dhcpcd-base's hook directory: bookworm's (9.4.1) files; trixie's (10.1) has 01-test,
# 20-resolv.conf, 30-hostname and 50-timesyncd.conf (and sid 50-ntp.conf).
DHCPCD_HOOKS = (
    "01-test", "20-resolv.conf", "30-hostname", "50-ntp.conf", "50-timesyncd.conf", "60-ntp-common.conf",
    "62-chrony.conf", "64-timesyncd.conf", "68-openntpd.conf",
)  # fmt: skip


def test_dhcpcd_hooks_of_host_daemons_are_left_out_and_resolvconf_is_none(tmp_path: Path) -> None:
    """dhcpcd's copy keeps 01-test and 20-resolv.conf, with ours before it; the host's own files are read."""
    paths = Paths(etc=f"{tmp_path}/etc", run=f"{tmp_path}/run", usr_lib=f"{tmp_path}/usr/lib")
    hook_dir = Path(f"{paths.usr_lib}/dhcpcd/dhcpcd-hooks")
    hook_dir.mkdir(parents=True)
    for name in (*DHCPCD_HOOKS, "90-mine", "90-mine~", ".hidden"):
        (hook_dir / name).write_text(f"# {name}\n")
    (hook_dir / "subdir").mkdir()
    hooks = dhcp_hooks(paths, frozenset({"dhcpcd"}))
    assert [name for _, name, _ in hooks] == ["01-test", "20-resolv.conf", *DHCPCD_HOOKS[2:], "90-mine", "90-mine~"]
    assert dhcp_hooks(paths, frozenset({"udhcpc"})) == ()
    facts = Facts(host_links=HOST, dhcp_clients=frozenset({"dhcpcd"}), dhcp_hooks=hooks, resolv_conf_exists=True)
    text = script([plan_start("dhcp", parse_text(DHCP, "/etc/netns/dhcp/network/interfaces"), facts, PATHS)])
    run = "/run/network/netns/dhcp/dhcp/dhcpcd-hooks"
    printed = [line for line in text.splitlines() if line.startswith("printf") and run in line]
    written = [line.rsplit(">", 1)[1].strip("'") for line in printed]
    # dhcpcd-run-hooks skips *~ in the copy as on the host.
    names = ["01-test", "19-netns-helper", "20-resolv.conf", "90-mine", "90-mine~"]
    assert sorted(written) == [f"{run}/{name}" for name in names]
    assert f" resolvconf=/dev/null/resolvconf >{run}/19-netns-helper" in text
    assert f"dir {run} /usr/lib/dhcpcd/dhcpcd-hooks" in text
    assert text.index(f"mkdir -p {run}") < text.index("19-netns-helper") < text.index("-- ifup -a")
    # Without dhcpcd installed, no copy of its hooks.
    dhclient = Facts(host_links=HOST, dhcp_clients=frozenset({"dhclient"}), dhcp_hooks=hooks, resolv_conf_exists=True)
    assert "dhcpcd-hooks" not in script([plan_start("dhcp", parse_text(DHCP, "/x"), dhclient, PATHS)])


def test_stop_after_the_file_was_edited_to_a_pattern_still_gives_back() -> None:
    """A pattern is a rule's error (check, start); stop plans with the file the admin left."""
    config = parse_text("auto lo /eth*\niface lo inet loopback\n", "/etc/netns/nginx/network/interfaces")
    facts = Facts(
        namespaces=frozenset({"nginx"}), ns_links={"lo": Link("lo"), "eth1.7": Link("eth1.7", "vlan", "eth1")}
    )
    assert plan_stop("nginx", config, facts, PATHS).steps == plan_stop("nginx", None, facts, PATHS).steps
