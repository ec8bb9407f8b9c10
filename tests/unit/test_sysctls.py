# SPDX-License-Identifier: GPL-3.0-or-later
"""sysctls: the sysctl.conf(5) reader and the rule of which keys are a network namespace's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from netns_helper.errors import ConfigError, Loc
from netns_helper.facts import Paths
from netns_helper.sysctls import GLOBAL_NET_KEYS, GLOBAL_NET_PREFIXES, Setting, collect, parse, problem


def _setting(key: str) -> Setting:
    return Setting(key, tuple(key.split(".")), "0", Loc("sysctl.conf", 1))


def test_parse_reads_sysctl_conf_format(tmp_path: Path) -> None:
    path = tmp_path / "sysctl.conf"
    path.write_text(
        "# comment\n; comment\n\nnet.ipv4.ip_forward=1\n  net.ipv4.ip_local_port_range = 1024\t65000  \n"
        "-net.ipv6.conf.all.forwarding = 1\nnet/ipv4/conf/eth1.124/rp_filter = 2\n"
    )
    settings = parse(str(path))
    assert [(s.name, s.value, s.loc.line, s.optional) for s in settings] == [
        ("net.ipv4.ip_forward", "1", 4, False),
        ("net.ipv4.ip_local_port_range", "1024\t65000", 5, False),
        ("net.ipv6.conf.all.forwarding", "1", 6, True),
        ("net.ipv4.conf.eth1.124.rp_filter", "2", 7, False),
    ]
    assert settings[3].parts == ("net", "ipv4", "conf", "eth1.124", "rp_filter")
    assert settings[3].proc_path() == "/proc/sys/net/ipv4/conf/eth1.124/rp_filter"


def test_sysctl_d_files_in_order_then_sysctl_conf_and_the_last_value_wins(tmp_path: Path) -> None:
    paths = Paths(etc=str(tmp_path))
    base = tmp_path / "netns/ns1"
    (base / "sysctl.d").mkdir(parents=True)
    (base / "sysctl.d/20-b.conf").write_text("net.ipv4.ip_forward = 2\n")
    (base / "sysctl.d/10-a.conf").write_text("net.ipv4.ip_forward = 1\nnet.ipv6.conf.all.forwarding = 1\n")
    (base / "sysctl.d/README").write_text("kernel.hostname = not read: no .conf\n")
    (base / "sysctl.conf").write_text("net.ipv4.ip_forward = 3\n")
    settings, errors = collect(paths, "ns1")
    assert errors == []
    assert [(s.name, s.value) for s in settings] == [
        ("net.ipv6.conf.all.forwarding", "1"),
        ("net.ipv4.ip_forward", "3"),
    ]


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("kernel.hostname", "is not a network namespace's setting"),
        ("vm.swappiness", "is not a network namespace's setting"),
        ("fs.file-max", "is not a network namespace's setting"),
        ("net", "is not a network namespace's setting"),
        ("net.core.rmem_max", "is global"),
        ("net.ipv4.tcp_mem", "is global"),
        ("net.ipv4.neigh.default.gc_thresh3", "is global"),
        ("net.nf_conntrack_max", "is global"),
        ("net.ipv4.no_such_key", "no such sysctl key on this kernel"),
        ("net.ipv4.conf", "is a group of keys"),
        ("net.ipv4.conf.all.mc_forwarding", "is read-only"),
    ],
)
def test_keys_that_are_not_the_namespaces_are_refused(key: str, words: str) -> None:
    error = problem(_setting(key))
    assert isinstance(error, ConfigError)
    assert words in error.message
    assert error.loc == Loc("sysctl.conf", 1)


@pytest.mark.parametrize(
    "key",
    ["net.ipv4.ip_forward", "net.ipv6.conf.all.disable_ipv6", "net.ipv4.conf.default.rp_filter",
     "net.ipv6.conf.eth7.accept_ra", "net.core.somaxconn", "net.ipv4.ip_local_port_range"],
)  # fmt: skip
def test_per_namespace_keys_are_allowed_also_for_devices_that_come_at_start(key: str) -> None:
    assert problem(_setting(key)) is None


def _keys(fresh: bool) -> dict[str, bool]:
    """Every net.* key the kernel shows here (or in a fresh network namespace), and whether it is writable."""
    code = (
        "import os\n"
        "for d, _, files in os.walk('/proc/sys/net'):\n"
        "    for f in files:\n"
        "        p = os.path.join(d, f)\n"
        "        print(p[10:].replace('/', '.'), int(bool(os.stat(p).st_mode & 0o200)))\n"
    )
    where = ["unshare", "--net"] if fresh else []
    out = subprocess.run([*where, sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {key: flag == "1" for key, flag in (line.rsplit(" ", 1) for line in out.splitlines())}


@pytest.mark.real_processes
def test_the_rule_is_what_this_kernel_does() -> None:
    """Refused exactly when a fresh network namespace lacks the key or has it read-only.

    Read-only: this host's /proc/sys and a throwaway namespace that nothing is put into.
    """
    if os.geteuid() != 0:
        pytest.skip("needs root for unshare --net (a package build as a user)")  # under CI=true a skip fails
    here, fresh = _keys(False), _keys(True)
    devices = set(os.listdir("/sys/class/net")) - {"lo"}
    checked = 0
    for key, writable in here.items():
        parts = key.split(".")
        if len(parts) == 5 and parts[2] in ("conf", "neigh") and parts[3] in devices:
            continue  # this host's own NICs: a fresh namespace has none
        if not writable:
            continue  # read-only everywhere: refused as such, whatever the namespace
        refused = problem(_setting(key)) is not None
        assert refused == (not fresh.get(key, False)), (key, "refused" if refused else "allowed")
        checked += 1
    assert checked > 300
    for key in GLOBAL_NET_KEYS:
        assert not fresh.get(f"net.{key}", False), f"net.{key} is writable in a fresh namespace"
    assert not [key for key in fresh if key.startswith(tuple(f"net.{p}" for p in GLOBAL_NET_PREFIXES))]


def test_check_warns_when_an_xfrm_destination_turns_forwarding_off(tmp_path: Path) -> None:
    from netns_helper.check import check
    from netns_helper.errors import WARNING

    paths = Paths(etc=str(tmp_path), run=str(tmp_path / "run"))
    for name in ("strongswan", "tunnel"):
        (tmp_path / f"netns/{name}/network").mkdir(parents=True)
        (tmp_path / f"netns/{name}/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp_path / "netns/strongswan/network/xfrm").write_text(
        "[ipsec0]\nIfId=17\nDestNetNS=tunnel\nPrefixes=10.1.0.0/16\n"
    )
    (tmp_path / "netns/tunnel/sysctl.conf").write_text("# no forwarding here\nnet.ipv4.ip_forward = 0\n")
    problems = check(paths, None, None)
    assert [(p.severity, p.where, p.message) for p in problems] == [
        (
            WARNING,
            f"{tmp_path}/netns/tunnel/sysctl.conf:2",
            "net.ipv4.ip_forward = 0 wins over the forwarding that the XFRM destination tunnel needs: "
            "its IPv4 routes will not forward",
        )
    ]
