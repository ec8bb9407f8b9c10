# SPDX-License-Identifier: GPL-3.0-or-later
"""Parser: every construct of interfaces(5) we read, and file:line on every error."""

from __future__ import annotations

import gc
import itertools
import os
import re
from pathlib import Path

import pytest

from netns_helper import interfaces, xfrm
from netns_helper.errors import ConfigError, Loc
from netns_helper.interfaces import parse_file, parse_text, split_words
from tests.examples import SPEC_LINKS_HOST, SPEC_NGINX


def test_spec_nginx_example() -> None:
    cfg = parse_text(SPEC_NGINX, "/etc/netns/nginx/network/interfaces")
    assert [n for n, _ in cfg.allowed("auto")] == ["lo", "eth0"]
    (eth0,) = cfg.iface("eth0")
    assert (eth0.family, eth0.method) == ("inet", "static")
    assert [(o.name, o.value) for o in eth0.options] == [("address", "192.0.2.2/24"), ("gateway", "192.0.2.1")]
    assert eth0.loc == Loc("/etc/netns/nginx/network/interfaces", 7)
    assert eth0.options[1].loc.line == 9


def test_comments_continuation_and_several_auto_names() -> None:
    cfg = parse_text(
        "# a comment\n"
        "auto eth0 \\\n"
        "     eth1\n"
        "   # indented comment\n"
        "allow-auto eth2\n"
        "allow-hotplug eth3 eth4\n"
        "iface eth0 inet static\n"
        "  address 10.0.0.1/24\n"
        "  up ip route add 10.1.0.0/16 \\\n"
        "     via 10.0.0.254\n",
        "f",
    )
    assert [n for n, _ in cfg.allowed("auto")] == ["eth0", "eth1", "eth2"]
    assert [n for n, _ in cfg.allowed("hotplug")] == ["eth3", "eth4"]
    assert cfg.allowed("auto")[1] == ("eth1", Loc("f", 2))
    (eth0,) = cfg.iface("eth0")
    assert (
        eth0.values("up")[0].value == "ip route add 10.1.0.0/16      via 10.0.0.254"
    )  # joined as ifupdown: no space added
    assert eth0.values("up")[0].loc == Loc("f", 9)


def test_two_families_and_option_spellings() -> None:
    cfg = parse_text(
        "iface br0 inet static\n  bridge_ports eth0 eth1\n  address 10.0.0.1/24\n"
        "iface br0 inet6 static\n  address 2001:db8::1/64\n",
        "f",
    )
    v4, v6 = cfg.iface("br0")
    assert (v4.family, v6.family) == ("inet", "inet6")
    assert v4.values("bridge-ports")[0].value == "eth0 eth1"


def test_mapping_rename_flags_inherits() -> None:
    cfg = parse_text(
        "mapping eth*\n  script /usr/local/sbin/map\n  map eth0 home\n"
        "rename enp1s0=lan0 enp2s0=wan0\n"
        "no-auto-down lan0\nno-scripts wan0\n"
        "iface home inet dhcp\n"
        "iface lan0 inet static inherits home\n",
        "f",
    )
    (mapping,) = cfg.mappings
    assert mapping.patterns == ("eth*",)
    assert [o.name for o in mapping.options] == ["script", "map"]
    assert cfg.renames[0].pairs == (("enp1s0", "lan0"), ("enp2s0", "wan0"))
    assert [(f.word, f.names) for f in cfg.flags] == [("no-auto-down", ("lan0",)), ("no-scripts", ("wan0",))]
    assert cfg.iface("lan0")[0].method == "static"


HOST_LINKS = SPEC_LINKS_HOST + "link-netns service2 link2 link3\n"


def test_link_netns_stanza() -> None:
    cfg = parse_text(HOST_LINKS, "h")
    link, link2 = cfg.links
    assert (link.netns, link.host_end, link.ns_end, link.loc) == ("service1", "link0", "link1", Loc("h", 5))
    assert (link2.netns, link2.loc) == ("service2", Loc("h", 8))
    assert cfg.iface("link0")[0].options == (cfg.iface("link0")[0].options[0],)
    assert cfg.iface("link0")[0].options[0].value == "100.64.0.0/31"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("link-netns service1 link0 link1\niface link0 inet static\n", 1),  # first line of the file
        ("iface lo inet loopback\nauto eth0\nlink-netns service1 link0 link1\n", 3),  # after `auto`
        ("iface lo inet manual\nrename a=b\nlink-netns service1 a b\n", 3),
    ],
)
def test_link_netns_where_ifupdown_would_reject_it(text: str, line: int) -> None:
    with pytest.raises(ConfigError, match="misplaced option") as info:
        parse_text(text, "h")
    assert info.value.loc == Loc("h", line)


def test_source_glob_relative_and_source_directory(tmp_path: Path) -> None:
    (tmp_path / "interfaces.d").mkdir()
    (tmp_path / "interfaces.d" / "b.cfg").write_text("auto b\n")
    (tmp_path / "interfaces.d" / "a.cfg").write_text("auto a\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "zz").write_text("auto zz\n")
    (tmp_path / "dir" / "skipped.cfg").write_text("auto skipped\n")  # not ifupdown's [a-zA-Z0-9_-]+
    main = tmp_path / "interfaces"
    main.write_text("auto first\nsource interfaces.d/*.cfg\nsource-directory dir\nauto last\n")
    cfg = parse_file(str(main))
    assert [n for n, _ in cfg.allowed("auto")] == ["first", "a", "b", "zz", "last"]
    assert cfg.allowed("auto")[1][1] == Loc(str(tmp_path / "interfaces.d" / "a.cfg"), 1)
    assert len(cfg.files) == 4


def test_source_glob_without_match_is_fine(tmp_path: Path) -> None:
    main = tmp_path / "interfaces"
    main.write_text("source interfaces.d/*\nauto x\n")
    assert [n for n, _ in parse_file(str(main)).allowed("auto")] == ["x"]


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_text(text, "/etc/netns/x/network/interfaces")
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("auto lo\naddress 10.0.0.1\n", 2, "unknown word 'address' outside any stanza"),
        ("bogus eth0\n", 1, "unknown word 'bogus'"),
        ("auto eth0\n  address 1.2.3.4/24\n", 2, "outside any stanza"),
        ("\n\niface eth0 inet\n", 3, "iface NAME FAMILY METHOD"),
        ("iface eth0 inet static extra words\n", 1, "unexpected words"),
        ("iface eth0 inet static\n  address\n", 2, "option 'address' has no value"),
        ("auto\n", 1, "needs at least one interface name"),
        ("iface a inet manual\nlink-netns ns a\n", 2, "exactly three words"),
        ("iface a inet manual\nlink-netns ../x a b\n", 2, "invalid namespace name"),
        ("auto averyveryverylongname0\n", 1, "longer than 15 bytes"),
        ("auto eth\\0\n", 1, "invalid interface name"),
        ("rename eth0\n", 1, "CUR=NEW"),
        ("mapping\n", 1, "interface pattern"),
        ("auto lo\niface lo inet loopback \\", 2, "ends inside a continued line"),
        ("iface eth0 inet static\n  \\\n  address 192.0.2.2/24\n", 2, "lone backslash continues into white space"),
        ("iface eth0 inet manual\n\\\n\\\n\tmtu 1500\n", 2, "lone backslash continues into white space"),
        ("auto lo\n\x00\n", 2, "NUL byte"),
        ("source a b\n", 1, "network/a does not exist"),  # ifupdown sources each word
        ("source-directory /nonexistent-netns-helper-dir\n", 1, "does not exist"),
        ("source /nonexistent-netns-helper-file\n", 1, "does not exist"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    err = _error(text)
    assert err.loc == Loc("/etc/netns/x/network/interfaces", line)
    assert words in str(err)
    assert str(err).startswith(f"/etc/netns/x/network/interfaces:{line}: error: ")


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "interfaces"
    path.write_bytes(b"auto lo\nauto \xff\xfe\n")
    with pytest.raises(ConfigError, match="not valid UTF-8") as info:
        parse_file(str(path))
    assert info.value.loc == Loc(str(path), 2)


def test_source_loop_is_an_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("auto x\nsource b\n")
    b.write_text("source a\n")
    with pytest.raises(ConfigError, match="source loop") as info:
        parse_file(str(a))
    assert info.value.loc == Loc(str(b), 1)


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "interfaces"
    path.write_bytes(b"# x\n" * 300_000)
    with pytest.raises(ConfigError, match="larger than"):
        parse_file(str(path))


def test_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        parse_file(str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="is a directory"):
        parse_file(str(tmp_path))


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        path = "/proc/self/mem"  # exists, but read() fails for root too
    else:
        unreadable = tmp_path / "interfaces"
        unreadable.write_text("auto lo\n")
        unreadable.chmod(0)
        path = str(unreadable)
    with pytest.raises(ConfigError, match="cannot read"):
        parse_file(path)


# --- read as ifupdown reads it (issue: configuration is read as ifupdown inside will read it) ----


@pytest.mark.parametrize("char", ["\u00a0", "\u2003", "\u3000", "\u200b", "\x1c", "\x85"])
def test_white_space_ifupdown_does_not_split_at_is_refused_with_its_line(char: str) -> None:
    err = _error(f"auto lo\nallow-hotplug eth0{char}eth1\n")
    assert err.loc == Loc("/etc/netns/x/network/interfaces", 2)
    assert f"U+{ord(char):04X}" in err.message and "ifupdown does not split words there" in err.message


def test_ascii_white_space_splits_as_in_c() -> None:
    cfg = parse_text("auto eth0\vlo\feth1\tvlan5\r\n", "f")
    assert [n for n, _ in cfg.allowed("auto")] == ["eth0", "lo", "eth1", "vlan5"]


def test_continued_line_joins_without_a_space_and_crlf_does_not_continue() -> None:
    cfg = parse_text("iface eth0 inet static\n  address 192.0.2.\\\n2/24\n", "f")
    assert cfg.ifaces[0].options[0].value == "192.0.2.2/24"
    with pytest.raises(ConfigError, match="invalid interface name") as info:
        parse_text("auto eth0 \\\r\neth1\r\n", "f")  # not continued: ifupdown rejects line 2 ('misplaced option')
    assert info.value.loc == Loc("f", 1)  # the name '\\' (the backslash the CR kept from continuing)


def test_option_names_are_kept_as_written() -> None:
    (iface,) = parse_text("iface eth0 inet manual\n  Address 1.2.3.4\n  Bridge-Ports eth1\n", "f").ifaces
    assert [o.name for o in iface.options] == ["Address", "Bridge-Ports"]
    assert iface.values("bridge-ports")[0].value == "eth1"  # the bridge hook reads IF_BRIDGE_PORTS for both
    assert iface.values("address") == iface.options[:1]  # keys are the hooks' view; methods match `name`


def test_inherits_copies_the_options_and_may_omit_family_and_method() -> None:
    cfg = parse_text(
        "iface base inet static\n  mtu 9000\n  address 10.0.0.1/24\n"
        "iface eth0 inherits base\n  gateway 10.0.0.254\n"
        "iface eth1 inet inherits base\n",
        "f",
    )
    _, eth0, eth1 = cfg.ifaces
    assert (eth0.family, eth0.method, [o.name for o in eth0.options]) == (
        "inet",
        "static",
        ["mtu", "address", "gateway"],
    )
    assert (eth1.family, eth1.method) == ("inet", "static")
    with pytest.raises(ConfigError, match="unknown iface to inherit from: nope"):
        parse_text("iface eth0 inet static inherits nope\n", "f")


def test_keywords_as_ifupdown_matches_them() -> None:
    cfg = parse_text("allow-hot.plug eth0\nallow-x+y eth1\n", "f")
    assert [(a.cls, a.names) for a in cfg.allows] == [("hot.plug", ("eth0",)), ("x+y", ("eth1",))]
    with pytest.raises(ConfigError, match="unknown word 'allow-'"):
        parse_text("allow- eth0\n", "f")
    with pytest.raises(ConfigError, match="unknown word 'Auto'"):
        parse_text("Auto eth0\n", "f")


def test_source_dir_prefix_and_a_file_sourced_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a").write_text("auto a\niface a inet dhcp\n")
    (tmp_path / "b").write_text("iface b inet dhcp\n")
    main = tmp_path / "interfaces"
    main.write_text("source-dir d\nsource b\nsource b ./b\n")
    cfg = parse_file(str(main))
    assert [i.name for i in cfg.ifaces] == ["a", "b", "b"]  # `./b` is another name: ifupdown reads it again
    assert len(cfg.files) == 4


def test_a_namespace_sources_its_own_etc_network(tmp_path: Path) -> None:
    host_d = tmp_path / "etc/network/interfaces.d"
    ns = tmp_path / "etc/netns/web/network"
    host_d.mkdir(parents=True)
    (ns / "interfaces.d").mkdir(parents=True)
    (host_d / "uplink").write_text("auto eth0\niface eth0 inet dhcp\n")
    (ns / "interfaces.d" / "front").write_text("auto eth1\niface eth1 inet dhcp\n")
    (ns / "interfaces").write_text("source /etc/network/interfaces.d/*\nsource-directory /etc/network/interfaces.d\n")
    (tmp_path / "etc/network/interfaces").write_text("source /etc/network/interfaces.d/*\n")
    cfg = parse_file(str(ns / "interfaces"))
    assert [n for n, _ in cfg.allowed("auto")] == ["eth1"]
    assert cfg.files == (str(ns / "interfaces"), str(ns / "interfaces.d/front"))
    host = parse_file(str(tmp_path / "etc/network/interfaces"))
    assert [n for n, _ in host.allowed("auto")] == ["eth0"]


def test_patterns_are_kept_apart_from_names() -> None:
    cfg = parse_text("auto lo /eth*\nallow-hotplug mac/02:00:*/1=lan\n", "f")
    assert [n for n, _ in cfg.allowed("auto")] == ["lo"]
    assert [(c, p) for c, p, _ in cfg.patterns()] == [("auto", "/eth*"), ("hotplug", "mac/02:00:*/1=lan")]


@pytest.mark.parametrize("path", ["$HOME/x", "`x`", "a;b", "~/x", "'a b'"])
def test_source_paths_that_wordexp_would_expand_or_refuse(path: str) -> None:
    err = _error(f"source {path}\n")
    assert "`source` path with" in err.message


def test_link_netns_leaves_ifupdown_in_the_stanza_above() -> None:
    cfg = parse_text("iface l0 inet manual\nlink-netns web l0 l1\n  mtu 1400\n", "h")
    assert [(o.name, o.value) for o in cfg.ifaces[0].options] == [("mtu", "1400")]
    with pytest.raises(ConfigError, match="misplaced option"):
        parse_text("mapping eth*\n  script /bin/true\nlink-netns web l0 l1\n", "h")


def test_a_word_longer_than_ifupdown_keeps_is_refused() -> None:
    err = _error("iface eth0 inet manual\n  " + "x" * 80 + " 1\n")
    assert err.loc == Loc("/etc/netns/x/network/interfaces", 2)
    assert "longer than 79 bytes" in err.message


def test_a_bare_auto_line_leaves_the_stanza_open_as_for_ifupdown(tmp_path: Path) -> None:
    path = tmp_path / "interfaces"
    path.write_text("iface a inet manual\nallow-x\n  mtu 1500\n")
    errors: list[ConfigError] = []
    cfg = parse_file(str(path), errors)
    assert [(e.message, e.loc) for e in errors] == [("`allow-x` needs at least one interface name", Loc(str(path), 2))]
    assert [(o.name, o.value) for o in cfg.ifaces[0].options] == [("mtu", "1500")]


def test_a_lone_backslash_before_an_unindented_line_is_read_as_ifupdown_reads_it() -> None:
    """ifquery prints `mtu: 1500` for this; indented, it prints an option without a name (refused)."""
    cfg = parse_text("iface eth0 inet manual\n\\\nmtu 1500\n", "f")
    assert [(o.name, o.value, o.loc.line) for o in cfg.ifaces[0].options] == [("mtu", "1500", 2)]


def test_the_collector_is_paused_while_a_file_is_parsed_and_as_it_was_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = interfaces.read_config

    def reading(path: str, loc: Loc | None) -> bytes:
        seen.append(gc.isenabled())
        return real(path, loc)

    monkeypatch.setattr(interfaces, "read_config", reading)
    monkeypatch.setattr(xfrm, "read_config", reading)
    (tmp_path / "interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp_path / "broken").write_text("iface lo\n")
    (tmp_path / "xfrm").write_text("[ipsec0]\nIfId=1\nPrefixes=10.0.0.0/24\n")
    assert gc.isenabled()
    assert parse_file(str(tmp_path / "interfaces")).iface("lo")
    assert xfrm.parse_xfrm(str(tmp_path / "xfrm"), "tunnel")[0].if_id == 1
    with pytest.raises(ConfigError, match="`iface` needs a name"):
        parse_file(str(tmp_path / "broken"))
    assert seen == [False, False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        parse_file(str(tmp_path / "interfaces"))
        assert not gc.isenabled()  # paused by someone else: left so
    finally:
        gc.enable()


def test_words_split_at_ascii_white_space_only_whatever_the_text() -> None:
    chars = [chr(c) for c in range(128)] + ["\x85", "\xa0", "\u2028", "\u3000", "\ufeff", "é"]
    texts = ["".join(pair) for pair in itertools.product(chars, repeat=2)]
    texts += [" a  b\tc ", "iface eth0 inet static", "a\x1cb", "a\x1fb c", "a\xa0b c"]
    for text in texts:
        assert split_words(text) == [w for w in re.split(r"[ \t\n\v\f\r]+", text) if w], repr(text)
