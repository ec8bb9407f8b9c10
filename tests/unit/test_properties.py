# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: whatever the parser and planner accept, the printed script is what the executor runs.

Interfaces files are generated with names from a broad alphabet (shell metacharacters, quotes,
backslashes, unicode: all the kernel allows in a device name), odd option values and odd paths;
plans are made with hand-built facts, so no process runs but `sh`. For every accepted input:

- `sh -n` accepts `script([plan])`;
- each command line of the script reads back, by an exact inverse of Step.sh() (`parse_step`, tested
  below), as the step the executor runs: the same argv (`"$$"` being SELF_NETNS), stdin and quietness;
- sh itself, running the script's command lines with `ip`, `ifup` and `ifdown` replaced by recorders,
  passes each the argv and stdin the executor would.

A ConfigError is a rejection (fine); any other exception fails.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from netns_helper.commands import (
    PROCESS_TIMEOUT,
    SELF_NETNS,
    Action,
    Arg,
    CopyFile,
    EndProcesses,
    LinkIs,
    MakeDirs,
    OnError,
    Plan,
    RemoveFile,
    RemoveTree,
    ReplaceFile,
    Run,
    SelfNetns,
    Step,
    Symlink,
    WriteFile,
    script,
)
from netns_helper.errors import ConfigError
from netns_helper.executor import Executor
from netns_helper.facts import HOOK_DIRS, Facts, Hook, Paths
from netns_helper.interfaces import parse_text
from netns_helper.ipjson import Link
from netns_helper.names import check_ifname, check_netns_name
from netns_helper.planner import plan_start, plan_stop
from netns_helper.uplink import block_p2p_uplink
from netns_helper.values import replace
from netns_helper.xfrm import Xfrm, parse_xfrm_text
from netns_helper.xfrm_planner import Dest, plan_start_service, plan_stop_service

# --- the inverse of Step.sh() ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Op:
    """An unquoted shell operator in a command line."""

    text: str


@dataclass(frozen=True)
class _HereDoc:
    """`<<'DELIM'`: a here-document whose body (the lines up to DELIM) is read without expansion."""

    delimiter: str


PIPE, OR, TO, CLOBBER, SEMI = _Op("|"), _Op("||"), _Op(">"), _Op(">|"), _Op(";")
_HEREDOC_RE = re.compile(r"<<'([A-Z_]+)'(?= |$)")
# One word as shlex.quote writes it: safe characters bare, anything else in single quotes, a single
# quote as '"'"'. Nothing else: a `$`, `;` or `"..."` that sh would expand or split is not read.
_WORD_RE = re.compile(r"""(?:[\w@%+=:,./-]+|'[^']*'|"'")+""", re.ASCII)
_Token = str | SelfNetns | _Op | _HereDoc


def _lex(line: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while at < len(line):
        if line[at] == " ":
            at += 1
        elif line.startswith("||", at):
            tokens.append(OR)
            at += 2
        elif line.startswith("<<", at):
            heredoc = _HEREDOC_RE.match(line, at)
            if heredoc is None:
                raise ValueError(f"not a here-document Run.sh() writes: {line[at:]!r}")
            tokens.append(_HereDoc(heredoc.group(1)))
            at = heredoc.end()
        elif line.startswith(">|", at):
            tokens.append(CLOBBER)
            at += 2
        elif line[at] == ";":
            tokens.append(SEMI)
            at += 1
        elif line[at] in "|>":
            tokens.append(PIPE if line[at] == "|" else TO)
            at += 1
        elif line.startswith('"$$"', at) and line[at + 4 : at + 5] in ("", " "):
            tokens.append(SELF_NETNS)
            at += 4
        else:
            match = _WORD_RE.match(line, at)
            if match is None:
                raise ValueError(f"not a word Run.sh() writes: {line[at:]!r}")
            (word,) = shlex.split(match.group())
            tokens.append(word)
            at = match.end()
    return tokens


def _words(tokens: list[_Token]) -> tuple[Arg, ...]:
    words = tuple(t for t in tokens if not isinstance(t, _Op | _HereDoc))
    if len(words) != len(tokens):
        raise ValueError(f"unexpected operator in {tokens}")
    return words


def _texts(tokens: list[_Token]) -> tuple[str, ...]:
    words = _words(tokens)
    if any(isinstance(w, SelfNetns) for w in words):
        raise ValueError(f'"$$" where a file name or text belongs: {tokens}')
    return tuple(w for w in words if isinstance(w, str))


def parse_step(text: str) -> Step:
    """The step whose sh() is TEXT (without its undo, which the script does not show): one line, or
    a line ending in a here-document's `<<'DELIM'` (before `|| ...`), then its body and DELIM."""
    line, *body = text.split("\n")
    tokens = _lex(line)
    on_error = OnError.FAIL
    if tokens[-2:] == [OR, "rc=1"]:
        on_error, tokens = OnError.REPORT, tokens[:-2]
    elif tokens[-2:] == [OR, ":"]:
        on_error, tokens = OnError.IGNORE, tokens[:-2]
    stdin = None
    heredoc = tokens[-1] if tokens else None
    if isinstance(heredoc, _HereDoc):
        delimiter = heredoc.delimiter
        tokens = tokens[:-1]
        if not body or body[-1] != delimiter or delimiter in body[:-1]:
            raise ValueError(f"here-document not ended by its own line {delimiter!r}: {text!r}")
        stdin = "".join(f"{x}\n" for x in body[:-1])
    elif body:
        raise ValueError(f"more than one line: {text!r}")
    if tokens[:2] == ["printf", "%s\\n"] and SEMI in tokens and stdin is None:  # ... >|TMP; mv -f TMP PATH
        semi = tokens.index(SEMI)
        *lines, to, tmp = tokens[2:semi]
        if to is not CLOBBER or tokens[semi + 1 : semi + 4] != ["mv", "-f", tmp] or len(tokens) != semi + 5:
            raise ValueError(f"not a ReplaceFile: {line!r}")
        path = tokens[-1]
        if not isinstance(path, str) or tmp != f"{path}.tmp":
            raise ValueError(f"not a ReplaceFile: {line!r}")
        return Step(ReplaceFile(path, "".join(f"{x}\n" for x in _texts(lines))), on_error)
    if tokens[:5] == ["ip", "-o", "link", "show", "dev"] and tokens[6:9] == [PIPE, "grep", "-Eq"]:
        return Step(_link_is(tokens), on_error)
    if tokens[:2] == ["printf", "%s\\n"] and PIPE not in tokens and stdin is None:  # printf '%s\n' LINE... >PATH
        *lines, to, path = tokens[2:]
        if to is not TO or not isinstance(path, str):
            raise ValueError(f"not a WriteFile: {line!r}")
        return Step(WriteFile(path, "".join(f"{x}\n" for x in _texts(lines))), on_error)
    if tokens[:2] == ["printf", "%s"] and PIPE in tokens and stdin is None:  # input without a final newline
        pipe = tokens.index(PIPE)
        (stdin,) = _texts(tokens[2:pipe])
        tokens = tokens[pipe + 1 :]
    quiet = tokens[-2:] == [TO, "/dev/null"]
    if quiet:
        tokens = tokens[:-2]
    words = _words(tokens)
    if stdin is None and not quiet:
        action = _file_action(words)
        if action is not None:
            return Step(action, on_error)
    if not words:
        raise ValueError(f"no command in {line!r}")
    return Step(Run(words, stdin, quiet), on_error)


def _link_is(tokens: list[_Token]) -> LinkIs:
    """`ip -o link show dev NAME | grep -Eq -e PATTERN...`, as LinkIs.sh() writes it."""
    name, options = tokens[5], _texts(tokens[9:])
    if not isinstance(name, str) or options[::2] != ("-e",) * (len(options) // 2) or len(options) % 2:
        raise ValueError(f"not a LinkIs: {tokens}")
    patterns = list(options[1::2])
    index = re.fullmatch(r"\^([0-9]+): ", patterns[0]) if patterns else None
    if index:
        patterns.pop(0)
    macs = tuple(p[1:-5] for p in patterns if p.startswith(" ") and p.endswith("( |$)"))
    action = LinkIs(name, int(index[1]) if index else None, macs)
    if action.patterns != options[1::2]:
        raise ValueError(f"not a LinkIs: {tokens}")
    return action


def _file_action(words: tuple[Arg, ...]) -> Action | None:
    match words:
        case ("mkdir", "-p", str(path)):
            return MakeDirs(path)
        case ("rm", "-rf", str(path)):
            return RemoveTree(path)
        case ("rm", "-f", str(path)):
            return RemoveFile(path)
        case ("ln", "-s", str(target), str(path)):
            return Symlink(target, path)
        case ("cp", "--preserve=mode", str(source), str(path)):
            return CopyFile(source, path)
        case ("end_processes", str(netns), str(seconds)):
            return EndProcesses(netns, float(seconds))
    return None


_HEADER = ["#!/bin/sh", "# Generated by netns-helper --print-commands.", "set -euC", "rc=0"]


def script_steps(text: str) -> list[Step]:
    """The steps of a script() text: the command lines (with their here-documents), without header,
    comments and the helper function."""
    lines = text.split("\n")  # sh ends lines at newlines only (not at str.splitlines()'s \x1e, \u2028...)
    assert lines.pop() == "", "no final newline"
    assert lines[:4] == _HEADER and lines[-1] == 'exit "$rc"', text
    steps, in_function = [], False
    rest = iter(lines[4:-1])
    for line in rest:
        if line.startswith("end_processes() {"):
            in_function = True
        elif in_function:
            in_function = line != "}"
        elif not line.startswith("# "):
            heredocs = [t for t in _lex(line) if isinstance(t, _HereDoc)]
            body = []
            if heredocs:
                body = list(iter(rest.__next__, heredocs[-1].delimiter))
                body.append(heredocs[-1].delimiter)
            steps.append(parse_step("\n".join([line, *body])))
    return steps


def _shown(plan: Plan) -> list[Step]:
    """What of PLAN's steps the script must show: the action (not its timeout) and what a failure does."""
    return [
        Step(
            replace(step.action, timeout=PROCESS_TIMEOUT) if isinstance(step.action, Run) else step.action,
            step.on_error,
        )
        for step in plan.steps
    ]


TRICKY_STEPS = [
    Step(Run(("ip", "-n", "a-b", "link", "set", "dev", "eth0", "netns", SELF_NETNS)), OnError.REPORT),
    Step(Run(("ip", "link", "set", "dev", "$$", "netns", "x"))),  # a literal $$ is not SELF_NETNS
    Step(Run(("ip", "link", "set", "dev", "'$(reboot)`halt`", "netns", "x")), OnError.IGNORE),
    Step(Run(("ip", "link", "show", "dev", "a || :"), quiet=True)),
    Step(Run(("ip", "link", "show", "dev", ">/dev/null"))),
    Step(Run(("ip", "link", "show", "dev", "x|y", "|", "||", ">", "rc=1"))),
    Step(Run(("ip", "-n", "t", "-4", "-batch", "-"), stdin="route add 10.0.0.0/8 dev 'a\"\nrule add iif é lookup 9\n")),
    Step(Run(("ip", "netns", "exec", "t", "tee", "/proc/sys/x"), stdin="1\n", quiet=True), OnError.REPORT),
    Step(Run(("ip", "-batch", "-"), stdin="EOF\nEOF_\n'EOF'\n$(reboot) `x` \\\n\n  tab\tend \n"), OnError.IGNORE),
    Step(Run(("ifup", "", "\\", "é中😀", "a b", "-a")), OnError.IGNORE),
    Step(MakeDirs("/tmp/a b/$x/'q'")),
    Step(RemoveTree("/run/network/netns/x"), OnError.REPORT),
    Step(RemoveFile("/etc/netns/x/resolv.conf")),
    Step(Symlink("/usr/lib/a b", "/etc/netns/x/network/if-up.d/$(x)")),
    Step(CopyFile("/etc/network/if-up.d/'", "/etc/netns/x/network/if-up.d/'")),
    Step(WriteFile("/etc/netns/x/resolv.conf", "# hi; there\nnameserver 192.0.2.1\nsearch $(a) `b` 'c'\n")),
    Step(WriteFile("/dev/null", "\n")),
    Step(ReplaceFile("/run/network/netns/x/netns-helper.json", '{"a": "b c", "d": ["$(x)"]}\n')),
    Step(ReplaceFile("/tmp/a b/'; mv -f x", "one\ntwo\n")),
    Step(LinkIs("eth0", 5, ("02:00:00:00:00:01", "52:54:00:12:34:56"))),
    Step(LinkIs("a b", None, ("02:00:00:00:00:01",))),
    Step(LinkIs("é", 7, ())),
    Step(EndProcesses("x.y_z-1"), OnError.REPORT),
]


# Input without a final newline: not from any builder, and sh's `read` in the recorders below would
# lose its last line, so only parse_step reads it back.
UNTERMINATED_STDIN = [Step(Run(("ip", "-batch", "-"), stdin="link show dev lo")), Step(Run(("ip", "x"), stdin=""))]


@pytest.mark.parametrize("step", TRICKY_STEPS + UNTERMINATED_STDIN, ids=lambda s: s.sh())
def test_parse_step_inverts_step_sh(step: Step) -> None:
    assert parse_step(step.sh()) == step


@pytest.mark.parametrize(
    "line",
    [
        "ip link set dev $x up",  # sh would expand it
        'ip link set dev "$x" up',
        "ip link set dev x; reboot",
        "ip link set dev `reboot`",
        "ip link set dev 'x",  # unterminated
        "ip link set dev x || reboot",
        "printf '%s\\n' a >\"$$\"",
        "ip -batch - <<'EOF'\nroute add 10.0.0.0/8 dev x",  # no end
        "ip -batch - <<EOF\nroute add $x\nEOF",  # sh would expand it
        "ip -batch - <<'EOF'\nEOF\nEOF",
        "ip link show\nip link show",
        "|| :",
    ],
)
def test_parse_step_refuses_what_step_sh_never_writes(line: str) -> None:
    with pytest.raises(ValueError):
        parse_step(line)


def test_a_literal_dollar_dollar_is_not_our_namespace() -> None:
    assert parse_step("ip link set dev '$$' netns \"$$\"").action == Run(
        ("ip", "link", "set", "dev", "$$", "netns", SELF_NETNS)
    )


def test_script_steps_reads_a_whole_script() -> None:
    plan = Plan("t", tuple(TRICKY_STEPS), ("a note",))
    assert script_steps(script([plan])) == [Step(s.action, s.on_error) for s in TRICKY_STEPS]


# --- strategies --------------------------------------------------------------------------------------

# Drawn from what the name rules accept (names.check_ifname): shell metacharacters and unicode, all
# the kernel allows in a device name but '#', quotes, backslashes and a leading '-', which ip -batch
# or ifup would read as syntax. Examples outside it would only be refused: see the tests below.
_NAME_CHARS = list("abcxyz019-_.$`|&;<>()*?[]{}~!=%^,+@") + list("éßø中Д😀")
REFUSED_NAME_CHARS = "/: \t\n\r#\"'\\\x00\x01\x1f\x7f"
IFNAMES = st.text(st.sampled_from(_NAME_CHARS), min_size=1, max_size=10).filter(
    lambda s: len(s.encode()) <= 15 and s not in (".", "..") and not s.startswith("-")
)
# Parents of VLANs and bridges of ports: short enough for PARENT.VID and BRIDGE..ID to fit in 15 bytes.
SHORT_IFNAMES = IFNAMES.filter(lambda s: len(s.encode()) <= 9 and "." not in s)
_NETNS_CHARS = list("abxyz019_.-")
NETNS_NAMES = st.text(st.sampled_from(_NETNS_CHARS), min_size=1, max_size=12).filter(
    lambda s: s not in (".", "..") and not s.startswith("-")
)
# Option values: quotes, $, backslashes, unicode (also its line and paragraph separators), no newline.
VALUES = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x00"), min_size=1, max_size=24)
ROOTS = st.one_of(
    st.just(""),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00\n/"), max_size=10).map(lambda s: f"/tmp/{s}"),
)
DNS_KEYS = st.sampled_from(["dns-nameservers", "dns-nameserver", "dns-search"])
OTHER_KEYS = st.sampled_from(["mtu", "up", "post-up", "pre-down", "hwaddress", "metric", "description"])


@pytest.mark.parametrize("char", REFUSED_NAME_CHARS)
def test_refused_name_characters_are_refused(char: str) -> None:
    for name in (f"{char}eth", f"et{char}h", f"eth{char}"):
        with pytest.raises(ConfigError):
            check_ifname(name)


def test_the_strategies_draw_only_accepted_names() -> None:
    assert not set(_NAME_CHARS) & set(REFUSED_NAME_CHARS)
    for char in _NAME_CHARS:
        assert check_ifname(f"a{char}") == f"a{char}"
    with pytest.raises(ConfigError):
        check_ifname("-eth")
    assert check_netns_name("".join(_NETNS_CHARS)) == "".join(_NETNS_CHARS)


@dataclass
class _Builder:
    """A namespace's interfaces file, the host's, and the host's links, made together."""

    lines: list[str]
    host_lines: list[str]
    host_links: dict[str, Link]
    pool: Iterator[str]


@st.composite
def _options(draw: st.DrawFn) -> list[str]:
    keys = draw(st.lists(st.one_of(DNS_KEYS, OTHER_KEYS), max_size=3))
    return [f"  {key} {draw(VALUES)}" for key in keys]


def _stanza(b: _Builder, draw: st.DrawFn, kind: str) -> None:
    name = next(b.pool)
    address = draw(st.ip_addresses(v=4))
    body = [f"iface {name} inet static", f"  address {address}/{draw(st.integers(8, 32))}", *draw(_options())]
    if kind == "nic":
        b.host_links[name] = Link(name)
        b.lines += [f"auto {name}", *body]
    elif kind == "vlan":  # PARENT.VID of a host NIC
        parent = draw(SHORT_IFNAMES)
        b.host_links[parent] = Link(parent)
        vlan = f"{parent}.{draw(st.integers(0, 4100))}"
        b.lines += [f"auto {vlan}", f"iface {vlan} inet manual", *draw(_options())]
    elif kind == "vlan-raw-device":
        b.host_links[name] = Link(name)
        vlan = f"vlan{draw(st.integers(1, 4100))}"
        b.lines += [f"auto {vlan}", f"iface {vlan} inet manual", f"  vlan-raw-device {name}"]
    elif kind == "bond":
        members = [next(b.pool), next(b.pool)]
        b.host_links.update({m: Link(m) for m in members})
        b.lines += [f"auto {name}", *body, f"  bond-slaves {' '.join(members)}", "  bond-mode active-backup"]
    elif kind == "bridge-port":  # BRIDGE..ID: a veth whose host end joins a host bridge
        bridge = draw(SHORT_IFNAMES.filter(lambda s: len(s.encode()) <= 8))
        b.host_links[bridge] = Link(bridge, "bridge")
        port = f"{bridge}..{draw(st.text(st.sampled_from(list('ab01_-')), min_size=1, max_size=3))}"
        b.lines += [f"auto {port}", f"iface {port} inet manual"]
    elif kind == "hotplug":
        if draw(st.booleans()):
            b.host_links[name] = Link(name)
        b.lines += [f"allow-hotplug {name}", f"iface {name} inet dhcp"]
    elif kind == "made-inside":
        b.lines += [f"auto {name}", f"iface {name} inet manual", f"  pre-up ip link add {name} type dummy"]
    elif kind == "link-netns":
        ns_end = next(b.pool)
        stanza = [f"iface {name} inet manual"] if draw(st.booleans()) else []
        b.host_lines += [f"link-netns NETNS {name} {ns_end}", *stanza]
        b.lines += [f"auto {ns_end}", f"iface {ns_end} inet manual", *draw(_options())]


KINDS = ["nic", "vlan", "vlan-raw-device", "bond", "bridge-port", "hotplug", "made-inside", "link-netns"]


@dataclass(frozen=True)
class Setup:
    netns: str
    text: str
    host_text: str
    paths: Paths
    facts: Facts


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    netns = draw(NETNS_NAMES)
    names = draw(st.lists(IFNAMES, min_size=12, max_size=12, unique=True).filter(lambda ns: "lo" not in ns))
    b = _Builder(["auto lo", "iface lo inet loopback"], ["auto lo", "iface lo inet loopback"], {}, iter(names))
    b.host_links["lo"] = Link("lo")
    for kind in draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4)):
        _stanza(b, draw, kind)
    root = draw(ROOTS)
    paths = Paths(etc=f"{root}/etc", run=f"{root}/run")
    hooks = tuple(
        Hook(d, n, f"{paths.host_network}/{d}/{n}", draw(st.one_of(st.none(), ROOTS.map(lambda r: f"{r}/hook"))))
        for d, n in draw(st.lists(st.tuples(st.sampled_from(HOOK_DIRS), IFNAMES), max_size=3, unique=True))
    )
    facts = Facts(host_links=b.host_links, host_hooks=hooks, resolv_conf_exists=draw(st.booleans()))
    host_text = "\n".join(b.host_lines).replace("NETNS", netns) + "\n"
    return Setup(netns, "\n".join(b.lines) + "\n", host_text, paths, facts)


def _running(setup: Setup, plan: Plan) -> Facts:
    """Facts of SETUP's namespace after PLAN started it: what it moved and made is inside."""
    ns_links: dict[str, Link] = {"lo": Link("lo")}
    host_links = dict(setup.facts.host_links)
    for step in plan.steps:
        match step.action:
            case Run(("ip", "link", "set", "dev", str(dev), "netns", _)):
                ns_links[dev] = host_links.pop(dev, Link(dev))
            case Run(("ip", "link", "add", "link", str(parent), "name", str(name), *_)):
                ns_links[name] = Link(name, "vlan", parent, parent_elsewhere=True)
            case Run(("ip", "link", "add", "name", str(host_end), "type", "veth", "peer", "name", str(ns_end), *_)):
                host_links[host_end] = Link(host_end, "veth", ns_end, parent_elsewhere=True)
                ns_links[ns_end] = Link(ns_end, "veth", host_end, parent_elsewhere=True)
    return Facts(frozenset({setup.netns}), host_links, ns_links, state_dir_exists=True)


def _plans(setup: Setup) -> list[Plan]:
    """Start, start over a stale namespace, and stop of SETUP; [] when it is refused."""
    try:
        config = parse_text(setup.text, setup.paths.netns_interfaces(setup.netns))
        host = parse_text(setup.host_text, f"{setup.paths.host_network}/interfaces")
        start = plan_start(setup.netns, config, setup.facts, setup.paths, host)
        running = _running(setup, start)
        stale = plan_start(setup.netns, config, running, setup.paths, host)
        stop = plan_stop(setup.netns, config, running, setup.paths, host)
    except ConfigError:
        return []
    return [start, stale, stop]


# --- the xfrm file ------------------------------------------------------------------------------------

PREFIXES = st.one_of(
    st.builds(lambda a, n: ipaddress.ip_network(f"{a}/{n}", strict=False), st.ip_addresses(v=4), st.integers(8, 32)),
    st.builds(lambda a, n: ipaddress.ip_network(f"{a}/{n}", strict=False), st.ip_addresses(v=6), st.integers(16, 128)),
)


@dataclass(frozen=True)
class XfrmSetup:
    service: str
    xfrm: str
    uplinks: dict[str, str]  # destination: the interface that carries its default route
    running: bool
    users: bool


@st.composite
def xfrm_setups(draw: st.DrawFn) -> XfrmSetup:
    service, *dests = draw(st.lists(NETNS_NAMES, min_size=2, max_size=3, unique=True))
    names = draw(st.lists(IFNAMES, min_size=4, max_size=4, unique=True).filter(lambda ns: "lo" not in ns))
    sections = []
    for i, name in enumerate(names[: draw(st.integers(1, 3))]):
        prefixes = draw(st.lists(PREFIXES, min_size=1, max_size=3, unique=True))
        block = draw(st.booleans())
        lines = [
            f"[{name}]",
            f"IfId={draw(st.sampled_from([str(i + 1), hex(0xFFFFFFF0 + i)]))}",
            f"DestNetNS={draw(st.sampled_from(dests))}",
            f"Prefixes={', '.join(map(str, prefixes))}",
            f"BlockP2P={'true' if block else 'false'}",
        ]
        if draw(st.booleans()):
            lines.append(f"UnderlayDev={names[3]}")
        if draw(st.booleans()):
            lines.append(f"MTU={draw(st.integers(1280, 9000))}")
        if block and draw(st.booleans()):
            lines.append(f"Table={draw(st.integers(256, 2**32 - 1))}")
        sections.append("\n".join(lines))
    uplinks = dict(zip(dests, draw(st.lists(IFNAMES, min_size=2, max_size=2, unique=True)), strict=False))
    return XfrmSetup(service, "\n\n".join(sections) + "\n", uplinks, draw(st.booleans()), draw(st.booleans()))


def _xfrm_plans(setup: XfrmSetup) -> list[Plan]:
    """Start and stop of SETUP's service; [] when it is refused."""
    paths = Paths()
    running = frozenset(setup.uplinks) if setup.running else frozenset()
    users = frozenset({"other"}) if setup.users else frozenset()

    def dests(items: tuple[Xfrm, ...], started: bool) -> list[Dest]:
        """The destinations before the start, or once it made their XFRM interfaces (STARTED)."""
        out = []
        for dest, uplink in setup.uplinks.items():
            text = f"auto {uplink}\niface {uplink} inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1\n"
            config = parse_text(text, paths.netns_interfaces(dest))
            mine = tuple(i for i in items if i.dest_netns == dest)
            ns_links = {i.name: Link(i.name, "xfrm") for i in mine} if started else {}
            facts = Facts(running | ({dest} if started else set()), ns_links={"lo": Link("lo"), **ns_links})
            out.append(Dest(dest, config, facts, mine, block_p2p_uplink(mine, config), users))
        return out

    try:
        items = parse_xfrm_text(setup.xfrm, setup.service)
        config = parse_text("auto lo\niface lo inet loopback\n", paths.netns_interfaces(setup.service))
        host = {name: Link(name) for name in ("lo", *setup.uplinks.values())}
        start = plan_start_service(setup.service, config, Facts(host_links=host), paths, None, dests(items, False))
        stop = plan_stop_service(
            setup.service, config, Facts(frozenset({setup.service})), paths, None, dests(items, True)
        )
    except ConfigError:
        return []
    return [start, stop]


# --- the properties ------------------------------------------------------------------------------------

# sh runs the Run lines with recorders, shell builtins only: each call appends to $LOG, NUL-terminated, its
# number of words, its words, `L` and each line of its stdin, and `E`.
_RECORDERS = r"""rec() {
	printf '%s\0' "$#" "$@" >>"$LOG"
	while IFS= read -r line; do printf 'L%s\0' "$line"; done >>"$LOG"
	printf 'E\0' >>"$LOG"
}
ip() { rec ip "$@"; }
ifup() { rec ifup "$@"; }
ifdown() { rec ifdown "$@"; }
printf '%s' "$$" >"$LOG.pid"
"""


def _sh_runs(plans: list[Plan]) -> tuple[str, list[tuple[list[str], str]]]:
    """sh's PID and what it passed to ip, ifup and ifdown for the Run steps of PLANS, as the script writes them."""
    lines = [step.sh() for plan in plans for step in plan.steps if isinstance(step.action, Run)]
    with tempfile.TemporaryDirectory() as tmp:
        log = f"{tmp}/log"
        env = {"LOG": log, "PATH": os.environ["PATH"]}
        subprocess.run(["/bin/sh", "-c", _RECORDERS + "\n".join(lines)], env=env, stdin=subprocess.DEVNULL, check=True)
        with open(f"{log}.pid") as f:
            pid = f.read()
        with open(log, "rb") as f:
            words = iter(f.read().decode().split("\0"))
    calls = []
    for count in words:
        if not count:
            break  # the empty string after the last NUL
        argv = [next(words) for _ in range(int(count))]
        stdin = "".join(f"{word[1:]}\n" for word in iter(words.__next__, "E"))
        calls.append((argv, stdin))
    return pid, calls


def _check_script(plans: list[Plan]) -> None:
    text = script(plans)
    subprocess.run(["/bin/sh", "-n"], input=text, text=True, check=True)
    assert script_steps(text) == [step for plan in plans for step in _shown(plan)]
    pid, calls = _sh_runs(plans)
    runs = [step.action for plan in plans for step in plan.steps if isinstance(step.action, Run)]
    expected = []
    for run in runs:
        # What the executor runs, with sh's PID where the executor puts its own for SELF_NETNS.
        argv = Executor()._argv(run.argv)
        expected.append(
            ([pid if isinstance(a, SelfNetns) else b for a, b in zip(run.argv, argv, strict=True)], run.stdin or "")
        )
    assert calls == expected


HOSTILE = Setup(
    "x-1.y_",
    "auto lo\niface lo inet loopback\nauto $(reboot) ;halt` q|&<>\nallow-hotplug é中\n"
    "iface $(reboot) inet static\n  address 192.0.2.2/24\n  dns-nameservers 192.0.2.53 $(x) 'y' \\\n"
    "  dns-search a;b `c` 😀\n",
    "auto lo\niface lo inet loopback\nlink-netns x-1.y_ a- |b\niface a- inet manual\n",
    Paths(etc="/tmp/a b/$(x)/etc", run="/tmp/'/run"),
    Facts(
        host_links={n: Link(n) for n in ("lo", "$(reboot)", ";halt`", "q|&<>", "é中")},
        host_hooks=(Hook("if-up.d", "$x y", "/tmp/a b/$(x)/etc/network/if-up.d/$x y", None),),
    ),
)


@given(setups())
@example(HOSTILE)
@pytest.mark.real_processes
def test_scripts_of_accepted_namespaces_are_what_the_executor_runs(setup: Setup) -> None:
    plans = _plans(setup)
    assume(plans)  # refused with a ConfigError: fine
    _check_script(plans)


def test_the_hostile_example_is_accepted() -> None:
    """The hand-written worst case is not silently skipped as refused."""
    plans = _plans(HOSTILE)
    assert len(plans) == 3
    assert Run(("ip", "link", "set", "dev", ";halt`", "netns", "x-1.y_")) in [s.action for s in plans[0].steps]


@given(xfrm_setups())
@pytest.mark.real_processes
def test_scripts_of_accepted_xfrm_files_are_what_the_executor_runs(setup: XfrmSetup) -> None:
    plans = _xfrm_plans(setup)
    assume(plans)
    _check_script(plans)


# --- the other language: ip -batch input --------------------------------------------------------------


def ip_batch_commands(stdin: str) -> list[list[str]]:
    """How iproute2's batch mode reads STDIN: lib/utils.c getcmdline() (a `#` starts a comment, a `\\`
    at the end of a line continues it) and makeargs() (white space separates words; a word that
    starts with a quote runs to the next such quote)."""
    commands: list[list[str]] = []
    pending = ""
    for raw in stdin.split("\n"):  # getline(): lines end at newlines only
        line = pending + raw.split("#", 1)[0]
        if line.endswith("\\") and "#" not in raw:
            pending = line[:-1]
            continue
        pending, words, at = "", [], 0
        while True:
            while at < len(line) and line[at] in " \t\r\n":
                at += 1
            if at == len(line):
                break
            if line[at] in "'\"":
                end = line.find(line[at], at + 1)
                if end < 0:
                    raise ValueError("Unterminated quoted string")
                words.append(line[at + 1 : end])
                at = end + 1
            else:
                end = at
                while end < len(line) and line[end] not in " \t\r\n":
                    end += 1
                words.append(line[at:end])
                at = end
        if words:
            commands.append(words)
    return commands


@pytest.mark.parametrize(
    ("stdin", "commands"),
    [
        ("route add 10.0.0.0/8 dev ipsec0\n", [["route", "add", "10.0.0.0/8", "dev", "ipsec0"]]),
        ("link show dev lo#garbage\n", [["link", "show", "dev", "lo"]]),
        ("a 'b c' \"d\"e\n", [["a", "b c", "d", "e"]]),
        ("link show dev l\\\no\n# all comment\n", [["link", "show", "dev", "lo"]]),
    ],
)
def test_ip_batch_commands_reads_as_iproute2_does(stdin: str, commands: list[list[str]]) -> None:
    assert ip_batch_commands(stdin) == commands


def test_ip_batch_commands_refuses_an_unterminated_quote() -> None:
    with pytest.raises(ValueError, match="Unterminated quoted string"):
        ip_batch_commands("route add 10.0.0.0/8 dev 'x\n")


def _batch_words_kept(plans: list[Plan]) -> None:
    for plan in plans:
        for step in plan.steps:
            if isinstance(step.action, Run) and "-batch" in step.action.argv:
                stdin = step.action.stdin or ""
                written = [line.split() for line in stdin.split("\n") if line.split()]
                assert ip_batch_commands(stdin) == written, stdin


@given(xfrm_setups())
@example(
    XfrmSetup("vpn", "[ipsec#1]\nIfId=1\nDestNetNS=tunnel\nPrefixes=10.0.0.0/8\n", {"tunnel": "eth0"}, False, False)
)
def test_ip_batch_input_reads_back_as_the_words_written(setup: XfrmSetup) -> None:
    plans = _xfrm_plans(setup)
    assume(plans)
    _batch_words_kept(plans)


def test_batch_words_kept_passes_plain_names() -> None:
    plans = _xfrm_plans(
        XfrmSetup("vpn", "[ipsec0]\nIfId=1\nDestNetNS=tunnel\nPrefixes=10.0.0.0/8\n", {"tunnel": "eth0"}, False, False)
    )
    assert plans
    _batch_words_kept(plans)


@pytest.mark.real_processes
def test_check_script_passes_the_tricky_steps() -> None:
    _check_script([Plan("tricky", tuple(TRICKY_STEPS))])


class _Unquoted(Run):
    """A Run whose sh() forgets quoting: what the checks are there to catch."""

    def sh(self) -> str:
        return " ".join("$$" if isinstance(a, SelfNetns) else a for a in self.argv)


@pytest.mark.parametrize(
    "argv",
    [("ip", "link", "set", "dev", "a b", "up"), ("ip", "link", "set", "dev", "$x", "up"), ("ip", "netns", SELF_NETNS)],
)
@pytest.mark.real_processes
def test_check_script_catches_a_script_that_is_not_what_runs(argv: tuple[Arg, ...]) -> None:
    with pytest.raises((AssertionError, ValueError)):
        _check_script([Plan("broken", (Step(_Unquoted(argv)),))])
