# SPDX-License-Identifier: GPL-3.0-or-later
"""The start path's hand-written checks of names and values say what the regular expressions
and the ipaddress calls they replaced (issue 15: compiling and importing those cost a start
more than its whole use of them) said, for any text: each old rule is kept here as the reference.
"""

from __future__ import annotations

import glob
import ipaddress
import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from netns_helper import hostnet, ifupdown, interfaces
from netns_helper.commands import LinkIs
from netns_helper.errors import ConfigError, Loc
from netns_helper.facts import Paths
from netns_helper.interfaces import Option, View
from netns_helper.links import bridge_port
from netns_helper.names import ascii_digits, check_ifname, check_netns_name, holds_word, split_vlan
from netns_helper.planner import _vlan_name_id
from netns_helper.record import _mac

# What the rules turn on, plus any character at all.
_TRICKY = [*"0123456789abcdefABCDEF.:/-_#'\"\\ \t\n\v\f\r\x00\x1f\x7f", "\u00a0", "\u2028", "\u0663", "²", "%"]
TEXT = st.text(st.sampled_from(_TRICKY) | st.characters(), max_size=24)
DOTTED = st.lists(st.sampled_from(["0", "00", "1", "01", "9", "10", "99", "255", "256", "300", "1000", "", "a", "٣"]))


IPV6 = ["::", "::1", "fe80::1", "2001:db8::1", "1:2:3:4:5:6:7:8", "fe80::1%eth0", "::ffff:1.2.3.4", "1::2::3"]
LENGTHS = ["0", "8", "24", "024", "32", "33", "64", "128", "129", "", "x", "2 4", "255.255.255.0"]
MASKS = ["24", "255.255.255.0", "255.255.0.255", "0", "33", "129", "\u0663"]


@st.composite
def addresses(draw: st.DrawFn) -> str:
    """Dotted quads (good and bad), IPv6-looking text, with or without a /length, or any text."""
    kind = draw(st.sampled_from(["v4", "v6", "any"]))
    if kind == "v4":
        text = ".".join(draw(DOTTED.filter(lambda octets: 2 <= len(octets) <= 5)))
    elif kind == "v6":
        text = draw(st.sampled_from(IPV6))
    else:
        text = draw(TEXT)
    if draw(st.booleans()):
        text += "/" + draw(st.sampled_from(LENGTHS))
    return text


def _reference_ip(value: str, version: int | None, *, cidr: bool = False, only: int | None = None) -> str | None:
    """ifupdown._ip as it was: ipaddress judges every address."""
    wanted = only or version
    if re.search(r"[ \t\n\v\f\r]", value):
        return f"{value!r} is more than one word"
    what = f"an IPv{wanted} address" if wanted else "an IP address"
    text, slash, length = value.partition("/")
    if slash and not cidr:
        return f"{value!r} is not {what} (no /length here)"
    if not value.isascii() or (slash and not re.fullmatch(r"[0-9]+", length)):
        return f"{value!r} is not {what}"
    try:
        parsed = ipaddress.ip_interface(value) if slash else ipaddress.ip_address(text)
    except ValueError:
        return f"{value!r} is not {what}"
    if wanted and parsed.version != wanted:
        return f"{value} is not {what}"
    return None


@given(addresses(), st.sampled_from([None, 4, 6]), st.booleans(), st.sampled_from([None, 4]))
@example("192.0.2.2/24", 4, True, None)
@example("192.0.2.02", None, False, None)
@example("1.2.3.4/33", 4, True, None)
@example("1.2.3.4/024", 4, True, None)
def test_ip_values_are_judged_as_ipaddress_judges_them(
    value: str, version: int | None, cidr: bool, only: int | None
) -> None:
    assert ifupdown._ip(value, version, cidr=cidr, only=only) == _reference_ip(value, version, cidr=cidr, only=only)


@given(st.one_of(TEXT, st.sampled_from(MASKS)), st.sampled_from([None, 4, 6]))
def test_netmasks_and_numbers_are_judged_as_before(value: str, version: int | None) -> None:
    def reference_netmask() -> str | None:
        if re.fullmatch(r"[0-9]+", value):
            top = 32 if version == 4 else 128
            return None if int(value) <= top else f"prefix length {value} is outside 0..{top}"
        if version == 6:
            return f"{value!r} is not a prefix length (IPv6 takes a number of bits, e.g. 64)"
        try:
            ipaddress.IPv4Network(f"0.0.0.0/{value}")
        except ValueError:
            return f"{value!r} is neither a dotted netmask nor a prefix length"
        return None

    assert ifupdown.netmask(value, version) == reference_netmask()
    assert ascii_digits(value) == bool(re.fullmatch(r"[0-9]+", value))
    assert (ifupdown.one_word(value, version) is None) == (not re.search(r"[ \t\n\v\f\r]", value))


def _utf8(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: argv's undecodable bytes
        return False
    return True


@given(TEXT)
@example("\udcff")  # an undecodable byte of the command line: refused, not a crash
@example("eth0")
@example("-eth0")
@example("a b")
@example("a\u00a0b")
def test_names_are_judged_as_the_patterns_judged_them(name: str) -> None:
    def accepted(check: object) -> bool:
        try:
            check(name)  # type: ignore[operator]
        except ConfigError as e:
            return "longer than" in e.message
        return True

    netns = name not in ("", ".", "..") and not name.startswith("-") and re.fullmatch(r"[A-Za-z0-9_.-]+", name)
    assert accepted(check_netns_name) == bool(netns)
    ifname = name not in ("", ".", "..") and re.fullmatch(r"(?!-)[^/:\s\x00-\x1f\x7f#\"'\\]+", name)
    assert accepted(check_ifname) == bool(ifname and _utf8(name))


@given(TEXT, st.sampled_from(["", ".", "..", ".5", ".05", "..1", "vlan", "vlan7", "br0..", "\n"]))
@example("eth1.124", "")
@example("a\nb.5", "")
@example("br0..p1", "")
@example("vlan0012", "")
def test_vlan_bridge_port_and_mac_names_read_as_the_patterns_read_them(head: str, tail: str) -> None:
    name = head + tail
    vlan = re.fullmatch(r"(?P<parent>.+)\.(?P<vid>[0-9]+)", name)
    assert split_vlan(name) == ((vlan["parent"], int(vlan["vid"])) if vlan else None)
    port = re.fullmatch(r"(?P<bridge>[^.]+)\.\.(?P<id>[A-Za-z0-9_-]+)", name)
    assert bridge_port(name) == ((port["bridge"], port["id"]) if port else None)
    named = re.fullmatch(r"vlan(?P<vid>[0-9]+)", name)
    assert _vlan_name_id(name) == (int(named["vid"]) if named else None)
    assert _mac(name) == bool(re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2})+", name))
    assert Option(name, "", Loc("f", 1)).key == re.sub(r"[^a-z0-9-]", "", name.lower().replace("_", "-"))


@given(st.lists(st.sampled_from(["", "etc", "netns", "network", "a", "\n", "x\ny", "interfaces", "/"]), max_size=7))
@example(["", "etc", "netns", "a", "network", "interfaces"])
@example(["", "netns", "a\nb", "network", "interfaces"])
def test_views_of_paths_are_what_the_patterns_made_of_them(parts: list[str]) -> None:
    path = "/".join(parts)
    match = re.fullmatch(r"(?P<etc>.*)/netns/(?P<netns>[^/]+)/network/[^/]+", path)
    if match:
        expected = (match["etc"], match["netns"])
    else:
        match = re.fullmatch(r"(?P<etc>.*)/network/[^/]+", path)
        expected = (match["etc"] if match else "/etc", None)
    view = View.of(path)
    assert (view.etc, view.netns) == expected


@pytest.mark.parametrize(
    ("value", "wanted"),
    [("192.0.2.2/24", None), ("2001:db8::2/64", None), ("192.0.2.300", "is not"), ("192.0.2.2/33", "is not")],
)
def test_common_addresses_need_no_ipaddress_and_others_still_get_it(value: str, wanted: str | None) -> None:
    problem = ifupdown.address(value, 4 if "." in value else 6)
    assert (problem is None) if wanted is None else (wanted in (problem or ""))


MACS = st.lists(st.sampled_from(["02:00:00:00:00:01", "aa:bb:cc:dd:ee:ff", "02:00"]), max_size=2)
LINE_WORDS = st.sampled_from(["3:", "13:", "3", ":", " ", "  ", "02:00:00:00:00:01", "aa:bb:cc:dd:ee:ff", "x", "\n"])


@given(st.one_of(st.none(), st.sampled_from([1, 3, 13])), MACS, st.lists(LINE_WORDS, max_size=12))
@example(3, [], ["3:", " ", "eth0"])
@example(None, ["aa:bb:cc:dd:ee:ff"], ["link/ether", " ", "aa:bb:cc:dd:ee:ff"])
@example(None, ["aa:bb:cc:dd:ee:ff"], [" ", "aa:bb:cc:dd:ee:ffx"])
def test_a_link_given_back_is_found_as_grep_finds_it(ifindex: int | None, macs: list[str], words: list[str]) -> None:
    check = LinkIs("eth0", ifindex, tuple(macs))
    output = "".join(words)
    grep = any(re.search(p, line) for p in check.patterns for line in output.splitlines())
    assert check.found_in(output) == grep


def test_an_enabled_unit_is_found_where_glob_finds_it(tmp_path: Path) -> None:
    paths = Paths(etc=str(tmp_path))
    base = Path(paths.systemd_dir)
    unit = "systemd-networkd.service"
    assert hostnet._enabled(paths, unit) is None  # no systemd directory at all
    for directory in ("multi-user.target.wants", "a.wants.wants", ".hidden.wants", "b.wants", "notwants"):
        (base / directory).mkdir(parents=True)
    (base / "file.wants").write_text("")
    (base / "link.wants").symlink_to(base / "b.wants")
    for directory in (".hidden.wants", "notwants", "b.wants", "a.wants.wants"):
        (base / directory / unit).symlink_to("/nonexistent")  # a dangling link counts: lexists
    reference = sorted(glob.glob(f"{glob.escape(str(base))}/*.wants/{unit}"))
    assert hostnet._enabled(paths, unit) == reference[0]
    assert hostnet._enabled(paths, "other.service") is None


@given(TEXT)
@example("a\x1cb")
@example("eth0\u00a0x")
@example("a\u200bb")
def test_look_alike_spaces_are_found_as_the_pattern_finds_them(text: str) -> None:
    expected = re.search(r"[^\S \t\n\v\f\r]|[\u200b\u2060\ufeff]", text)
    found = interfaces._other_space(text)
    assert (found and (found.start(), found.group())) == (expected and (expected.start(), expected.group()))


@given(st.lists(TEXT, max_size=3))
@example(["/etc/network/interfaces.d/*"])
@example(["a;b", "c|d"])
def test_wordexp_specials_are_found_first_as_the_pattern_found_them(args: list[str]) -> None:
    joined = " ".join(args)
    expected = re.search(r"[|&;<>(){}$`'\"\\~\n]", joined)
    try:
        interfaces._source_paths(interfaces._Builder("f"), "/etc/network/interfaces", "source", args, Loc("f", 1))
    except ConfigError as e:
        assert (expected is not None and f"path with {expected.group()!r}" in e.message) or "needs a path" in e.message
    else:
        assert expected is None


def test_a_directorys_star_is_what_glob_makes_of_it(tmp_path: Path) -> None:
    base = tmp_path / "interfaces.d"
    base.mkdir()
    for name in ("eth0", ".hidden", "b", "a.conf", "sub"):
        (base / name).mkdir() if name == "sub" else (base / name).write_text("")
    (base / "link").symlink_to(base / "b")
    (base / "dangling").symlink_to(tmp_path / "nothing")
    (tmp_path / "file").write_text("")
    missing, file = f"{tmp_path}/missing/*", f"{tmp_path}/file/*"
    for pattern in (f"{base}/*", f"{base}//*", missing, file, f"{base}/a*", "/*", f"{base}/*.conf"):
        assert interfaces._glob(pattern) == sorted(glob.glob(pattern)), pattern


# Bytes around a name in an interfaces file: letters, digits, the name's own pieces, UTF-8.
_PIECES = [b"eth1", b"eth", b"1", b"0", b"a", b"Z", b"_", b"-", b".", b" ", b"\n", b"\xc3\xa9"]
_AROUND = st.lists(st.sampled_from(_PIECES))


@given(st.sampled_from([b"eth1", b"e", b"br-lan", b"v.10", b"\xc3\xa9th"]), _AROUND)
@example(b"eth1", [b"eth10"])
@example(b"eth1", [b"eth1", b"0", b" ", b"eth1"])
@example(b"eth1", [b"xeth1"])
@example(b"eth1", [b"eth1"])
def test_a_claimed_name_is_found_as_the_pattern_found_it(word: bytes, pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    pattern = rb"(?<![A-Za-z0-9])" + re.escape(word) + rb"(?![A-Za-z0-9])"
    assert holds_word(data, word) == (re.search(pattern, data) is not None)


@given(TEXT)
@example("/etc/network/interfaces.d/*")
@example("a[b")
@example("what?")
def test_magic_is_what_glob_calls_magic(text: str) -> None:
    assert interfaces._has_magic(text) == glob.has_magic(text)
