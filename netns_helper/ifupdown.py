# SPDX-License-Identifier: GPL-3.0-or-later
"""What ifupdown itself accepts: its address families, methods, required options and value shapes.

One table (`METHODS`) drives every check: the families and methods the parser accepts, the
options `ifup` refuses to run without, and the shape of each value a method hands to `ip`.
The facts are ifupdown 0.8's (Debian 12 and 13), checked against the installed `ifup --no-act`
in the netns tier (tests/netns/test_ifupdown_parity.py), so that a file ifupdown would reject at
`ifup` time is refused with its file and line before anything runs.

Option names are case-sensitive here, as they are for ifupdown's methods: `Address` is not
`address`. Numbers are ASCII digits only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import ConfigError, Loc
from .names import ascii_digits
from .values import value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .interfaces import Iface, Interfaces, Option

# A value check: (value, IP version of the stanza or None) -> what is wrong, or None.
Shape = Callable[[str, int | None], str | None]

# A start checks a few values only: plain tests of characters, and patterns compiled on
# first use (re's cache), cost it less than compiling every pattern at import (issue 15).
_DECIMAL = r"[0-9]+(\.[0-9]+)?"
_MAC = r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}"
_LABEL = r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_DOMAIN = rf"(?=.{{1,253}}\.?$)({_LABEL}\.)*{_LABEL}\.?"
# ifupdown splits words at C's isspace() in the C locale: these six bytes, nothing else.
ASCII_SPACE = " \t\n\v\f\r"


def _one_word(value: str) -> str | None:
    return f"{value!r} is more than one word" if any(space in value for space in ASCII_SPACE) else None


def _ipv4_address(text: str) -> bool:
    """TEXT is what ipaddress.IPv4Address accepts: four decimal octets, no leading zeros.

    Checked by hand so that the common value needs no ipaddress, whose import costs a start
    more than its checks (issue 15); anything else is ipaddress's to judge.
    """
    octets = text.split(".")
    return len(octets) == 4 and all(
        0 < len(octet) <= 3 and ascii_digits(octet) and (octet == "0" or octet[0] != "0") and int(octet) <= 255
        for octet in octets
    )


def _ip(value: str, version: int | None, *, cidr: bool = False, only: int | None = None) -> str | None:
    wanted = only or version
    if problem := _one_word(value):
        return problem
    what = f"an IPv{wanted} address" if wanted else "an IP address"
    text, slash, length = value.partition("/")
    if slash and not cidr:
        return f"{value!r} is not {what} (no /length here)"
    if not value.isascii() or (slash and not ascii_digits(length)):
        return f"{value!r} is not {what}"
    if _ipv4_address(text):
        if slash and int(length) > 32:
            return f"{value!r} is not {what}"
        parsed_version = 4
    else:
        import ipaddress

        try:
            parsed_version = (ipaddress.ip_interface(value) if slash else ipaddress.ip_address(text)).version
        except ValueError:
            return f"{value!r} is not {what}"
    if wanted and parsed_version != wanted:
        return f"{value} is not {what}"
    return None


def _dotted_netmask_length(value: str) -> int:
    """The prefix length of the dotted IPv4 netmask VALUE; ValueError when it is not one."""
    import ipaddress

    return ipaddress.IPv4Network(f"0.0.0.0/{value}").prefixlen


def address(value: str, version: int | None) -> str | None:
    """An address of the stanza's family, with an optional /length."""
    return _ip(value, version, cidr=True)


def host(value: str, version: int | None) -> str | None:
    """One address of the stanza's family, no length."""
    return _ip(value, version)


def ipv4(value: str, version: int | None) -> str | None:
    """One IPv4 address, whatever the stanza's family (a v4tunnel's endpoint)."""
    return _ip(value, version, only=4)


def netmask(value: str, version: int | None) -> str | None:
    """A prefix length, or for IPv4 a dotted netmask too."""
    if ascii_digits(value):
        top = 32 if version == 4 else 128
        return None if int(value) <= top else f"prefix length {value} is outside 0..{top}"
    if version == 6:
        return f"{value!r} is not a prefix length (IPv6 takes a number of bits, e.g. 64)"
    try:
        _dotted_netmask_length(value)
    except ValueError:
        return f"{value!r} is neither a dotted netmask nor a prefix length"
    return None


def broadcast(value: str, version: int | None) -> str | None:
    return None if value in ("+", "-") else _ip(value, version, only=4)


def uint(value: str, version: int | None) -> str | None:
    return None if ascii_digits(value) else f"{value!r} is not a number (ASCII digits)"


def decimal(value: str, version: int | None) -> str | None:
    return None if re.fullmatch(_DECIMAL, value) else f"{value!r} is not a decimal number"


def mtu(value: str, version: int | None) -> str | None:
    if not ascii_digits(value):
        return f"MTU {value!r} is not a number (ASCII digits)"
    return None if 68 <= int(value) <= 65535 else f"MTU {value} is outside 68..65535"


def hwaddress(value: str, version: int | None) -> str | None:
    if value == "random" or re.fullmatch(_MAC, value):
        return None
    return f"{value!r} is neither a MAC address nor 'random'"


def one_word(value: str, version: int | None) -> str | None:
    return _one_word(value)


def text(value: str, version: int | None) -> str | None:
    return None


def choice(*words: str) -> Shape:
    def check(value: str, version: int | None) -> str | None:
        return None if value in words else f"{value!r} is not one of {', '.join(words)}"

    return check


def number_in(low: int, high: int) -> Shape:
    def check(value: str, version: int | None) -> str | None:
        if not ascii_digits(value):
            return f"{value!r} is not a number (ASCII digits)"
        return None if low <= int(value) <= high else f"{value} is outside {low}..{high}"

    return check


def nameservers(value: str, version: int | None) -> str | None:
    for word in value.split():
        if _ip(word, None):
            return f"{word!r} is not an IP address"
    return None


def domains(value: str, version: int | None) -> str | None:
    for word in value.split():
        if not re.fullmatch(_DOMAIN, word):
            return f"{word!r} is not a domain name"
    return None


_SCOPE4 = choice("global", "link", "host")
_SCOPE6 = choice("global", "site", "link", "host")
_BOOL = choice("0", "1")
_RA = choice("0", "1", "2")
_ONOFF = choice("on", "off")


@value
class Opt:
    """An option a method reads: its exact name, whether `ifup` needs it, its value's shape."""

    name: str
    shape: Shape = text
    required: bool = False


def req(name: str, shape: Shape = text) -> Opt:
    return Opt(name, shape, required=True)


# family -> method -> the options it reads. The options common to every method (up, down,
# pre-up, post-down, description...) are commands or hook options: not listed.
_HW = Opt("hwaddress", hwaddress)
_MTU = Opt("mtu", mtu)
_METRIC = Opt("metric", uint)
_TTL = Opt("ttl", one_word)
_TUNNEL = (Opt("dstaddr", host), Opt("local", host), _METRIC, Opt("gateway", host), _TTL, _MTU)
METHODS: dict[str, dict[str, tuple[Opt, ...]]] = {
    "inet": {
        "loopback": (),
        "static": (
            req("address", address),
            Opt("netmask", netmask),
            Opt("broadcast", broadcast),
            _METRIC,
            Opt("gateway", host),
            Opt("pointopoint", host),
            _HW,
            _MTU,
            Opt("scope", _SCOPE4),
        ),
        "manual": (_HW, _MTU),
        "dhcp": (
            Opt("hostname", one_word),
            _METRIC,
            Opt("leasetime", uint),
            Opt("vendor"),
            Opt("client"),
            _HW,
        ),
        "bootp": (Opt("bootfile"), Opt("server", host), Opt("hwaddr")),
        "tunnel": (
            req("address", host),
            req("netmask", netmask),
            req("mode", one_word),
            req("endpoint", host),
            *_TUNNEL,
        ),
        "ppp": (Opt("provider", one_word), Opt("unit", uint), Opt("options")),
        "wvdial": (Opt("provider", one_word),),
        "ipv4ll": (),
    },
    "inet6": {
        "auto": (
            Opt("privext", _RA),
            Opt("accept_ra", _RA),
            Opt("dhcp", _BOOL),
            Opt("request_prefix", _BOOL),
            Opt("ll-attempts", uint),
            Opt("ll-interval", decimal),
        ),
        "loopback": (),
        "static": (
            req("address", address),
            Opt("netmask", netmask),
            _METRIC,
            Opt("gateway", host),
            Opt("media"),
            _HW,
            _MTU,
            Opt("accept_ra", _RA),
            Opt("autoconf", _BOOL),
            Opt("privext", _RA),
            Opt("scope", _SCOPE6),
            Opt("preferred-lifetime", one_word),
            Opt("dad-attempts", uint),
            Opt("dad-interval", decimal),
        ),
        "manual": (_HW, _MTU),
        "dhcp": (
            _HW,
            Opt("accept_ra", _RA),
            Opt("autoconf", _BOOL),
            Opt("request_prefix", _BOOL),
            Opt("ll-attempts", uint),
            Opt("ll-interval", decimal),
        ),
        "tunnel": (
            Opt("address", host),
            Opt("netmask", netmask),
            req("mode", one_word),
            req("endpoint", host),
            *_TUNNEL,
            Opt("encaplimit", one_word),
        ),
        "v4tunnel": (
            Opt("address", address),
            Opt("netmask", netmask),
            req("endpoint", ipv4),
            Opt("local", ipv4),
            _METRIC,
            Opt("gateway", host),
            _TTL,
            _MTU,
            Opt("preferred-lifetime", one_word),
        ),
        "6to4": (req("local", ipv4), _METRIC, _TTL, _MTU, Opt("preferred-lifetime", one_word)),
    },
    "can": {
        "static": (
            req("bitrate", number_in(1, 1000000)),
            Opt("samplepoint", decimal),
            Opt("loopback", _ONOFF),
            Opt("listenonly", _ONOFF),
            Opt("triple", _ONOFF),
            Opt("oneshot", _ONOFF),
            Opt("berr", _ONOFF),
            Opt("restart-ms", uint),
        ),
    },
    "ipx": {
        "static": (req("frame", one_word), req("netnum", one_word)),
        "dynamic": (req("frame", one_word),),
    },
    # ifupdown 0.8 calls its link-level family "meta" (link.defn); its one method is "none".
    "meta": {"none": ()},
}

# Options that hooks read from the environment (IF_DNS_NAMESERVERS...), by `Option.key`.
HOOK_OPTIONS: dict[str, Shape] = {
    "dns-nameservers": nameservers,
    "dns-nameserver": nameservers,
    "dns-search": domains,
    "dns-domain": domains,
}

_VERSION = {"inet": 4, "inet6": 6}


def check_method(family: str, method: str, loc: Loc) -> None:
    """Raise what ifupdown's parser says of an unknown family or method (it rejects the file)."""
    methods = METHODS.get(family)
    if methods is None:
        raise ConfigError(
            f"unknown address family {family!r}: ifupdown knows {', '.join(METHODS)}",
            loc,
            hint="iface NAME FAMILY METHOD, e.g. `iface eth0 inet static`",
        )
    if method not in methods:
        raise ConfigError(f"unknown method {method!r} for family {family}: ifupdown knows {', '.join(methods)}", loc)


def check_defined(config: Interfaces) -> list[ConfigError]:
    """Interfaces that auto or allow-* lines bring up without a stanza: ifup fails ('unknown interface').

    `lo` has one implicitly, unless some stanza uses the loopback method (ifupdown then adds none);
    with a mapping stanza, a mapped name may have one.
    """
    if config.mappings:
        return []
    loopback = next((i for i in config.ifaces if i.method == "loopback"), None)
    implicit = set() if loopback else {"lo"}
    errors = []
    seen = set()
    if loopback is not None and not config.iface("lo"):
        # ifupdown adds `auto lo` before it reads the file, and the stanza only if none is a loopback.
        errors.append(
            ConfigError(
                f"`iface {loopback.name} {loopback.family} loopback` keeps ifupdown from defining lo, which it "
                "brings up all the same: ifup -a would fail ('unknown interface lo')",
                loopback.loc,
                hint="add `iface lo inet loopback`, or use another method here",
            )
        )
        seen.add("lo")
    for allow in config.allows:
        word = "auto" if allow.cls == "auto" else f"allow-{allow.cls}"
        for name in allow.names:
            if name not in implicit and name not in seen and not config.iface(name):
                seen.add(name)
                errors.append(
                    ConfigError(
                        f"{name} is brought up ({word}) but has no iface stanza: ifup would fail ('unknown interface')",
                        allow.loc,
                        hint=f"add `iface {name} inet manual` (or the stanza it needs)",
                    )
                )
    return errors


def check_iface(iface: Iface) -> list[ConfigError]:
    """What `ifup` would refuse of IFACE's options: missing required ones, values of the wrong shape."""
    errors: list[ConfigError] = []
    methods = METHODS.get(iface.family, {})
    opts = methods.get(iface.method)
    if opts is None:
        return errors  # an unknown method is the parser's error
    version = _VERSION.get(iface.family)
    given: dict[str, Option] = {}
    for opt in iface.options:
        given.setdefault(opt.name, opt)
    stanza = f"iface {iface.name} {iface.family} {iface.method}"
    for spec in opts:
        first = given.get(spec.name)
        if first is None:
            if spec.required:
                errors.append(_missing(spec, iface, stanza))
            continue
        for opt in iface.options:
            if opt.name != spec.name:
                continue
            if opt is not first:
                errors.append(
                    ConfigError(
                        f"{opt.name} is given twice for {iface.name} (first at line {first.loc.line}): "
                        "ifupdown joins the values into one and its command fails or uses the first",
                        opt.loc,
                    )
                )
            elif problem := spec.shape(opt.value, version):
                errors.append(ConfigError(f"invalid {opt.name} for {iface.name}: {problem}", opt.loc))
    errors += _cidr_and_netmask(iface, given, version)
    for opt in iface.options:
        shape = HOOK_OPTIONS.get(opt.key)
        if shape is not None and (problem := shape(opt.value, version)):
            errors.append(ConfigError(f"invalid {opt.name} for {iface.name}: {problem}", opt.loc))
    return errors


def _missing(spec: Opt, iface: Iface, stanza: str) -> ConfigError:
    near = [opt.name for opt in iface.options if opt.name.lower() == spec.name.lower()]
    hint = (
        f"option names are case-sensitive for ifupdown: {near[0]!r} is not {spec.name!r}"
        if near
        else f"add `{spec.name} ...` to the stanza"
    )
    return ConfigError(f"`{stanza}` needs {spec.name}: ifup would fail (missing required variable)", iface.loc, hint)


def _cidr_and_netmask(iface: Iface, given: dict[str, Option], version: int | None) -> list[ConfigError]:
    addr, mask = given.get("address"), given.get("netmask")
    if addr is None or mask is None or version is None or "/" not in addr.value:
        return []
    if address(addr.value, version) or netmask(mask.value, version):
        return []  # reported as a shape error already
    length = addr.value.partition("/")[2]
    mask_length = mask.value if ascii_digits(mask.value) else str(_dotted_netmask_length(mask.value))
    if int(length) == int(mask_length):
        return []
    return [
        ConfigError(
            f"address {addr.value} and netmask {mask.value} disagree for {iface.name}: "
            f"ifupdown would use the netmask (/{mask_length})",
            mask.loc,
            hint="keep one of them: the /length of the address, or the netmask",
        )
    ]
