# SPDX-License-Identifier: GPL-3.0-or-later
"""Malformed and hostile configuration files: refused with their file and line before any process runs.

Each file under corpus/ is one realistic mistake or attack; EXPECTED names the line and the words
of the error it must give. The directory a case lives in says which file it stands for:

- ns/CASE: /etc/netns/frontoffice/network/interfaces (a directory: the files of that network directory)
- host/CASE: the host's /etc/network/interfaces (a directory: the files of /etc/network)
- xfrm/CASE: /etc/netns/frontoffice/network/xfrm
- tree/CASE: a whole /etc, for mistakes that take two files

Cases too big to commit (over 1 MiB, 300 nested files) are made by GENERATED.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper.cli import main
from netns_helper.interfaces import MAX_FILE_BYTES

from .conftest import copy_tree

CORPUS = Path(__file__).parent / "corpus"
NAME = "frontoffice"
CLEAN = "auto lo\niface lo inet loopback\n"
QUERY_HOST = ["ip", "-j", "-d", "link", "show"]
HOST_LINKS = json.dumps(
    [{"ifname": "lo"}, {"ifname": "eth0"}, {"ifname": "eth1"}, {"ifname": "br0", "linkinfo": {"info_kind": "bridge"}}]
)


@dataclass(frozen=True)
class Expect:
    line: int
    words: str  # in the error's message
    file: str = ""  # the file at fault, relative to the case's directory (tree: to the root); default: the case


EXPECTED: dict[str, Expect] = {
    # Truncated files and stanzas.
    "ns/truncated-iface-without-method": Expect(5, "`iface` needs a name, an address family and a method"),
    "ns/truncated-iface-name-only": Expect(4, "`iface` needs a name, an address family and a method"),
    "ns/truncated-continuation-at-end-of-file": Expect(3, "file ends inside a continued line"),
    "ns/truncated-option-without-value": Expect(5, "option 'address' has no value"),
    "ns/truncated-auto-without-names": Expect(3, "`auto` needs at least one interface name"),
    "ns/truncated-mapping-without-pattern": Expect(3, "`mapping` needs at least one interface pattern"),
    "ns/truncated-link-netns-words": Expect(3, "`link-netns` takes exactly three words"),
    # Not text.
    "ns/binary-garbage-elf-header": Expect(1, "NUL byte in line"),
    "ns/binary-garbage-gzip-of-the-file": Expect(1, "NUL byte in line"),
    "ns/utf16-encoded-file": Expect(1, "NUL byte in line"),
    "ns/nul-byte-inside-a-name": Expect(3, "NUL byte in line"),
    "ns/invalid-utf8-latin1-interface-name": Expect(3, "line is not valid UTF-8 text"),
    "ns/invalid-utf8-latin1-comment": Expect(3, "line is not valid UTF-8 text"),
    # Words where they do not belong.
    "ns/option-outside-any-stanza": Expect(2, "unknown word 'mtu' outside any stanza"),
    "ns/option-before-the-first-stanza": Expect(1, "unknown word 'gateway' outside any stanza"),
    "ns/options-after-an-auto-line": Expect(3, "unknown word 'address' outside any stanza"),
    "ns/iface-with-extra-words": Expect(4, "unexpected words after `iface eth0 inet static`: primary"),
    "ns/iface-name-in-quotes-with-a-space": Expect(3, 'unexpected words after `iface "eth 0" inet`: static'),
    "ns/iface-method-with-shell-command": Expect(3, "unexpected words after `iface eth0 inet dhcp;`: reboot"),
    # Names the kernel refuses.
    "ns/name-with-slash": Expect(3, "'eth0/1' is an interface pattern"),
    "ns/name-dot-dot": Expect(3, "invalid interface name '..'"),
    "ns/name-command-substitution-with-slash": Expect(3, "'$(/sbin/reboot)' is an interface pattern"),
    "ns/name-backticks-with-slash": Expect(3, "'`/sbin/halt`' is an interface pattern"),
    "ns/name-16-bytes": Expect(3, "interface name 'frontoffice-eth0' is longer than 15 bytes"),
    "ns/name-15-characters-but-30-bytes": Expect(3, "interface name '" + "\u00e9" * 15 + "' is longer than 15 bytes"),
    "ns/iface-name-16-bytes": Expect(3, "interface name 'abcdefghijklmnop' is longer than 15 bytes"),
    "ns/rename-with-shell-command": Expect(3, "`rename` takes CUR=NEW pairs, not '-rf'"),
    "ns/rename-to-a-name-with-slash": Expect(3, "invalid interface name 'eth/0'"),
    # source and source-directory.
    "ns/source-command-substitution": Expect(3, "`source` path with '$'"),
    "ns/source-backticks-and-semicolon": Expect(3, "`source` path with '`'"),
    "ns/source-missing-file": Expect(3, "network/interfaces.d/front does not exist"),
    "ns/source-directory-missing": Expect(3, "sourced directory"),
    "ns/source-itself": Expect(3, "source loop: "),
    "ns/source-loop-through-two-files": Expect(2, "source loop: ", "front.cfg"),
    "ns/source-of-a-directory": Expect(3, "is a directory, not a configuration file"),
    "ns/source-two-files": Expect(3, "network/a does not exist"),
    "ns/source-dev-zero": Expect(3, "/dev/zero: not a regular file"),
    "ns/error-inside-a-sourced-file": Expect(4, "option 'gateway' has no value", "interfaces.d/front"),
    # Values.
    "ns/vlan-id-0": Expect(3, "VLAN id 0 of 'eth1.0' is outside 1..4094"),
    "ns/vlan-id-4095": Expect(3, "VLAN id 4095 of 'eth1.4095' is outside 1..4094"),
    "ns/vlan-id-huge": Expect(3, "VLAN id 99999999 of 'eth1.99999999' is outside 1..4094"),
    "ns/vlan-id-4095-in-vlan-raw-device-form": Expect(3, "VLAN id 4095 of 'vlan4095' is outside 1..4094"),
    "ns/bridge-port-host-end-16-bytes": Expect(3, "its host end 'frontoffice-1234' would be longer than 15 bytes"),
    "ns/bridge-ports-all": Expect(5, "`bridge_ports all` would take every host NIC"),
    "ns/bond-slaves-all": Expect(5, "`bond-slaves all` would take every host NIC"),
    "ns/invalid-address": Expect(5, "invalid address for eth0: '192.0.2.300/24'"),
    "ns/ipv6-address-in-inet-stanza": Expect(5, "2001:db8::2/64 is not an IPv4 address"),
    "ns/mtu-out-of-range": Expect(5, "MTU 70000 is outside 68..65535"),
    # The host's file: link-netns.
    "host/link-netns-at-the-top": Expect(1, "('misplaced option'): `link-netns` must follow an iface stanza"),
    "host/link-netns-after-an-auto-line": Expect(3, "('misplaced option'): `link-netns` must follow an iface stanza"),
    "host/link-netns-right-after-source": Expect(4, "('misplaced option'): `link-netns` must follow an iface stanza"),
    "host/link-netns-namespace-command-substitution": Expect(3, "invalid namespace name '$(reboot)'"),
    "host/link-netns-namespace-path-traversal": Expect(3, "invalid namespace name '../../etc'"),
    "host/link-netns-namespace-in-quotes": Expect(3, "invalid namespace name \"'frontoffice'\""),
    "host/link-netns-with-shell-command": Expect(3, "`link-netns` takes exactly three words"),
    "host/link-netns-host-end-16-bytes": Expect(3, "interface name 'frontoffice-veth' is longer than 15 bytes"),
    "host/link-netns-end-with-slash": Expect(3, "invalid interface name '../link1'"),
    "host/link-netns-end-used-twice": Expect(4, "link name 'link0' is used twice (also at "),
    "host/host-file-nul-byte": Expect(3, "NUL byte in line"),
    "host/host-option-outside-stanza": Expect(2, "unknown word 'address' outside any stanza"),
    # The xfrm file.
    "xfrm/duplicate-section": Expect(6, "section [ipsec0] is already at line 1"),
    "xfrm/duplicate-key": Expect(3, "IfId is already set in [ipsec0] at line 2"),
    "xfrm/duplicate-ifid": Expect(7, "IfId 17 is also the IfId of [ipsec0] (line 2)"),
    "xfrm/ifid-zero": Expect(2, "IfId 0 is out of range 1..4294967295"),
    "xfrm/ifid-over-32-bits": Expect(2, "IfId 0x100000000 is out of range 1..4294967295"),
    "xfrm/ifid-octal": Expect(2, "IfId=017 is not a number"),
    "xfrm/ifid-negative": Expect(2, "IfId=-1 is not a number"),
    "xfrm/ifid-command-substitution": Expect(2, "IfId=$(reboot) is not a number"),
    "xfrm/ifid-missing": Expect(1, "[ipsec0] has no IfId= (it is mandatory)"),
    "xfrm/prefixes-missing": Expect(1, "[ipsec0] has no Prefixes= (it is mandatory)"),
    "xfrm/prefix-with-host-bits": Expect(3, "prefix 10.143.12.1/24 has host bits set"),
    "xfrm/prefix-ipv6-with-host-bits": Expect(3, "prefix 2001:db8:18::1/48 has host bits set"),
    "xfrm/prefix-without-length": Expect(3, "prefix 10.143.12.0 has no length"),
    "xfrm/prefix-listed-twice": Expect(3, "prefix 10.143.12.0/24 is listed twice in Prefixes"),
    "xfrm/prefix-empty-item": Expect(3, "empty item in Prefixes"),
    "xfrm/prefix-followed-by-shell-command": Expect(3, "invalid prefix '10.143.12.0/24; reboot'"),
    "xfrm/key-outside-section": Expect(1, "`IfId=` outside any section"),
    "xfrm/unknown-key-typo": Expect(3, "unknown key 'Prefix' in [ipsec0]"),
    "xfrm/section-name-16-bytes": Expect(1, "interface name 'frontoffice-ipsec' is longer than 15 bytes"),
    "xfrm/section-name-with-slash": Expect(1, "invalid interface name 'ipsec/0'"),
    "xfrm/section-header-unterminated": Expect(1, "section header '[ipsec0' does not end with ']'"),
    "xfrm/line-without-equals-sign": Expect(2, "expected `[NAME]` or `Key=Value`, not 'IfId 17'"),
    "xfrm/empty-value": Expect(2, "IfId has no value"),
    "xfrm/destnetns-command-substitution": Expect(3, "invalid namespace name '$(reboot)'"),
    "xfrm/destnetns-path-traversal": Expect(3, "invalid namespace name '../../run'"),
    "xfrm/destnetns-is-the-service-itself": Expect(3, "DestNetNS frontoffice is the service's own namespace"),
    "xfrm/underlay-is-the-interface-itself": Expect(3, "UnderlayDev of [ipsec0] is the interface itself"),
    "xfrm/underlay-with-shell-command": Expect(3, "invalid interface name 'ens5`reboot`/x'"),
    "xfrm/mtu-too-small": Expect(3, "MTU 67 is out of range 68..65535"),
    "xfrm/mtu-below-ipv6-minimum": Expect(3, "MTU 1200 is below 1280, the IPv6 minimum"),
    "xfrm/table-reserved-main": Expect(4, "Table 254 is the kernel's main table"),
    "xfrm/table-without-blockp2p": Expect(3, "Table= is used only with BlockP2P=true"),
    "xfrm/blockp2p-not-a-boolean": Expect(3, "BlockP2P=maybe is not a boolean"),
    "xfrm/blockp2p-without-an-uplink": Expect(1, "BlockP2P needs the uplink of namespace xfrm_frontoffice"),
    "xfrm/xfrm-nul-byte": Expect(2, "NUL byte in line"),
    "xfrm/xfrm-invalid-utf8": Expect(2, "line is not valid UTF-8 text"),
    # Two files that contradict each other.
    "tree/nic-claimed-by-two-namespaces": Expect(
        3, "eth0 is also taken by namespace backoffice", "etc/netns/frontoffice/network/interfaces"
    ),
    "tree/nic-also-auto-on-the-host": Expect(
        3, "eth0 is also brought up by the host (auto at ", "etc/netns/frontoffice/network/interfaces"
    ),
    "tree/bridge-port-clashes-with-link-netns": Expect(
        3, "link name 'frontoffice-1' is used twice (also at ", "etc/netns/frontoffice/network/interfaces"
    ),
    "tree/destnetns-is-a-services-namespace": Expect(
        1, "DestNetNS tunnel is a service's namespace", "etc/netns/frontoffice/network/xfrm"
    ),
    "tree/route-claimed-by-two-services": Expect(
        1, "route 10.143.12.0/24 in the main table of namespace tunnel", "etc/netns/frontoffice/network/xfrm"
    ),
}

# Product bugs this corpus found, kept as strict xfails until fixed (none open now).
BUGS: dict[str, str] = {}


def _cases() -> list[str]:
    return sorted(f"{kind.name}/{case.name}" for kind in CORPUS.iterdir() for case in kind.iterdir())


def _params() -> list[object]:
    return [
        pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=BUGS[case])) if case in BUGS else case
        for case in _cases()
    ]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for directory in (f"etc/netns/{NAME}/network", "etc/network", "run/netns"):
        (tmp_path / directory).mkdir(parents=True)
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    monkeypatch.delenv("SSH_CONNECTION", raising=False)  # check would ask `ip -j addr` for it
    return tmp_path


def _install(case: str, root: Path) -> Path:
    """Put CASE into ROOT; the path of the file its error must name."""
    kind, _, _ = case.partition("/")
    source = CORPUS / case
    network = root / f"etc/netns/{NAME}/network"
    if kind == "tree":
        copy_tree(source, root)
        return root / EXPECTED[case].file
    base, main_file = {
        "ns": (network, "interfaces"),
        "host": (root / "etc/network", "interfaces"),
        "xfrm": (network, "xfrm"),
    }[kind]
    if kind != "ns":
        (network / "interfaces").write_text(CLEAN)
    if source.is_dir():
        copy_tree(source, base)
    else:
        shutil.copyfile(source, base / main_file)
    return base / (EXPECTED[case].file or main_file)


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ROOT with its content (None for a directory)."""
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def _assert_start_refused(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], prefix: str) -> str:
    """`start` exits 2 with stderr starting with PREFIX (a regular expression), runs nothing, changes nothing."""
    before = _tree(root / "etc")
    assert main(["start", NAME]) == 2
    out, err = capsys.readouterr()
    assert re.match(prefix, err), err
    assert "Traceback" not in out + err
    assert len(fp.calls) == 0
    assert _tree(root / "etc") == before
    assert [p for p in (root / "run").rglob("*") if not p.is_dir()] == []  # no lock, no state left
    assert not (root / "run/network").exists()
    return err.splitlines()[0]


def _assert_check_reports(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], prefix: str) -> list[str]:
    """`check` exits 2 and reports a problem whose line starts with PREFIX; the lines that do."""
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["check"]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert [list(c) for c in fp.calls] == [QUERY_HOST]  # read-only: the host's links, nothing else
    found = [line for line in out.splitlines() if re.match(prefix, line)]
    assert found, out
    return found


def test_corpus_is_large_and_every_file_has_its_expectation() -> None:
    assert _cases() == sorted(EXPECTED)
    assert set(BUGS) <= set(EXPECTED)
    assert len(EXPECTED) >= 40


@pytest.mark.parametrize("case", _params())
def test_start_refuses_with_file_and_line_and_runs_nothing(
    case: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _install(case, root)
    expect = EXPECTED[case]
    first = _assert_start_refused(root, fp, capsys, re.escape(f"{path}:{expect.line}: error: "))
    assert expect.words in first


@pytest.mark.parametrize("case", _params())
def test_check_reports_the_same_file_and_line(
    case: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _install(case, root)
    expect = EXPECTED[case]
    found = _assert_check_reports(root, fp, capsys, re.escape(f"{path}:{expect.line}: error: "))
    assert any(expect.words in line for line in found), found


# --- generated cases: too big to commit ----------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    path: Path  # the file the error must name
    line: int | None  # None: any line (the fix decides which)
    words: str


def _huge_file_with_an_error_on_its_last_line(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    stanzas = [CLEAN]
    size, n = len(CLEAN), 0
    while size < MAX_FILE_BYTES - 100:
        stanza = f"iface veth{n} inet manual\n  mtu 1500\n"
        stanzas.append(stanza)
        size, n = size + len(stanza), n + 1
    text = "".join(stanzas) + "auto veth0/1\n"
    assert len(text) <= MAX_FILE_BYTES
    (network / "interfaces").write_text(text)
    return Generated(network / "interfaces", text.count("\n"), "'veth0/1' is an interface pattern")


def _huge_sourced_file(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    (network / "interfaces").write_text(CLEAN + "source big\n")
    (network / "big").write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    return Generated(network / "interfaces", 3, f"big: larger than {MAX_FILE_BYTES} bytes")


def _random_binary_garbage(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    data = b"\xff" + random.Random(6).randbytes(64 * 1024 - 1)
    assert b"\x00" in data.split(b"\n")[0]
    (network / "interfaces").write_bytes(data)
    return Generated(network / "interfaces", 1, "NUL byte in line")


def _huge_xfrm_with_a_duplicate_ifid_at_its_end(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    (network / "interfaces").write_text(CLEAN)
    sections = [f"[x{i}]\nIfId={i + 1}\nPrefixes=10.{i // 256}.{i % 256}.0/24\n" for i in range(10_000)]
    text = "".join(sections) + "[last]\nIfId=1\nPrefixes=192.0.2.0/24\n"
    (network / "xfrm").write_text(text)
    return Generated(network / "xfrm", 3 * 10_000 + 2, "IfId 1 is also the IfId of [x0] (line 2)")


def _huge_file(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    (network / "interfaces").write_text(CLEAN + "# padding\n" * (MAX_FILE_BYTES // 10))
    return Generated(network / "interfaces", 1, f"file larger than {MAX_FILE_BYTES} bytes")


def _huge_xfrm(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    (network / "interfaces").write_text(CLEAN)
    (network / "xfrm").write_text("; padding\n" * (MAX_FILE_BYTES // 10 + 1))
    return Generated(network / "xfrm", 1, f"file larger than {MAX_FILE_BYTES} bytes")


def _source_chain_300_files_deep(root: Path) -> Generated:
    network = root / f"etc/netns/{NAME}/network"
    (network / "interfaces").write_text(CLEAN + "source chain/f1\n")
    (network / "chain").mkdir()
    for i in range(1, 300):
        (network / f"chain/f{i}").write_text(f"source f{i + 1}\n")
    (network / "chain/f300").write_text("bogus-word\n")
    # The main file is one level: chain/f31's `source` line is the 33rd.
    return Generated(network / "chain/f31", 1, "`source` nested more than 32 files deep")


GENERATED: dict[str, tuple[Callable[[Path], Generated], str | None]] = {
    "huge-file-with-an-error-on-its-last-line": (_huge_file_with_an_error_on_its_last_line, None),
    "huge-sourced-file": (_huge_sourced_file, None),
    "random-binary-garbage": (_random_binary_garbage, None),
    "huge-xfrm-with-a-duplicate-ifid-at-its-end": (_huge_xfrm_with_a_duplicate_ifid_at_its_end, None),
    "huge-file": (_huge_file, None),
    "huge-xfrm": (_huge_xfrm, None),
    "source-chain-300-files-deep": (_source_chain_300_files_deep, None),
}


def _generated_params() -> list[object]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=bug)) if bug else name
        for name, (_, bug) in GENERATED.items()
    ]


def _prefix(case: Generated) -> str:
    """A file:line prefix: the exact line when known, else any line of the file (or of a file under it)."""
    if case.line is not None:
        return re.escape(f"{case.path}:{case.line}: error: ")
    return re.escape(str(case.path)) + r"(/\S+)?:\d+: error: "


@pytest.mark.parametrize("name", _generated_params())
def test_generated_start_refuses_with_file_and_line(
    name: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    case = GENERATED[name][0](root)
    first = _assert_start_refused(root, fp, capsys, _prefix(case))
    assert case.words in first


@pytest.mark.parametrize("name", _generated_params())
def test_generated_check_reports_file_and_line(
    name: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    case = GENERATED[name][0](root)
    found = _assert_check_reports(root, fp, capsys, _prefix(case))
    assert any(case.words in line for line in found), found


# --- one problem, one report ----------------------------------------------------------------------


def test_check_reports_a_broken_stanza_without_blaming_the_next_one(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root / f"etc/netns/{NAME}/network/interfaces"
    path.write_text("iface eth9 inet\niface lo inet loopback\n  mtu 1500\nauto lo\n")
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["check", NAME]) == 2
    assert capsys.readouterr().out == (
        f"{path}:1: error: `iface` needs a name, an address family and a method: iface NAME FAMILY METHOD\n"
    )


# --- names the host's ifupdown would read as options -----------------------------------------------


def _host_ifupdown_options(script: str) -> list[str]:
    """Options that the script's own ifup/ifdown lines (on the host) get before any `--`."""
    options = []
    for line in script.splitlines():
        words = line.split()
        if words[:1] in (["ifup"], ["ifdown"]):
            rest = words[1 : words.index("--")] if "--" in words else words[1:]
            options += [word for word in rest if word.startswith("-")]
    return options


def test_a_host_end_named_like_an_option_never_reaches_the_hosts_ifup_as_one(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    host = root / "etc/network/interfaces"
    host.write_text(CLEAN + "link-netns frontoffice -a link1\niface -a inet manual\n")
    (root / f"etc/netns/{NAME}/network/interfaces").write_text(CLEAN + "auto link1\niface link1 inet manual\n")
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    rc = main(["--print-commands", "start", NAME])
    out, err = capsys.readouterr()
    # Either refused with the line, or passed where ifup cannot take it for an option.
    if rc == 2:
        assert err.startswith(f"{host}:3: error: ")
    else:
        assert rc == 0
        assert _host_ifupdown_options(out) == [], out


def test_host_ifupdown_options_sees_options_before_the_double_dash() -> None:
    script = "ip netns add x\nifup -a\nifdown --force link0\nifup -- -a\n"
    assert _host_ifupdown_options(script) == ["-a", "--force"]


def test_corpus_root_has_no_stray_files() -> None:
    """Every case is one file or directory directly under its kind; nothing else lies in corpus/."""
    assert sorted(os.listdir(CORPUS)) == ["host", "ns", "tree", "xfrm"]


# --- the host's file: what concerns no namespace blocks none ---------------------------------------


def test_an_error_in_the_hosts_file_blocks_only_namespaces_that_need_the_hosts_ifupdown(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    host = root / "etc/network/interfaces"
    host.write_text(CLEAN + "allow-hotplug /eth*\niface eth1 inet dhcp\n  address\n")
    (root / f"etc/netns/{NAME}/network/interfaces").write_text(CLEAN)
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["check", NAME]) == 1
    assert capsys.readouterr().out == f"{host}:5: warning: option 'address' has no value\n"
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    fp.register(["ip", "-j", "link", "show"], stdout=HOST_LINKS)
    assert main(["--print-commands", "start", NAME]) == 0
    out, err = capsys.readouterr()
    assert f"{host}:5: warning: option 'address' has no value" in err
    assert "ip netns add frontoffice" in out


def test_a_hosts_auto_pattern_that_matches_a_claimed_nic_is_an_error(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/network/interfaces").write_text(CLEAN + "auto /eth*\niface eth0 inet dhcp\n")
    path = root / f"etc/netns/{NAME}/network/interfaces"
    path.write_text(CLEAN + "auto eth0\niface eth0 inet dhcp\n")
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["check", NAME]) == 2
    out = capsys.readouterr().out
    assert (
        f"{path}:3: error: eth0 is also brought up by the host (auto /eth* at {root}/etc/network/interfaces:3)\n" in out
    )
