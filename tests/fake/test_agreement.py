# SPDX-License-Identifier: GPL-3.0-or-later
"""`check NAME` predicts `start NAME`: fact-dependent cases through both commands, one verdict each.

Each case is the namespace's file, the host's file, the host's links, the links of a running
(stale) namespace of that name, and the host's default routes; for an IPsec service, its xfrm
file, its destination's file and links (when it runs), and another namespace's file. Its verdict holds for both
commands: "error" (check exits 2, start refuses with exit 2 and the same first line), "warning"
(check exits 1, start plans and prints the same warning) or "clean" (both exit 0, silent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import record
from netns_helper.cli import main

NAME = "web"
DEST = "vpn"  # the destination of NAME's XFRM interface, when the case has an xfrm file
OTHER = "lan"
LO = "auto lo\niface lo inet loopback\n"
XFRM = f"[ipsec0]\nIfId=7\nPrefixes=10.1.0.0/16\nDestNetNS={DEST}\n"


@dataclass(frozen=True)
class Case:
    config: str
    verdict: str  # error, warning, clean
    words: str = ""  # in the first problem's line (error, warning); {root} is the test's root
    host: str = ""  # the host's /etc/network/interfaces
    links: tuple[str, ...] = ("eth1", "eth2")  # host links besides lo; "NAME:KIND" gives a kind
    stale: tuple[str, ...] | None = None  # the links of a running namespace NAME ("NAME:KIND:elsewhere")
    stale_veths: tuple[tuple[str, str], ...] = ()  # its veth pairs (host end, inside end), for its record
    default_via: str | None = None  # the link of the host's default route
    xfrm: str = ""  # NAME's xfrm file
    dest: str | None = None  # DEST's interfaces file (after LO)
    dest_links: tuple[str, ...] | None = None  # the links of DEST when it runs
    other: str | None = None  # OTHER's interfaces file (after LO)


def _clash(dest: str, links: tuple[str, ...] = ("eth1", "eth2"), host: str = "") -> Case:
    """An IPsec service whose destination, not running, gets a link of its XFRM interface's name from
    DEST, its own file: the move of the XFRM interface into it, after its ifup, would fail."""
    words = f"namespace {DEST} would get two interfaces named ipsec0: this XFRM interface and its own"
    return Case("", "error", words, host=host, links=links, xfrm=XFRM, dest=dest)


CASES = {
    # The four rows of the table.
    "vlan-of-a-missing-parent": Case(
        "auto eth9.5\niface eth9.5 inet manual\n", "error", "parent interface 'eth9' does not exist"
    ),
    "link-netns-host-end-exists": Case(
        "auto l1\niface l1 inet manual\n",
        "error",
        "cannot create link 'l0': a link of that name already exists",
        host=LO + "link-netns web l0 l1\n",
        links=("eth1", "l0:veth"),
    ),
    "auto-nic-missing": Case(
        "auto eth7\niface eth7 inet manual\n", "error", "interface 'eth7' does not exist on this host"
    ),
    "bridge-port-of-a-missing-bridge": Case(
        "auto br9..1\niface br9..1 inet manual\n", "error", "'br9' does not exist on this host"
    ),
    # Around them.
    "allow-hotplug-nic-missing": Case(
        "allow-hotplug eth7\niface eth7 inet manual\n", "warning", "allow-hotplug interface 'eth7' is not on this host"
    ),
    "allow-hotplug-nic-present": Case("allow-hotplug eth1\niface eth1 inet manual\n", "clean"),
    "auto-nic-present": Case("auto eth1\niface eth1 inet manual\n", "clean"),
    "bond-member-missing": Case(
        "auto bond0\niface bond0 inet manual\n  bond-slaves eth1 eth8\n", "error", "'eth8' does not exist"
    ),
    "bridge-port-of-a-nic-not-a-bridge": Case(
        "auto eth1..1\niface eth1..1 inet manual\n", "error", "'eth1' is not a bridge"
    ),
    "bridge-port-of-a-bridge": Case("auto br0..1\niface br0..1 inet manual\n", "clean", links=("eth1", "br0:bridge")),
    "vlan-of-a-present-parent": Case("auto eth1.5\niface eth1.5 inet manual\n", "clean"),
    "nic-inside-its-stale-namespace": Case(
        "auto eth1\niface eth1 inet manual\n", "clean", links=("eth2",), stale=("lo", "eth1")
    ),
    "veth-of-the-stale-namespace-goes-with-it": Case(
        "auto l1\niface l1 inet manual\n",
        "clean",
        host=LO + "link-netns web l0 l1\n",
        links=("eth1", "l0:veth"),
        stale=("l1:veth:elsewhere",),
        stale_veths=(("l0", "l1"),),
    ),
    "vlan-made-inside-the-stale-namespace-is-not-a-nic": Case(
        "auto eth9\niface eth9 inet manual\n",
        "error",
        "interface 'eth9' does not exist",
        stale=("eth9:vlan:elsewhere",),
    ),
    "nic-with-the-default-route": Case(
        "auto eth1\niface eth1 inet manual\n", "warning", "eth1 carries the host's default route", default_via="eth1"
    ),
    "default-route-on-a-nic-left-alone": Case("auto eth1\niface eth1 inet manual\n", "clean", default_via="eth2"),
    # ifup -a fails on a name brought up without a stanza: both refuse before anything runs.
    # A mistake in the host's file is the host's own business unless this namespace has link-netns pairs.
    "host-file-error-without-pairs": Case(
        "auto eth1\niface eth1 inet manual\n", "warning", "option 'bogus' has no value", host=LO + "bogus\n"
    ),
    "host-file-error-with-pairs": Case(
        "auto l1\niface l1 inet manual\n",
        "error",
        "option 'bogus' has no value",
        host=LO + "link-netns web l0 l1\nbogus\n",
    ),
    "auto-without-a-stanza": Case("auto eth1\n", "error", "eth1 is brought up (auto) but has no iface stanza"),
    "port-of-a-host-bridge": Case(
        "auto eth1\niface eth1 inet manual\n",
        "error",
        "eth1 is a port of the host's br0",
        host="iface br0 inet dhcp\n  bridge_ports eth1\n",
    ),
    "nic-the-host-hotplugs": Case(
        "auto eth1\niface eth1 inet manual\n",
        "error",
        "eth1 is also brought up by the host (allow-hotplug",
        host="allow-hotplug eth1\n",
    ),
    # An IPsec service whose own file is right: only its destination, which its start builds, is wrong.
    "dest-nic-missing": Case(
        "",
        "error",
        "interface 'eth7' does not exist on this host",
        xfrm=XFRM,
        dest="auto eth7\niface eth7 inet manual\n",
    ),
    "dest-vlan-of-a-missing-parent": Case(
        "", "error", "parent interface 'eth9' does not exist", xfrm=XFRM, dest="auto eth9.5\niface eth9.5 inet manual\n"
    ),
    "dest-nic-also-taken-by-another-namespace": Case(
        "",
        "error",
        f"eth2 is also taken by namespace {OTHER}",
        xfrm=XFRM,
        dest="auto eth2\niface eth2 inet manual\n",
        other="auto eth2\niface eth2 inet manual\n",
    ),
    "dest-nic-the-host-brings-up": Case(
        "",
        "error",
        "eth2 is also brought up by the host (auto",
        host=LO + "auto eth2\niface eth2 inet dhcp\n",
        xfrm=XFRM,
        dest="auto eth2\niface eth2 inet manual\n",
    ),
    "dest-link-netns-host-end-exists": Case(
        "",
        "error",
        "cannot create link 'l0': a link of that name already exists",
        host=LO + f"link-netns {DEST} l0 l1\n",
        links=("eth1", "l0:veth"),
        xfrm=XFRM,
        dest="auto l1\niface l1 inet manual\n",
    ),
    "dest-bond-member-missing": Case(
        "",
        "error",
        "'eth8' does not exist",
        xfrm=XFRM,
        dest="auto bond0\niface bond0 inet manual\n  bond-slaves eth2 eth8\n",
    ),
    "running-dest-has-a-link-of-the-xfrm-name": Case(
        "",
        "error",
        f"namespace {DEST} already has an interface named ipsec0",
        xfrm=XFRM,
        dest="",
        dest_links=("lo", "ipsec0:xfrm"),
    ),
    "dest-allow-hotplug-nic-missing": Case(
        "",
        "warning",
        "allow-hotplug interface 'eth7' is not on this host",
        xfrm=XFRM,
        dest="allow-hotplug eth7\niface eth7 inet manual\n",
    ),
    # A destination that is not running makes a link of the XFRM interface's name itself (_clash).
    "dest-pre-up-makes-a-link-of-the-xfrm-name": Case(
        "",
        "error",
        f"its own, from {{root}}/etc/netns/{DEST}/network/interfaces:6 (hint: rename the XFRM interface",
        xfrm=XFRM,
        dest="auto eth2 dum\niface eth2 inet manual\niface dum inet manual\n  pre-up ip link add ipsec0 type dummy\n",
    ),
    "dest-veth-peer-of-the-xfrm-name": _clash(
        "auto v0\niface v0 inet manual\n  pre-up ip link add v0 type veth peer name ipsec0\n"
    ),
    "dest-bridge-of-the-xfrm-name": _clash("auto ipsec0\niface ipsec0 inet manual\n  bridge_ports eth2\n"),
    "dest-takes-a-host-nic-of-the-xfrm-name": _clash(
        "auto ipsec0\niface ipsec0 inet manual\n", links=("eth1", "ipsec0")
    ),
    "dest-link-netns-end-of-the-xfrm-name": _clash("", host=LO + f"link-netns {DEST} l0 ipsec0\n"),
    "dest-makes-a-link-of-the-xfrm-name-in-another-namespace": Case(
        "",
        "clean",
        xfrm=XFRM,
        dest="auto dum\niface dum inet manual\n  pre-up ip link add ipsec0 netns lan type dummy\n",
    ),
    "dest-makes-the-xfrm-name-only-in-a-stanza-it-does-not-bring-up": Case(
        "",
        "clean",
        xfrm=XFRM,
        dest="iface dum inet manual\n  pre-up ip link add ipsec0 type dummy\n",
    ),
    "dest-nic-present": Case("", "clean", xfrm=XFRM, dest="auto eth2\niface eth2 inet manual\n"),
    "dest-without-a-file": Case("", "clean", xfrm=XFRM),
    "running-dest-without-a-clash": Case("", "clean", xfrm=XFRM, dest="", dest_links=("lo",)),
}


def _link(word: str) -> dict[str, object]:
    name, _, rest = word.partition(":")
    kind, _, where = rest.partition(":")
    entry: dict[str, object] = {"ifname": name}
    if kind:
        entry["linkinfo"] = {"info_kind": kind}
    if where:
        entry["link_netnsid"] = 0
    return entry


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    return tmp_path


def _record_crashed_start(case: Case, root: Path) -> None:
    """The record a start of the stale namespace left when it crashed: what it took and made."""
    assert case.stale is not None
    links = [[*w.split(":"), "", ""] for w in case.stale]
    rec = record.Record(
        NAME,
        complete=False,
        moved=tuple(record.Moved(n, None, None, None) for n, kind, *_ in links if not kind and n != "lo"),
        created=tuple(n for n, kind, where, *_ in links if kind == "vlan" and where),
        veths=tuple(record.Veth(host, inside, False) for host, inside in case.stale_veths),
    )
    state = root / f"run/network/netns/{NAME}"
    state.mkdir(parents=True)
    (state / record.FILENAME).write_text(record.dumps(rec) + "\n")


def _install(case: Case, root: Path, fp: FakeProcess) -> Path:
    config = root / f"etc/netns/{NAME}/network/interfaces"
    config.parent.mkdir(parents=True)
    config.write_text(LO + case.config)
    (root / "etc/network").mkdir(parents=True)
    if case.host:
        (root / "etc/network/interfaces").write_text(case.host)
    (root / "run/netns").mkdir(parents=True)
    host = [_link("lo"), *map(_link, case.links)]
    fp.register(["ip", "-j", "-d", "link", "show"], stdout=json.dumps(host), occurrences=2)
    if case.stale is not None:
        (root / f"run/netns/{NAME}").touch()
        _record_crashed_start(case, root)
        stale = json.dumps([_link(w) for w in case.stale])
        fp.register(["ip", "-n", NAME, "-j", "-d", "link", "show"], stdout=stale, occurrences=2)
    if case.xfrm:
        (config.parent / "xfrm").write_text(case.xfrm)
        (root / f"etc/netns/{DEST}").mkdir()
    for netns, text in ((DEST, case.dest), (OTHER, case.other)):
        if text is not None:
            (root / f"etc/netns/{netns}/network").mkdir(parents=True, exist_ok=True)
            (root / f"etc/netns/{netns}/network/interfaces").write_text(LO + text)
    if case.dest_links is not None:
        (root / f"run/netns/{DEST}").touch()
        state = root / f"run/network/netns/{DEST}"  # NAME's start brought it up, then NAME stopped
        state.mkdir(parents=True)
        (state / record.FILENAME).write_text(record.dumps(record.Record(DEST, complete=True, for_service=NAME)) + "\n")
        links = json.dumps([_link(w) for w in case.dest_links])
        fp.register(["ip", "-n", DEST, "-j", "-d", "link", "show"], stdout=links, occurrences=2)
    if case.default_via:
        (root / "proc/net").mkdir(parents=True)
        route = f"Iface\tDestination\tGateway\n{case.default_via}\t00000000\t0102A8C0\t3\t0\t0\t0\t00000000\n"
        (root / "proc/net/route").write_text(route)
    return config


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_and_start_agree(name: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    _install(case, root, fp)
    checked = main(["check", NAME])
    check_out = capsys.readouterr().out.splitlines()
    started = main(["--print-commands", "start", NAME])
    start_err = capsys.readouterr().err.splitlines()
    codes = {"error": (2, 2), "warning": (1, 0), "clean": (0, 0)}[case.verdict]
    assert (checked, started) == codes, (check_out, start_err)
    if case.verdict == "clean":
        assert check_out == [] and start_err == []
        return
    assert check_out and case.words.format(root=root) in check_out[0], check_out
    problems = [line for line in start_err if ": error: " in line or ": warning: " in line]
    assert problems == check_out  # the same problems, the same words, the same lines


def test_check_skips_an_unreadable_or_vanished_namespace_with_a_warning(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    _install(Case("auto eth1\niface eth1 inet manual\n", "clean"), root, fp)
    for name in ("gone", "plain"):
        (root / f"run/netns/{name}").touch()
    fp.register(["ip", "-n", "gone", "-j", "-d", "link", "show"], returncode=1, stderr="Cannot open network namespace")
    fp.register(["ip", "-n", "plain", "-j", "-d", "link", "show"], returncode=255, stderr="Invalid argument")
    assert main(["check"]) == 0
    err = capsys.readouterr().err
    assert f"netns-helper: warning: skipping {root}/run/netns/gone: exit code 1: Cannot open network namespace" in err
    assert f"netns-helper: warning: skipping {root}/run/netns/plain: exit code 255: Invalid argument" in err
