# SPDX-License-Identifier: GPL-3.0-or-later
"""Differential test: the tool reads a namespace's interfaces file exactly as ifupdown inside does.

The oracle is Debian's own `ifquery`, run by `ip netns exec` (so /etc/netns/NAME/network is
/etc/network for it, as for `ifup` at start). For every file, generated from the grammar plus
hostile mutations, or saved under parity/:

- ifupdown says anything (rejects the file, warns, skips part of it) => the tool refuses it;
- ifupdown is silent => the tool accepts it with the same view (the interfaces brought up for
  `auto` and for `allow-hotplug`, the options of each interface), or refuses it for one of the
  DOCUMENTED reasons (ifupdown would fail at `ifup` time, or silently ignores a mistake).

A disagreement fails the test, shrunk by hypothesis to a minimal file, which is saved under
parity/found: commit it (renamed for what it shows) once fixed.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from netns_helper.check import check
from netns_helper.errors import ERROR, ConfigError
from netns_helper.facts import Paths
from netns_helper.interfaces import Interfaces, parse_file

from .conftest import Host, sh

NS = "parity"
NETWORK = Path(f"/etc/netns/{NS}/network")
CORPUS = Path(__file__).parent / "parity"

# Why the tool may refuse a file that ifupdown reads without a word. Each is in the README.
DOCUMENTED = (
    # ifupdown would fail at ifup time (netns_helper/ifupdown.py; tests/netns/test_ifup_refuses.py)
    "ifup would fail",
    "invalid ",
    "is given twice for",
    " disagree for ",
    # ifupdown silently drops or misreads it
    "does not exist",  # a sourced file or directory that is not there
    "source loop",
    "NUL byte in line",
    "line is not valid UTF-8 text",
    "ifupdown does not split words there",
    "file ends inside a continued line",
    "a lone backslash continues into white space",  # ifupdown reads an option without a name
    "`source` path with",
    "`source-directory` path with",
    "ifupdown would cut it short",
    "needs at least one interface name",  # a bare `auto` line, which ifupdown skips
    # names the kernel or the tool cannot use
    "is an interface pattern",
    "invalid interface name",
    "is longer than 15 bytes",
    "is outside 1..4094",
)
# Options ifupdown computes or defaults itself (ifquery prints them too): not in the file's view.
DERIVED = {
    "broadcast",
    "netmask",
    "autoconf",
    "preferred-lifetime",
    "dad-attempts",
    "dad-interval",
    "accept_ra",
    "ll-attempts",
    "ll-interval",
    "request_prefix",
}
COMMANDS = {"pre-up", "up", "down", "post-down"}
ALIASES = {"post-up": "up", "pre-down": "down"}

QUERY = r"""
s=/run/parity-state
ifquery --state-dir=$s --list; echo "@@rc $?"
echo "@@hotplug"; ifquery --state-dir=$s --list --allow=hotplug; echo "@@rc $?"
for n; do echo "@@iface $n"; ifquery --state-dir=$s "$n"; echo "@@rc $?"; done
"""


@dataclass(frozen=True)
class Oracle:
    """What ifquery said of a file."""

    said: str  # stderr: empty when ifupdown read the file without a word
    auto: tuple[str, ...]
    hotplug: tuple[str, ...]
    options: dict[str, str]  # interface -> ifquery's printout


def _ifquery(names: list[str]) -> Oracle:
    os.makedirs("/run/parity-state", exist_ok=True)
    proc = sh("ip", "netns", "exec", NS, "sh", "-c", QUERY, "sh", *names, check=False)
    assert proc.returncode == 0, proc.stderr
    sections: dict[str, list[str]] = {"auto": []}
    current: list[str] | None = sections["auto"]
    for line in proc.stdout.splitlines():
        if line == "@@hotplug" or line.startswith("@@iface "):
            current = sections.setdefault(line[2:], [])
        elif line.startswith("@@rc "):
            current = None
        elif current is not None:
            current.append(line)
    listed, hotplug = sections["auto"], sections.get("hotplug", [])
    options = {name[len("iface ") :]: "\n".join(body) for name, body in sections.items() if name.startswith("iface ")}
    return Oracle(proc.stderr, tuple(listed), tuple(hotplug), options)


def _tool_view(config: Interfaces) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]:
    """The tool's parse, printed as ifquery prints ifupdown's (ifupdown's merging of options applied)."""
    auto = tuple(name for name, _ in config.allowed("auto"))
    hotplug = tuple(name for name, _ in config.allowed("hotplug"))
    options: dict[str, str] = {}
    for name in dict.fromkeys(i.name for i in config.ifaces):
        lines = []
        for iface in config.iface(name):
            merged: list[list[str]] = []
            for opt in iface.options:
                key = ALIASES.get(opt.name, opt.name)
                value = opt.value
                if key == "address" and iface.method == "static":
                    value = value.partition("/")[0]  # ifupdown keeps the length as netmask
                same = [m for m in merged if m[0] == key]
                if same and key not in COMMANDS:
                    same[0][1] += "\n" + value
                else:
                    merged.append([key, value])
            lines += [f"{k}: {v}" for k, v in merged if k not in DERIVED]
        options[name] = "\n".join(lines)
    return auto, hotplug, options


def _oracle_options(printout: str) -> str:
    """IFQUERY's printout without DERIVED options (a line without `: ` continues a joined value)."""
    entries: list[list[str]] = []
    for line in printout.splitlines():
        if ": " in line or line.endswith(":") or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    return "\n".join("\n".join(e) for e in entries if e[0].partition(":")[0] not in DERIVED)


def _without_lo(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if n != "lo")  # ifupdown adds `auto lo` itself; the tool never moves lo


def _install(files: dict[str, bytes]) -> Path:
    shutil.rmtree(NETWORK, ignore_errors=True)
    for name, data in files.items():
        path = NETWORK / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return NETWORK / "interfaces"


def disagreement(files: dict[str, bytes], note: Callable[[str], object] = print) -> str | None:
    """Why the tool and ifupdown disagree about FILES (the namespace's network directory), or None.

    NOTE gets each verdict (hypothesis counts them as events).
    """
    path = _install(files)
    problems = [p for p in check(Paths(), [NS], None) if p.severity == ERROR]
    config = None
    if not problems:
        try:
            config = parse_file(str(path))
        except ConfigError as e:  # check found nothing, so this is a bug of its own
            return f"check accepts, the parser raises: {e}"
    names = sorted({i.name for i in config.ifaces}) if config else []
    oracle = _ifquery(names)
    note(
        f"ifupdown {'says something' if oracle.said else 'is silent'}, the tool {'refuses' if problems else 'accepts'}"
    )
    if oracle.said:
        return None if problems else f"ifupdown says:\n{oracle.said}\nthe tool accepts the file"
    if problems:
        undocumented = [str(p) for p in problems if not any(reason in p.message for reason in DOCUMENTED)]
        return f"ifupdown accepts; the tool refuses: {undocumented}" if undocumented else None
    assert config is not None
    auto, hotplug, options = _tool_view(config)
    if _without_lo(auto) != _without_lo(oracle.auto):
        return f"auto: the tool brings up {auto}, ifupdown {oracle.auto}"
    if hotplug != oracle.hotplug:
        return f"allow-hotplug: the tool has {hotplug}, ifupdown {oracle.hotplug}"
    for name in names:
        if options[name] != _oracle_options(oracle.options[name]):
            return f"options of {name}: the tool reads\n{options[name]}\nifupdown\n{oracle.options[name]}"
    return None


@pytest.fixture
def parity(host: Host) -> Host:
    NETWORK.mkdir(parents=True)
    Path("/etc/network/interfaces").write_text("auto lo\niface lo inet loopback\n")  # the overlay's, not the host's
    sh("ip", "netns", "add", NS)
    return host


def _save(files: dict[str, bytes]) -> Path:
    """Keep FILES as parity/found: hypothesis runs the minimal failing example last, so that one stays."""
    case = CORPUS / "found"
    shutil.rmtree(case, ignore_errors=True)
    for name, data in files.items():
        (case / name).parent.mkdir(parents=True, exist_ok=True)
        (case / name).write_bytes(data)
    return case


def _case_files(case: Path) -> dict[str, bytes]:
    return {str(p.relative_to(case)): p.read_bytes() for p in sorted(case.rglob("*")) if p.is_file()}


# --- the generator: interfaces(5) from its grammar, then hostile mutations -----------------------

NAMES = ["eth0", "eth1", "br0", "vlan5", "eth1.7", "wan", "bond0", "eth0:1"]
ODD_NAMES = ["lo", "Eth0", "/eth*", "eth0.0", "x" * 16]
FAMILY_METHODS = [
    ("inet", "static"),
    ("inet", "manual"),
    ("inet", "dhcp"),
    ("inet6", "static"),
    ("inet6", "auto"),
    ("inet6", "manual"),
]
ODD_FAMILY_METHODS = [("inet", "loopback"), ("inet", "statik"), ("INET", "static"), ("link", "none"), ("inet", "")]
# option -> (values ifupdown and the tool take, values that are wrong in some way)
VALUES = {
    "address": (["192.0.2.2/24", "192.0.2.2", "2001:db8::2/64"], ["192.0.2.300/24", "192.0.2.2/\u0662\u0664"]),
    "gateway": (["192.0.2.1", "2001:db8::1"], ["192.0.2.1 192.0.2.9"]),
    "netmask": (["255.255.255.0", "24", "64"], ["255.0.255.0"]),
    "mtu": (["1500", "9000"], ["1_500", "\u0661\u0665\u0660\u0660", "abc", "9"]),
    "dns-nameservers": (["192.0.2.53", "192.0.2.53 2001:db8::53"], ["ns1.example"]),
    "dns-search": (["example.org", "corp.example. example.org"], ["exa$mple"]),
    "bridge_ports": (["none"], ["eth1"]),
    "up": (["ip route add 198.51.100.0/24 via 192.0.2.1", "true # not a comment", "echo a  b"], ["x" * 90]),
    "post-up": (["echo up"], []),
    "pre-down": (["echo down"], []),
    "down": (["echo gone"], []),
    "hostname": (["web"], []),
    "description": (["front office"], []),
    "Address": ([], ["192.0.2.2/24"]),
    "MTU": (["1500"], []),
}
# White space between words: most files use the usual, one in six a hostile palette.
SPACES = [" "] * 8 + ["\t", "  "]
HOSTILE_SPACES = [*SPACES, "\v", "\f", "\u00a0", "\u2003", "\x1c", "\u3000"]


def _mostly(draw: st.DrawFn, common: list[str], rare: list[str]) -> str:
    """Usually one of COMMON, one time in twenty one of RARE (when there are any)."""
    if rare and (not common or draw(st.integers(0, 19)) == 19):
        return draw(st.sampled_from(rare))
    return draw(st.sampled_from(common))


@st.composite
def _words_line(draw: st.DrawFn, words: list[str], spaces: list[str], indent: bool = False) -> str:
    seps = [draw(st.sampled_from(spaces)) for _ in words[1:]]
    text = words[0] + "".join(sep + word for sep, word in zip(seps, words[1:], strict=True))
    lead = draw(st.sampled_from(["  ", "  ", "\t", "", "    "])) if indent else draw(st.sampled_from(["", "", "", " "]))
    trail = draw(st.sampled_from(["", "", "", "", " ", "\t", "\r"]))
    return lead + text + trail


@st.composite
def _iface(draw: st.DrawFn, name: str, first: str, spaces: list[str]) -> list[str]:
    family, method = draw(st.sampled_from(FAMILY_METHODS))
    if draw(st.integers(0, 24)) == 24:
        family, method = draw(st.sampled_from(ODD_FAMILY_METHODS))
    head = ["iface", name, family, method] if method else ["iface", name, family]
    if draw(st.integers(0, 24)) == 24:
        head += draw(st.sampled_from([["inherits", first], ["primary"]]))
    lines = [draw(_words_line(head, spaces))]
    if method == "static" and draw(st.integers(0, 9)) != 9:
        address = {"inet": "192.0.2.2/24", "inet6": "2001:db8::2/64"}.get(family, "192.0.2.2")
        lines.append(draw(_words_line(["address", address], spaces, indent=True)))
    for _ in range(draw(st.integers(0, 4))):
        option = draw(st.sampled_from(sorted(VALUES)))
        good, bad = VALUES[option]
        value = _mostly(draw, good, bad)
        lines.append(draw(_words_line([option, *value.split(" ")], spaces, indent=True)))
    return lines


@st.composite
def _file(draw: st.DrawFn) -> str:
    """Interfaces, each usually with its auto (or allow-hotplug) line, plus other stanzas now and then."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    spaces = HOSTILE_SPACES if draw(st.integers(0, 5)) == 5 else SPACES
    lines: list[str] = []
    if draw(st.booleans()):
        lines += ["auto lo", "iface lo inet loopback"]
    for name in names:
        word = _mostly(draw, ["auto", "auto", "allow-hotplug"], ["allow-auto", "Auto", "allow-x"])
        listed = [name] if draw(st.integers(0, 9)) != 9 else [name, _mostly(draw, NAMES, ODD_NAMES)]
        if draw(st.integers(0, 9)) != 9:
            lines.append(draw(_words_line([word, *listed], spaces)))
        lines += draw(_iface(name, names[0], spaces))
        if draw(st.integers(0, 3)) == 3:
            lines.append(
                _mostly(
                    draw,
                    ["# a comment", "   # indented", "", "source interfaces.d/*", "source /etc/network/interfaces.d/*"],
                    [
                        "#",
                        "# ends in a backslash \\",
                        "source /etc/network/extra",
                        "source extra",
                        "source extra extra",
                        "source missing",
                        "source-directory interfaces.d",
                        "source-directory /etc/network/interfaces.d",
                        "source-dir interfaces.d",
                        "mapping eth*\n  script /bin/echo\n  map eth0 wan",
                        "mapping eth*\n  mtu 1500",
                        "no-auto-down eth0",
                        "rename eth9=eth8",
                    ],
                )
            )
    return "\n".join(lines)


def _continue(text: str, cut: int) -> str:
    """Split a line of TEXT with a backslash at CUT, where a wrapped line is continued."""
    cut %= len(text) + 1
    return text[:cut] + "\\\n" + text[cut:]


MUTATIONS: list[Callable[[str, int], str]] = [
    lambda text, n: text,
    lambda text, n: text.replace("\n", "\r\n"),
    _continue,
    lambda text, n: text + "\\",
    lambda text, n: text + "\n  up " + "x" * (n % 5000),
    lambda text, n: text.replace(" ", "\u00a0", 1),
    lambda text, n: text.upper() if n % 7 == 0 else text.swapcase() if n % 7 == 1 else text.title(),
    lambda text, n: text + "\n" + " ".join(["auto", *[f"e{i}" for i in range(n % 50)]]),
    lambda text, n: text + "\niface e0 inet manual\n  " + "o" * (70 + n % 20) + " 1",
]


@st.composite
def interfaces_dirs(draw: st.DrawFn) -> dict[str, bytes]:
    """A namespace's network directory: its interfaces file and what that may source."""
    main = draw(_file())
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 0, 1, 1, 2]))):
        main = draw(st.sampled_from(MUTATIONS))(main, draw(st.integers(0, 10_000)))
    data = main.encode() + draw(st.sampled_from([b"\n", b"\n", b"", b"\n\n"]))
    if draw(st.integers(0, 29)) == 29:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xe2\x80"])) + data[at:]
    files = {"interfaces": data}
    if draw(st.booleans()):
        files["interfaces.d/front"] = draw(_file()).encode() + b"\n"
    if draw(st.booleans()):
        files["extra"] = draw(_file()).encode() + b"\n"
    if draw(st.integers(0, 5)) == 5:
        files["interfaces.d/nested"] = b"source ../extra\nsource /etc/network/interfaces.d/front\n"
    return files


@given(files=interfaces_dirs())
def test_the_tool_reads_every_file_as_ifquery_does(parity: Host, files: dict[str, bytes]) -> None:
    why = disagreement(files, event)
    if why is not None:
        case = _save(files)
        pytest.fail(f"{why}\n(saved as {case}: commit it as a fixed case once the tool agrees)")


def _corpus() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir()) if CORPUS.is_dir() else []


@pytest.mark.parametrize("case", _corpus())
def test_saved_disagreements_stay_fixed(parity: Host, case: str) -> None:
    assert disagreement(_case_files(CORPUS / case)) is None


def test_a_view_that_differs_from_ifquerys_is_caught(parity: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison itself can fail."""
    files = {"interfaces": b"auto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n  mtu 1500\n"}
    assert disagreement(files) is None
    real = _tool_view
    monkeypatch.setattr(sys.modules[__name__], "_tool_view", lambda config: (("eth0",), (), {"eth0": "mtu: 1500"}))
    assert (disagreement(files) or "").startswith("options of eth0: the tool reads\nmtu: 1500\nifupdown\naddress:")
    monkeypatch.setattr(sys.modules[__name__], "_tool_view", lambda config: ((), *real(config)[1:]))
    assert (disagreement(files) or "").startswith("auto: the tool brings up ()")
