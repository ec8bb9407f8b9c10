# SPDX-License-Identifier: GPL-3.0-or-later
"""Malformed and hostile nftables and sysctl files: refused with their file and line before any process runs.

corpus-inside/nft/CASE is /etc/netns/frontoffice/nftables.conf (a directory: files of
/etc/netns/frontoffice/); corpus-inside/sysctl/CASE is its sysctl.conf (a directory: likewise).
What nft itself must say of a ruleset (its syntax) is tested with the real nft in
tests/netns/test_inside.py; here, what netns-helper finds without running anything.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper.cli import main
from netns_helper.interfaces import MAX_FILE_BYTES

from .conftest import copy_tree
from .test_corpus import Expect

CORPUS = Path(__file__).parent / "corpus-inside"
NAME = "frontoffice"
QUERY_HOST = ["ip", "-j", "-d", "link", "show"]
HOST_LINKS = json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}])
ESCAPES = "a namespace's ruleset includes only files of its own /etc/netns/NAME/"

EXPECTED: dict[str, Expect] = {
    "nft/include-absolute-host-file": Expect(2, "include '/etc/nftables.conf' reaches /etc/nftables.conf, outside "),
    "nft/include-relative-to-etc-leaves-the-namespace": Expect(3, "include 'nftables.conf' reaches "),
    "nft/include-relative-to-working-directory": Expect(2, "include './rules.nft' depends on nft's working directory"),
    "nft/include-dot-dot": Expect(2, "include '../../shadow' depends on nft's working directory"),
    "nft/include-path-traversal-through-the-namespace": Expect(
        2, "include '/etc/netns/frontoffice/../../passwd' reaches /etc/netns/frontoffice/../../passwd, outside"
    ),
    "nft/include-glob-over-etc": Expect(2, "include '/etc/*.conf' reaches /etc/"),
    "nft/include-after-a-semicolon": Expect(1, "include '/etc/hosts' reaches /etc/hosts, outside"),
    "nft/include-loop": Expect(2, "include loop: ", "a.nft"),
    "nft/included-file-escapes": Expect(3, "include '/root/.ssh/authorized_keys' reaches", "rules.nft"),
    "nft/include-missing-file": Expect(3, "nosuch.nft: no such file"),
    "nft/nul-byte": Expect(2, "NUL byte in line"),
    "nft/invalid-utf8-comment": Expect(2, "line is not valid UTF-8 text"),
    "nft/utf16-encoded-file": Expect(1, "NUL byte in line"),
    "sysctl/kernel-key": Expect(2, "kernel.hostname is not a network namespace's setting"),
    "sysctl/vm-key": Expect(1, "vm.swappiness is not a network namespace's setting"),
    "sysctl/fs-key": Expect(2, "fs.file-max is not a network namespace's setting"),
    "sysctl/global-net-core-key": Expect(1, "net.core.netdev_max_backlog is global"),
    "sysctl/global-tcp-mem": Expect(1, "net.ipv4.tcp_mem is global"),
    "sysctl/global-neighbour-default": Expect(1, "net.ipv4.neigh.default.gc_thresh3 is global"),
    "sysctl/global-conntrack-max": Expect(1, "net.nf_conntrack_max is global"),
    "sysctl/unknown-key-typo": Expect(1, "no such sysctl key on this kernel: net.ipv4.ip_forwarding"),
    "sysctl/key-path-traversal": Expect(1, "invalid key 'net/../kernel/hostname'"),
    "sysctl/key-empty-component": Expect(1, "invalid key 'net.ipv4..ip_forward'"),
    "sysctl/key-glob": Expect(1, "net.ipv4.conf.*.rp_filter: glob patterns are not supported"),
    "sysctl/line-without-equals-sign": Expect(1, "expected `KEY = VALUE`, not 'net.ipv4.ip_forward 1'"),
    "sysctl/empty-value": Expect(1, "net.ipv4.ip_forward has no value"),
    "sysctl/group-of-keys": Expect(1, "net.ipv4.conf is a group of keys, not a key"),
    "sysctl/read-only-key": Expect(1, "net.ipv4.conf.all.mc_forwarding is read-only"),
    "sysctl/nul-byte": Expect(1, "NUL byte in line"),
    "sysctl/invalid-utf8": Expect(1, "line is not valid UTF-8 text"),
    "sysctl/value-with-shell-command-then-kernel-key": Expect(2, "kernel.panic is not a network namespace's setting"),
    "sysctl/error-in-sysctl-d": Expect(3, "kernel.sysrq is not a network namespace's setting", "sysctl.d/50-mine.conf"),
}


def _cases() -> list[str]:
    return sorted(f"{kind.name}/{case.name}" for kind in CORPUS.iterdir() for case in kind.iterdir())


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / f"etc/netns/{NAME}/network").mkdir(parents=True)
    (tmp_path / f"etc/netns/{NAME}/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp_path / "run/netns").mkdir(parents=True)
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    return tmp_path


def _install(case: str, root: Path) -> Path:
    """Put CASE into ROOT; the path of the file its error must name."""
    kind, _, _ = case.partition("/")
    base = root / f"etc/netns/{NAME}"
    main_file = {"nft": "nftables.conf", "sysctl": "sysctl.conf"}[kind]
    source = CORPUS / case
    if source.is_dir():
        copy_tree(source, base)
    else:
        shutil.copyfile(source, base / main_file)
    return base / (EXPECTED[case].file or main_file)


def _refused(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], path: Path, line: int) -> str:
    """`start` and `check` exit 2 naming PATH:LINE, start running no process; the start's error line."""
    assert main(["start", NAME]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert len(fp.calls) == 0
    assert not (root / "run/network").exists()
    first = err.splitlines()[0]
    assert first.startswith(f"{path}:{line}: error: "), err
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["check", NAME]) == 2
    out, err = capsys.readouterr()
    assert [list(c) for c in fp.calls] == [QUERY_HOST]  # nft is never asked about a file refused already
    assert re.search(f"^{re.escape(f'{path}:{line}: error: ')}", out, re.MULTILINE), out
    return first


def test_corpus_is_large_and_every_file_has_its_expectation() -> None:
    assert _cases() == sorted(EXPECTED)
    assert len(EXPECTED) >= 15


@pytest.mark.parametrize("case", _cases())
def test_start_and_check_refuse_with_file_and_line(
    case: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _install(case, root)
    first = _refused(root, fp, capsys, path, EXPECTED[case].line)
    assert EXPECTED[case].words in first, first
    if "reaches" in EXPECTED[case].words:
        assert f"hint: {ESCAPES}" in first


@pytest.mark.parametrize("kind", ["nftables.conf", "sysctl.conf"])
def test_huge_file(kind: str, root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    path = root / f"etc/netns/{NAME}/{kind}"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    first = _refused(root, fp, capsys, path, 1)
    assert f"file larger than {MAX_FILE_BYTES} bytes" in first


def test_include_nested_deeper_than_nft_allows(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    base = root / f"etc/netns/{NAME}"
    (base / "nftables.conf").write_text(f'include "{base}/f1.nft"\n')
    for i in range(1, 20):
        (base / f"f{i}.nft").write_text(f'include "{base}/f{i + 1}.nft"\n')
    (base / "f20.nft").write_text("table inet f { }\n")
    first = _refused(root, fp, capsys, base / "f15.nft", 1)
    assert "`include` nested more than 16 files deep" in first
