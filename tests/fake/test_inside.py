# SPDX-License-Identifier: GPL-3.0-or-later
"""start, check and reload with a namespace's ruleset and sysctls, against faked processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper.cli import main

from .conftest import nginx_root

HOST_LINKS = json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}])
QUERY_HOST = ["ip", "-j", "-d", "link", "show"]
RULESET = (
    "flush ruleset\ntable inet f {\n  chain input {\n    type filter hook input priority 0; policy drop;\n  }\n}\n"
)
NFT_ERROR = (
    "{path}:4:50-53: Error: syntax error, unexpected string\n"
    "    type filter hook input priority 0; policy maybe;\n"
    "                                                 ^^^^^\n"
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = nginx_root(tmp_path, monkeypatch)
    (root / "etc/netns/nginx/nftables.conf").write_text(RULESET)
    (root / "etc/netns/nginx/sysctl.conf").write_text("net.ipv4.ip_forward = 1\n-net.ipv6.conf.all.forwarding = 1\n")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    return root


def _ruleset(root: Path) -> str:
    return f"{root}/etc/netns/nginx/nftables.conf"


def _check(root: Path) -> list[str]:
    return ["unshare", "--net", "nft", "-c", "-f", _ruleset(root)]


def _tee(key: str) -> list[str]:
    return ["ip", "netns", "exec", "nginx", "tee", f"/proc/sys/net/{key}"]


def _start(root: Path) -> list[list[str]]:
    return [
        ["ip", "netns", "add", "nginx"],
        ["ip", "netns", "exec", "nginx", "nft", "-f", "-"],
        ["ip", "-n", "nginx", "link", "set", "dev", "lo", "up"],
        ["ip", "link", "set", "dev", "eth0", "netns", "nginx"],
        _tee("ipv4/ip_forward"),
        _tee("ipv6/conf/all/forwarding"),
        ["ip", "netns", "exec", "nginx", "ifup", "-a", f"--state-dir={root}/run/network/netns/nginx"],
    ]


def test_start_checks_then_loads_the_ruleset_first_and_the_sysctls_before_ifup(root: Path, fp: FakeProcess) -> None:
    fp.register(_check(root))
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    for cmd in _start(root):
        fp.register(cmd)
    assert main(["start", "nginx"]) == 0
    assert [list(c) for c in fp.calls] == [_check(root), QUERY_HOST, *_start(root)]


def test_print_commands_shows_the_ruleset_going_in_as_one_transaction(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(_check(root))
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["--print-commands", "start", "nginx"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("ip netns add nginx") + 1
    assert lines[at : at + 4] == [
        "ip netns exec nginx nft -f - <<'EOF'",
        "flush ruleset",
        f'include "{_ruleset(root)}"',
        "EOF",
    ]
    optional = "ip netns exec nginx tee /proc/sys/net/ipv6/conf/all/forwarding >/dev/null <<'EOF' || :"
    assert lines[lines.index(optional) + 1 :][:2] == ["1", "EOF"]


@pytest.mark.parametrize(
    ("failing", "stderr", "undo"),
    [
        # The ruleset: the namespace is all there is to undo.
        (1, "netlink: Error: Could not process rule: No such file or directory", [["ip", "netns", "delete", "nginx"]]),
        # A sysctl the namespace lacks: eth0 goes back as well.
        (
            4,
            "tee: /proc/sys/net/ipv4/ip_forward: No such file or directory",
            [
                ["ip", "-n", "nginx", "link", "set", "dev", "eth0", "netns", str(os.getpid())],
                ["ip", "netns", "delete", "nginx"],
            ],
        ),
    ],
)
def test_a_failed_ruleset_or_sysctl_undoes_the_start(
    failing: int, stderr: str, undo: list[list[str]], root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(_check(root))
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    cmds = _start(root)
    for cmd in cmds[:failing]:
        fp.register(cmd)
    fp.register(cmds[failing], returncode=1, stderr=stderr)
    for cmd in undo:
        fp.register(cmd)
    assert main(["start", "nginx"]) == 1
    assert [list(c) for c in fp.calls] == [_check(root), QUERY_HOST, *cmds[: failing + 1], *undo]
    err = capsys.readouterr().err
    assert stderr in err and "undone:" in err
    assert not (root / "run/network/netns/nginx").exists()


def test_a_broken_ruleset_refuses_start_with_nfts_file_and_line(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(_check(root), returncode=1, stderr=NFT_ERROR.format(path=_ruleset(root)))
    assert main(["start", "nginx"]) == 2
    assert [list(c) for c in fp.calls] == [_check(root)]
    assert capsys.readouterr().err.startswith(f"{_ruleset(root)}:4: error: nft: syntax error, unexpected string\n")


def test_check_reports_nfts_errors_as_problems(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    fp.register(_check(root), returncode=1, stderr=NFT_ERROR.format(path=_ruleset(root)))
    assert main(["check", "--json", "nginx"]) == 2
    problems = json.loads(capsys.readouterr().out)
    assert [p for p in problems if p["path"] != f"{root}/etc/netns/nginx/network/interfaces"] == [
        {"path": _ruleset(root), "line": 4, "severity": "error", "message": "nft: syntax error, unexpected string"}
    ]


def test_without_nft_a_ruleset_is_an_error_that_says_what_to_install(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(_check(root), returncode=127, stderr="unshare: failed to execute nft: No such file or directory\n")
    assert main(["start", "nginx"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{_ruleset(root)}:1: error: cannot check the ruleset with nft: unshare: failed to execute")
    assert "hint: install nftables" in err


def test_without_a_ruleset_nft_never_runs(root: Path, fp: FakeProcess) -> None:
    (root / "etc/netns/nginx/nftables.conf").unlink()
    (root / "etc/netns/nginx/sysctl.conf").unlink()
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    fp.register(["ip", "netns", "add", "nginx"])
    fp.register(["ip", "-n", "nginx", "link", "set", "dev", "lo", "up"])
    fp.register(["ip", "link", "set", "dev", "eth0", "netns", "nginx"])
    fp.register(["ip", "netns", "exec", "nginx", "ifup", "-a", f"--state-dir={root}/run/network/netns/nginx"])
    assert main(["start", "nginx"]) == 0
    assert not [c for c in fp.calls if "nft" in c or "tee" in c]


def test_reload_checks_then_replaces_the_ruleset_and_sets_the_sysctls(root: Path, fp: FakeProcess) -> None:
    (root / "run/netns/nginx").touch()
    reload = [
        ["ip", "netns", "exec", "nginx", "nft", "-f", "-"],
        _tee("ipv4/ip_forward"),
        _tee("ipv6/conf/all/forwarding"),
    ]
    fp.register(_check(root))
    for cmd in reload:
        fp.register(cmd)
    assert main(["reload", "nginx"]) == 0
    assert [list(c) for c in fp.calls] == [_check(root), *reload]


def test_reload_of_a_broken_ruleset_changes_nothing_and_exits_2(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "run/netns/nginx").touch()
    fp.register(_check(root), returncode=1, stderr=NFT_ERROR.format(path=_ruleset(root)))
    assert main(["reload", "nginx"]) == 2
    assert [list(c) for c in fp.calls] == [_check(root)]
    assert capsys.readouterr().err.startswith(f"{_ruleset(root)}:4: error: nft: syntax error")


def test_reload_of_a_namespace_that_is_not_running_exits_1(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reload", "nginx"]) == 1
    assert list(fp.calls) == []
    assert "namespace nginx is not running" in capsys.readouterr().err


def test_reload_without_a_ruleset_file_empties_the_ruleset_as_a_start_would(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "run/netns/nginx").touch()
    (root / "etc/netns/nginx/nftables.conf").unlink()
    (root / "etc/netns/nginx/sysctl.conf").unlink()
    assert main(["--print-commands", "reload", "nginx"]) == 0
    out = capsys.readouterr().out
    assert "# note: namespace nginx has no nftables.conf: its ruleset is emptied" in out
    assert out.endswith("# reload nginx\n# note: namespace nginx has no nftables.conf: its ruleset is emptied, "
                        "as a start would leave it\nip netns exec nginx nft flush ruleset\nexit \"$rc\"\n")  # fmt: skip
    assert list(fp.calls) == []


def test_reload_of_a_namespace_netns_helper_does_not_configure_changes_nothing(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "run/netns/other").touch()
    (root / "etc/netns/other").mkdir(parents=True)
    (root / "etc/netns/other/nftables.conf").write_text(RULESET)
    assert main(["reload", "other"]) == 2
    assert list(fp.calls) == []
    assert f"{root}/etc/netns/other/network/interfaces: no such file" in capsys.readouterr().err
