# SPDX-License-Identifier: GPL-3.0-or-later
"""A namespace's own nftables ruleset and sysctls, with the real nft, ip and ifupdown."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Host, sh, wait_for
from .test_core import NGINX as SPEC_NGINX

# The spec's nginx, whose eth0 records the ruleset before it is brought up.
NGINX = SPEC_NGINX + "    pre-up nft list ruleset > /run/ruleset-at-ifup\n"

# Default drop; lo and port 80 in. `iifname`, not `iif`: the ruleset is loaded before any device is in.
RULESET = """\
flush ruleset
table inet filter {
    chain input {
        type filter hook input priority filter; policy drop;
        iifname "lo" accept
        ct state established,related accept
        tcp dport 80 counter accept
    }
}
"""


def _reachable(addr: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((addr, port)) == 0


def _listen(netns: str, port: int) -> subprocess.Popen[bytes]:
    """A TCP server on PORT in NETNS, awaited through the namespace's own lo (which the rulesets allow)."""
    code = (
        "import socket, sys\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen()\n"
        "while True: s.accept()[0].close()\n"
    )
    server = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-c", code, str(port)])
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), 1)"

    def up() -> bool:
        return sh("ip", "netns", "exec", netns, sys.executable, "-c", probe, check=False).returncode == 0

    wait_for(up, what=f"port {port} in {netns}")
    return server


def _configure(host: Host, ruleset: str | None = RULESET, sysctl: str | None = None) -> Path:
    host.nic("eth0", "peer0", "192.0.2.1/24")
    path = host.configure("nginx", NGINX)
    base = path.parent.parent
    if ruleset is not None:
        (base / "nftables.conf").write_text(ruleset)
    if sysctl is not None:
        (base / "sysctl.conf").write_text(sysctl)
    return base


def _ruleset(netns: str) -> str:
    return sh("ip", "netns", "exec", netns, "nft", "list", "ruleset").stdout


def _sysctl(key: str, netns: str | None = None) -> str:
    where = ("ip", "netns", "exec", netns) if netns else ()
    return sh(*where, "cat", "/proc/sys/" + key.replace(".", "/")).stdout.strip()


def test_nft_works_on_this_kernel() -> None:
    proc = sh("unshare", "--net", "nft", "-f", "-", input=RULESET)
    assert proc.returncode == 0
    listed = sh("unshare", "--net", "sh", "-c", "nft -f - && nft list ruleset", input=RULESET).stdout
    assert "tcp dport 80" in listed


def test_ruleset_lets_80_in_and_drops_22(host: Host) -> None:
    _configure(host)
    host.tool("start", "nginx")
    servers = [_listen("nginx", 80), _listen("nginx", 22)]
    try:
        assert _reachable("192.0.2.2", 80)
        assert not _reachable("192.0.2.2", 22)
        assert "counter packets 0 " not in _ruleset("nginx")  # the accepted connection was counted
    finally:
        host.tool("stop", "nginx")
        for server in servers:
            server.wait(timeout=5)


def test_ruleset_is_loaded_before_the_first_interface_is_in_or_up(host: Host) -> None:
    _configure(host)
    log = host.tool("--verbose", "start", "nginx").stderr
    commands = [line[2:] for line in log.splitlines() if line.startswith("+ ")]
    load = commands.index("ip netns exec nginx nft -f - <<'EOF'")
    assert commands[load - 1] == "ip netns add nginx"
    body = log.splitlines()[log.splitlines().index("+ " + commands[load]) + 1 :][:3]
    assert body == ["flush ruleset", 'include "/etc/netns/nginx/nftables.conf"', "EOF"]
    assert all("link set" not in c and "ifup" not in c for c in commands[:load])
    # ifupdown's pre-up of eth0, before eth0 was up, saw the whole ruleset.
    assert "tcp dport 80 counter" in Path("/run/ruleset-at-ifup").read_text()
    host.tool("stop", "nginx")


def test_broken_ruleset_exit_2_with_file_and_line_and_nothing_runs(host: Host) -> None:
    base = _configure(host, RULESET.replace("tcp dport 80", "tcp dport eighty"))
    before = host.snapshot()
    for command in ("check", "start"):
        proc = host.tool("--verbose", command, "nginx", check=False)
        assert proc.returncode == 2, proc.stderr
        out = proc.stdout + proc.stderr
        assert f"{base}/nftables.conf:7: error: nft: " in out, out
        assert not [line for line in proc.stderr.splitlines() if line.startswith("+ ip netns add")]
    assert host.snapshot() == before


def test_reload_applies_a_good_ruleset_and_keeps_the_old_one_for_a_broken_one(host: Host) -> None:
    base = _configure(host)
    host.tool("start", "nginx")
    servers = [_listen("nginx", 80), _listen("nginx", 22)]
    try:
        assert not _reachable("192.0.2.2", 22)
        (base / "nftables.conf").write_text(RULESET.replace("tcp dport 80", "tcp dport { 22, 80 }"))
        host.tool("reload", "nginx")
        assert _reachable("192.0.2.2", 22)
        assert all(server.poll() is None for server in servers)  # nothing restarted
        good = _ruleset("nginx")

        (base / "nftables.conf").write_text(RULESET.replace("policy drop;", "policy maybe;"))
        proc = host.tool("reload", "nginx", check=False)
        assert proc.returncode == 2
        assert f"{base}/nftables.conf:4: error: nft: " in proc.stderr, proc.stderr
        assert _ruleset("nginx") == good
        assert _reachable("192.0.2.2", 22)
    finally:
        host.tool("stop", "nginx")
        for server in servers:
            server.wait(timeout=5)


def test_an_include_outside_the_namespace_directory_is_refused(host: Host) -> None:
    base = _configure(host, 'include "/etc/nftables.conf"\n')
    proc = host.tool("start", "nginx", check=False)
    assert proc.returncode == 2
    assert f"{base}/nftables.conf:1: error: include '/etc/nftables.conf' reaches /etc/nftables.conf" in proc.stderr


def test_an_include_relative_to_etc_inside_the_namespace_directory_is_loaded(host: Host) -> None:
    base = _configure(host, 'flush ruleset\ninclude "netns/nginx/rules.d/*.nft"\n')
    (base / "rules.d").mkdir()
    (base / "rules.d/10-filter.nft").write_text(RULESET.replace("flush ruleset\n", ""))
    host.tool("start", "nginx")
    assert "tcp dport 80 counter" in _ruleset("nginx")
    host.tool("stop", "nginx")


SYSCTLS = """\
# forwarding for this namespace alone
net.ipv4.ip_forward = 1
net.ipv6.conf.all.disable_ipv6 = 1
net/ipv4/conf/eth0/rp_filter = 2
-net.ipv4.conf.nonexistent0.rp_filter = 1
"""


def test_sysctls_are_set_inside_before_ifup_and_the_hosts_stay(host: Host) -> None:
    _configure(host, None, SYSCTLS)
    host_forward = _sysctl("net.ipv4.ip_forward")
    host_v6 = _sysctl("net.ipv6.conf.all.disable_ipv6")
    log = host.tool("--verbose", "start", "nginx").stderr
    assert _sysctl("net.ipv4.ip_forward", "nginx") == "1"
    assert _sysctl("net.ipv6.conf.all.disable_ipv6", "nginx") == "1"
    assert _sysctl("net.ipv4.conf.eth0.rp_filter", "nginx") == "2"
    assert (_sysctl("net.ipv4.ip_forward"), _sysctl("net.ipv6.conf.all.disable_ipv6")) == (host_forward, host_v6)
    commands = [line[2:] for line in log.splitlines() if line.startswith("+ ")]
    tees = [i for i, c in enumerate(commands) if " tee /proc/sys/net/" in c]
    ifup = next(i for i, c in enumerate(commands) if " ifup -a " in c)
    moved = commands.index("ip link set dev eth0 netns nginx")
    assert len(tees) == 4 and moved < min(tees) and max(tees) < ifup
    assert "nonexistent0/rp_filter" in log and "(ignored)" in log  # the `-` line's failure is ignored

    Path("/etc/netns/nginx/sysctl.conf").write_text(SYSCTLS.replace("ip_forward = 1", "ip_forward = 0"))
    host.tool("reload", "nginx")
    assert _sysctl("net.ipv4.ip_forward", "nginx") == "0"
    host.tool("stop", "nginx")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("kernel.hostname = evil", "kernel.hostname is not a network namespace's setting"),
        ("vm.swappiness = 1", "vm.swappiness is not a network namespace's setting"),
        ("net.core.netdev_max_backlog = 5000", "net.core.netdev_max_backlog is global"),
    ],
)
def test_a_key_that_would_change_the_host_is_refused(host: Host, line: str, words: str) -> None:
    base = _configure(host, None, f"net.ipv4.ip_forward = 1\n{line}\n")
    before = host.snapshot()
    hostname = Path("/proc/sys/kernel/hostname").read_text()
    proc = host.tool("--verbose", "start", "nginx", check=False)
    assert proc.returncode == 2
    assert f"{base}/sysctl.conf:2: error: {words}" in proc.stderr, proc.stderr
    assert "+ " not in proc.stderr
    assert host.snapshot() == before
    assert Path("/proc/sys/kernel/hostname").read_text() == hostname


# Mistakes only nft itself can find, each with the line nft blames (the real nft of this machine).
NFT_SYNTAX = {
    "unknown-statement": ("flush ruleset\ntable inet f {\n  chain c {\n    tcp dport 80 acept\n  }\n}\n", 4),
    "missing-closing-brace": ("flush ruleset\ntable inet f {\n  chain c {\n    tcp dport 80 accept\n  }\n", 6),
    "unknown-hook": ("table inet f {\n  chain c {\n    type filter hook sideways priority 0;\n  }\n}\n", 3),
    "undefined-variable": ("table inet f {\n  chain c {\n    tcp dport $web accept\n  }\n}\n", 3),
    "port-out-of-range": ("table inet f {\n  chain c {\n    tcp dport 70000 accept\n  }\n}\n", 3),
    "command-substitution-is-no-shell": ("table inet f {\n  chain c {\n    ip saddr $(reboot) drop\n  }\n}\n", 3),
}


@pytest.mark.parametrize("case", sorted(NFT_SYNTAX))
def test_nft_syntax_errors_refuse_start_with_nfts_line(host: Host, case: str) -> None:
    text, line = NFT_SYNTAX[case]
    base = _configure(host, text)
    before = host.snapshot()
    proc = host.tool("start", "nginx", check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"{base}/nftables.conf:{line}: error: nft: "), proc.stderr
    assert host.snapshot() == before
