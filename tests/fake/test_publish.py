# SPDX-License-Identifier: GPL-3.0-or-later
"""`publish` and `unpublish` end to end in a throwaway root, systemctl faked; the host's listeners read for real."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import publish
from netns_helper.cli import main
from netns_helper.facts import Paths
from netns_helper.status import as_text, gather

RELOAD = ["systemctl", "daemon-reload"]
ENABLE = ["systemctl", "enable", "--now", "netns-publish-nginx-8080.socket"]
SOCKET = """\
# Written by netns-helper publish; remove with: netns-helper unpublish nginx 8080
[Unit]
Description=Port 127.0.0.1:8080 of nginx in namespace nginx (netns-helper)
Documentation=man:netns-helper(8)

[Socket]
ListenStream=127.0.0.1:8080

[Install]
WantedBy=sockets.target
"""
PROXY = """\
# Written by netns-helper publish; remove with: netns-helper unpublish nginx 8080
[Unit]
Description=Proxy of port 127.0.0.1:8080 to 127.0.0.1:80 in namespace nginx (netns-helper)
Documentation=man:netns-helper(8)
Requires=netns-publish-nginx-8080.socket
After=netns-publish-nginx-8080.socket
BindsTo=systemd-netns@nginx.service
After=systemd-netns@nginx.service
Wants=nginx.service
After=nginx.service

[Service]
ExecStart=/lib/systemd/systemd-socket-proxyd 127.0.0.1:80
NetworkNamespacePath=/run/netns/nginx
DynamicUser=yes
PrivateTmp=yes
NoNewPrivileges=yes
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "etc/netns/nginx/network").mkdir(parents=True)
    (tmp_path / "etc/netns/nginx/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    (tmp_path / "run/systemd/system").mkdir(parents=True)  # systemd runs here
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture
def nothing_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "listeners", lambda proc_net="/proc/net": set())


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def _units(root: Path) -> Path:
    return root / "etc/systemd/system"


@pytest.mark.usefixtures("nothing_listens")
def test_publish_writes_the_socket_and_the_proxy_and_starts_the_socket(root: Path, fp: FakeProcess) -> None:
    fp.register(RELOAD)
    fp.register(ENABLE)
    assert main(["publish", "nginx", "127.0.0.1:8080", "127.0.0.1:80"]) == 0
    assert [list(c) for c in fp.calls] == [RELOAD, ENABLE]
    assert (_units(root) / "netns-publish-nginx-8080.socket").read_text() == SOCKET
    assert (_units(root) / "netns-publish-nginx-8080.service").read_text() == PROXY
    # Once more: nothing to do.
    assert main(["publish", "nginx", "127.0.0.1:8080", "127.0.0.1:80"]) == 0
    assert len(fp.calls) == 2


@pytest.mark.usefixtures("nothing_listens")
def test_publish_defaults_every_address_and_the_same_port_inside(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--print-commands", "publish", "nginx", "8080"]) == 0
    out = capsys.readouterr().out
    assert " ListenStream=8080 " in out
    assert "'ExecStart=/lib/systemd/systemd-socket-proxyd 127.0.0.1:8080'" in out
    assert out.splitlines()[-3:] == [
        "systemctl daemon-reload",
        "systemctl enable --now netns-publish-nginx-8080.socket",
        'exit "$rc"',
    ]
    assert list(fp.calls) == []
    assert not (_units(root) / "netns-publish-nginx-8080.socket").exists()


def test_publish_refuses_a_port_the_host_listens_on(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], listener: int
) -> None:
    for word in (str(listener), f"127.0.0.1:{listener}"):
        assert main(["publish", "nginx", word]) == 2
        assert f"127.0.0.1:{listener} is listened on already on this host" in capsys.readouterr().err
    assert list(fp.calls) == []
    assert list(_units(root).iterdir()) == []


def test_listeners_reads_this_namespaces_tcp_sockets(listener: int) -> None:
    assert ("127.0.0.1", listener) in publish.listeners()


@pytest.mark.usefixtures("nothing_listens")
def test_a_failed_start_of_the_socket_removes_what_publish_wrote(root: Path, fp: FakeProcess) -> None:
    fp.register(RELOAD)
    fp.register(ENABLE, returncode=1, stderr="Job failed: address already in use")
    disable = ["systemctl", "disable", "--now", "netns-publish-nginx-8080.socket"]
    fp.register(disable)
    fp.register(RELOAD)
    assert main(["publish", "nginx", "127.0.0.1:8080", "127.0.0.1:80"]) == 1
    assert [list(c) for c in fp.calls] == [RELOAD, ENABLE, disable, RELOAD]
    assert list(_units(root).iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["publish", "nginx", "0"], "the port must be a number from 1 to 65535"),
        (["publish", "nginx", "65536"], "the port must be a number from 1 to 65535"),
        (["publish", "nginx", "localhost:80"], "'localhost' is not an IP address"),
        (["publish", "nginx", "::1:80"], "write an IPv6 address in brackets, [::1]:80"),
        (["publish", "nginx", "80", "80"], "target '80' needs an address"),
        (["publish", "nosuch", "80"], "no such file: nosuch has no namespace to publish from"),
        (["publish", "nginx", "80; reboot"], "the port must be a number"),
    ],
)
def test_bad_arguments_exit_2(
    argv: list[str], message: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert list(fp.calls) == []


@pytest.mark.usefixtures("nothing_listens")
def test_a_port_published_otherwise_or_a_unit_not_ours_is_refused(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (_units(root) / "netns-publish-nginx-8080.socket").write_text(SOCKET)
    (_units(root) / "netns-publish-nginx-8080.service").write_text(PROXY)
    assert main(["publish", "nginx", "8080"]) == 2
    assert "port 8080 of namespace nginx is published already, otherwise" in capsys.readouterr().err
    (_units(root) / "netns-publish-nginx-8080.socket").write_text("[Socket]\nListenStream=8080\n")
    assert main(["unpublish", "nginx", "8080"]) == 2
    assert "netns-publish-nginx-8080.socket is a file netns-helper did not write" in capsys.readouterr().err
    assert list(fp.calls) == []


def test_unpublish_stops_and_removes_both_units(root: Path, fp: FakeProcess) -> None:
    (_units(root) / "netns-publish-nginx-8080.socket").write_text(SOCKET)
    (_units(root) / "netns-publish-nginx-8080.service").write_text(PROXY)
    calls = [
        ["systemctl", "disable", "--now", "netns-publish-nginx-8080.socket"],
        ["systemctl", "stop", "netns-publish-nginx-8080.service"],
        RELOAD,
    ]
    for call in calls:
        fp.register(call)
    assert main(["unpublish", "nginx", "127.0.0.1:8080"]) == 0
    assert [list(c) for c in fp.calls] == calls
    assert list(_units(root).iterdir()) == []
    assert main(["unpublish", "nginx", "8080"]) == 0  # again: nothing to do
    assert len(fp.calls) == 3


def test_status_lists_published_ports(root: Path, fp: FakeProcess) -> None:
    (_units(root) / "netns-publish-nginx-8080.socket").write_text(SOCKET)
    (_units(root) / "netns-publish-nginx-8080.service").write_text(PROXY)
    (ns,) = gather(Paths(etc=f"{root}/etc", run=f"{root}/run"), lambda argv: "")
    assert ns.published == (
        publish.Published("nginx", "nginx", "127.0.0.1:8080", "127.0.0.1:80", "netns-publish-nginx-8080.socket"),
    )
    assert "  published       127.0.0.1:8080 -> 127.0.0.1:80 (netns-publish-nginx-8080.socket)\n" in as_text([ns])


def test_the_topology_draws_a_published_port_from_the_host_into_its_namespace(root: Path) -> None:
    from netns_helper.topology import Edge, graph

    (_units(root) / "netns-publish-nginx-8080.socket").write_text(SOCKET)
    (_units(root) / "netns-publish-nginx-8080.service").write_text(PROXY)
    g = graph(gather(Paths(etc=f"{root}/etc", run=f"{root}/run"), lambda argv: ""))
    socket = "published:netns-publish-nginx-8080.socket"
    assert [n.label for n in g.nodes["host"] if n.id == socket] == ["127.0.0.1:8080\nnetns-publish-nginx-8080.socket"]
    assert Edge(socket, "netns:nginx", "published to 127.0.0.1:80", style="dashed") in g.edges
