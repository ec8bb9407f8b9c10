# SPDX-License-Identifier: GPL-3.0-or-later
"""ifupdown's method tables and value rules: what ifup would refuse, refused before anything runs."""

from __future__ import annotations

import pytest

from netns_helper.errors import ConfigError
from netns_helper.ifupdown import METHODS, check_defined, check_iface
from netns_helper.interfaces import parse_text

PATH = "/etc/netns/web/network/interfaces"


def _errors(stanza: str) -> list[str]:
    (iface,) = parse_text(stanza, PATH).ifaces
    return [str(e) for e in check_iface(iface)]


@pytest.mark.parametrize(
    "stanza",
    [
        "iface eth0 inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1\n  mtu 1500\n"
        "  dns-nameservers 192.0.2.53 2001:db8::53\n",
        "iface eth0 inet static\n  address 192.0.2.2\n  netmask 255.255.255.0\n  broadcast +\n  scope link\n",
        "iface eth0 inet static\n  address 192.0.2.2/24\n  netmask 24\n  hwaddress 02:00:00:00:00:01\n",
        "iface eth0 inet6 static\n  address 2001:db8::2/64\n  gateway fe80::1\n  accept_ra 2\n  autoconf 0\n",
        "iface eth0 inet6 static\n  address 2001:db8::2\n  netmask 64\n  dad-interval 0.5\n",
        "iface eth0 inet dhcp\n  hostname web\n  dns-search example.org corp.example.\n",
        "iface eth0 inet6 auto\n  privext 2\n",
        "iface can0 can static\n  bitrate 125000\n  loopback on\n",
        "iface eth0 ipx static\n  frame 802.2\n  netnum 1\n",
        "iface eth0 meta none\n",
        "iface gre1 inet tunnel\n  address 10.0.0.1\n  netmask 30\n  mode gre\n  endpoint 198.51.100.1\n",
        "iface sit1 inet6 v4tunnel\n  address 2001:db8::1/64\n  endpoint 198.51.100.1\n",
        "iface tun6 inet6 6to4\n  local 198.51.100.2\n",
        "iface eth0 inet manual\n  Mtu whatever\n  up ip link set eth0 up\n  up true\n",
    ],
)
def test_what_ifupdown_accepts_is_accepted(stanza: str) -> None:
    assert _errors(stanza) == []


@pytest.mark.parametrize(
    ("stanza", "words"),
    [
        ("iface eth0 inet static\n  gateway 192.0.2.1\n", "`iface eth0 inet static` needs address"),
        ("iface eth0 inet static\n  Address 192.0.2.2/24\n", "'Address' is not 'address'"),
        ("iface gre1 inet tunnel\n  address 10.0.0.1\n  mode gre\n  endpoint 198.51.100.1\n", "needs netmask"),
        ("iface can0 can static\n", "needs bitrate"),
        ("iface eth0 ipx dynamic\n", "needs frame"),
        ("iface tun6 inet6 6to4\n", "needs local"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  mtu 1_500\n", "MTU '1_500' is not a number (ASCII digits)"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  mtu \u0661\u0665\u0660\u0660\n", "is not a number"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  mtu 9\n", "MTU 9 is outside 68..65535"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1 192.0.2.9\n", "more than one word"),
        ("iface eth0 inet static\n  address 192.0.2.2\n  netmask 255.0.255.0\n", "neither a dotted netmask"),
        ("iface eth0 inet static\n  address 192.0.2.2\n  netmask 33\n", "prefix length 33 is outside 0..32"),
        ("iface eth0 inet6 static\n  address 2001:db8::2\n  netmask 255.255.255.0\n", "is not a prefix length"),
        ("iface eth0 inet static\n  address 192.0.2.2/\u0662\u0664\n", "is not an IPv4 address"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  netmask 255.0.0.0\n", "disagree for eth0"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  address 192.0.2.3/24\n", "address is given twice"),
        ("iface eth0 inet static\n  address 192.0.2.2/24\n  dns-nameservers 192.0.2.53 ns1\n", "'ns1' is not an IP"),
        ("iface eth0 inet dhcp\n  dns-search exa$mple.org\n", "'exa$mple.org' is not a domain name"),
        ("iface eth0 inet dhcp\n  DNS-Nameservers 1.2.3.999\n", "'1.2.3.999' is not an IP address"),
        ("iface eth0 inet dhcp\n  hwaddress 02:00:00:00:00\n", "neither a MAC address nor 'random'"),
        ("iface eth0 inet6 static\n  address 2001:db8::2/64\n  accept_ra 3\n", "'3' is not one of 0, 1, 2"),
        ("iface eth0 inet6 static\n  address 192.0.2.2/24\n", "is not an IPv6 address"),
        ("iface sit1 inet6 v4tunnel\n  endpoint 2001:db8::1\n", "is not an IPv4 address"),
    ],
)
def test_what_ifup_would_refuse_is_an_error_on_its_line(stanza: str, words: str) -> None:
    errors = _errors(stanza)
    assert len(errors) == 1, errors
    assert words in errors[0]
    assert errors[0].startswith(f"{PATH}:")


def test_the_error_points_at_the_option_or_at_the_stanza() -> None:
    (iface,) = parse_text("auto eth0\niface eth0 inet static\n  mtu 1_500\n", PATH).ifaces
    missing, mtu = check_iface(iface)
    assert (missing.loc, mtu.loc) == (iface.loc, iface.options[0].loc)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("iface eth0 inet statik", "unknown method 'statik' for family inet: ifupdown knows loopback, static"),
        ("iface eth0 inet6 bootp", "unknown method 'bootp' for family inet6"),
        ("iface eth0 link none", "unknown address family 'link': ifupdown knows inet, inet6, can, ipx, meta"),
        ("iface eth0 INET static", "unknown address family 'INET'"),
    ],
)
def test_unknown_family_or_method_is_a_parse_error(line: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_text(f"auto eth0\n{line}\n", PATH)
    assert info.value.loc is not None and info.value.loc.line == 2
    assert words in info.value.message


def test_the_table_covers_the_families_the_issue_names() -> None:
    assert set(METHODS) == {"inet", "inet6", "can", "ipx", "meta"}
    assert "static" in METHODS["inet"] and "auto" in METHODS["inet6"]


def test_an_interface_brought_up_without_a_stanza_is_an_error() -> None:
    config = parse_text("auto lo eth0\nallow-hotplug eth1\niface eth1 inet dhcp\nauto eth0\n", PATH)
    (error,) = check_defined(config)
    assert error.loc is not None and error.loc.line == 1
    assert error.message.startswith("eth0 is brought up (auto) but has no iface stanza: ifup would fail")
    assert check_defined(parse_text("mapping eth*\n  script /bin/echo\nauto eth0\n", PATH)) == []


def test_lo_has_an_implicit_stanza_only_while_no_stanza_uses_the_loopback_method() -> None:
    assert check_defined(parse_text("auto lo\n", PATH)) == []
    (error,) = check_defined(parse_text("auto lo eth0\niface eth0 inet loopback\n", PATH))  # found by ifquery
    assert error.message.startswith("`iface eth0 inet loopback` keeps ifupdown from defining lo")
    (error,) = check_defined(parse_text("iface eth0 inet loopback\n", PATH))  # ifupdown's `auto lo` stays
    assert "ifup -a would fail ('unknown interface lo')" in error.message
