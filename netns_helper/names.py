# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation of the names that end up in paths and in `ip` arguments."""

from __future__ import annotations

from .errors import ConfigError, Loc

# Linux IFNAMSIZ is 16 bytes including the terminating NUL.
IFNAME_MAX = 15
# A namespace's name is the instance of its unit, and systemd's unit names have at most 255
# bytes: 233 for NAME in systemd-netns@NAME.service. (Its other files are shorter:
# NAME.lock, SERVICE.service.d/, /run/netns/NAME.)
UNIT_NAME_MAX = 255
TEMPLATE_UNIT = "systemd-netns@{name}.service"
NETNS_NAME_MAX = UNIT_NAME_MAX - len(TEMPLATE_UNIT.format(name=""))

# Character sets, not regular expressions: compiling a pattern costs more than a start's
# whole use of it (issue 15).
ASCII_DIGITS = "0123456789"
ASCII_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + ASCII_DIGITS
_NETNS_CHARS = ASCII_ALNUM + "_.-"
# The kernel refuses '/', ':' and white space in device names (ifupdown's `name:label`
# aliases are not devices and are never moved). We also refuse what other readers of the
# name would take for syntax: a leading '-' (an option to ifup or ip), and '#', quotes
# and backslashes (comments and quoting in `ip -batch` input). White space is Unicode's
# (str.isspace), as a regular expression's \s is.
_IFNAME_REFUSED = frozenset("/:#\"'\\\x7f " + "".join(map(chr, range(0x20))))  # ASCII's white space too


def made_of(text: str, chars: str) -> bool:
    """TEXT is one or more of CHARS (a regular expression's `[CHARS]+`, without one)."""
    return bool(text) and not text.strip(chars)


def holds_word(data: bytes, word: bytes) -> bool:
    """DATA holds WORD, not as a part of a longer name: no ASCII letter or digit just before or
    after it (a regular expression's `(?<![A-Za-z0-9])WORD(?![A-Za-z0-9])`, without one)."""
    end = len(word)
    at = data.find(word)
    while at >= 0:
        if not data[at - 1 : at].isalnum() and not data[at + end : at + end + 1].isalnum():
            return True
        at = data.find(word, at + 1)
    return False


def ascii_digits(text: str) -> bool:
    """TEXT is one or more ASCII digits (str.isdigit takes other scripts' digits too)."""
    return made_of(text, ASCII_DIGITS)


def check_netns_name(name: str, loc: Loc | None = None) -> str:
    """Return NAME if it can be a file in /run/netns and a unit instance, else raise."""
    if name in (".", "..") or name.startswith("-") or not made_of(name, _NETNS_CHARS):
        raise ConfigError(
            f"invalid namespace name {name!r}",
            loc,
            hint="a namespace name is a file in /run/netns: use letters, digits, '_', '.' and '-'",
        )
    if len(name.encode()) > NETNS_NAME_MAX:
        raise ConfigError(
            f"namespace name {name[:20]!r}... is longer than {NETNS_NAME_MAX} bytes",
            loc,
            hint=f"its unit {TEMPLATE_UNIT.format(name='NAME')} must fit systemd's {UNIT_NAME_MAX}-byte unit names",
        )
    return name


def _ifname_chars_ok(name: str) -> bool:
    """True when no character of NAME is refused in a device name (see _IFNAME_REFUSED)."""
    return _IFNAME_REFUSED.isdisjoint(name) and (name.isascii() or not any(c.isspace() for c in name))


def check_ifname(name: str, loc: Loc | None = None) -> str:
    """Return NAME if the kernel accepts it as a network device name, else raise."""
    if name in ("", ".", "..") or name.startswith("-") or not _ifname_chars_ok(name):
        raise ConfigError(
            f"invalid interface name {name!r}",
            loc,
            hint="no '/', ':', white space, control characters, '#', quotes or backslashes, nor a leading '-'",
        )
    try:
        size = len(name.encode())
    except UnicodeEncodeError:  # from the command line, bytes that are not UTF-8 (files must be)
        raise ConfigError(f"invalid interface name {name!r}", loc, hint="a name must be UTF-8 text") from None
    if size > IFNAME_MAX:
        raise ConfigError(
            f"interface name {name!r} is longer than {IFNAME_MAX} bytes",
            loc,
            hint="the kernel limits network interface names to 15 bytes",
        )
    return name


def split_vlan(name: str) -> tuple[str, int] | None:
    """`eth1.124` -> ("eth1", 124); None when NAME is not a PARENT.VID name."""
    parent, dot, vid = name.rpartition(".")
    if not dot or not parent or not ascii_digits(vid) or "\n" in parent:
        return None
    return parent, int(vid)
