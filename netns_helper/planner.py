# SPDX-License-Identifier: GPL-3.0-or-later
"""Turns parsed configuration plus read-only facts into ordered plans. Pure: runs nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping

from . import dhcp, iproute, record
from .commands import (
    Action,
    CopyFile,
    EndProcesses,
    LinkIs,
    MakeDirs,
    OnError,
    Plan,
    RemoveFile,
    RemoveTree,
    Step,
    Symlink,
    WriteFile,
    joined,
)
from .errors import ERROR, WARNING, ConfigError, Loc, Problem, raise_first_error
from .facts import HOOK_DIRS, MIRRORS, Entry, Facts, Paths
from .interfaces import Iface, Interfaces
from .ipjson import Link
from .links import Veth, host_problems, veths
from .names import ascii_digits, split_vlan
from .values import field, replace, value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .inside import Inside
    from .wireguard import WireGuard

# Options that make ifupdown create the interface itself, inside the namespace.
_CREATING_KEYS = frozenset(
    {"bond-slaves", "bond-mode", "bridge-ports", "vlan-raw-device", "link-type", "pre-up", "ovs-type"}
)
_CREATING_METHODS = frozenset({"tunnel", "ppp", "wvdial", "6to4"})
_MEMBER_KEYS = ("bond-slaves", "bridge-ports")


@value
class Vlan:
    """A VLAN `start` creates on a host parent, directly inside the namespace."""

    name: str
    parent: str
    vid: int
    loc: Loc


@value
class Layout:
    """What `start` brings into the namespace before ifupdown runs there."""

    moves: tuple[str, ...]  # host devices moved in
    vlans: tuple[Vlan, ...]  # VLANs of host parents, created inside
    hotplug: tuple[str, ...]  # allow-hotplug interfaces present, brought up after `ifup -a`
    problems: tuple[Problem, ...] = ()  # what the live host says against this configuration
    # The host's links this layout was decided on (after a stale namespace's stop): start records them.
    links: Mapping[str, Link] = field(default_factory=dict, compare=False)


def _members(config: Interfaces) -> dict[str, Loc]:
    """Bond slaves and bridge ports of the interfaces the file brings up."""
    members: dict[str, Loc] = {}
    for name in config.brought_up():
        for iface in config.iface(name):
            for key in _MEMBER_KEYS:
                for opt in iface.values(key):
                    for member in opt.value.split():
                        if member == "none":
                            continue
                        if member == "all":
                            raise ConfigError(
                                f"`{opt.name} all` would take every host NIC into the namespace",
                                opt.loc,
                                hint="list the member interfaces by name",
                            )
                        members.setdefault(member, opt.loc)
    return members


def claimed(config: Interfaces) -> dict[str, Loc]:
    """Interfaces the namespace's file brings up (auto, allow-hotplug) and their bond/bridge members."""
    wanted = config.brought_up()
    for name, loc in _members(config).items():
        wanted.setdefault(name, loc)
    return wanted


def made_inside(name: str, config: Interfaces) -> bool:
    """Whether ifupdown, not a move, puts NAME into the namespace (by its config alone)."""
    ifaces = config.iface(name)
    return (
        name == "lo"
        or ":" in name
        or split_vlan(name) is not None
        or _creates_itself(ifaces)
        or (_vlan_name_id(name) is not None and any(i.values("vlan-raw-device") for i in ifaces))
    )


def _vlan_name_id(name: str) -> int | None:
    """VID of a `vlanVID` name (the `vlan-raw-device` style); None for any other name."""
    return int(name[4:]) if name.startswith("vlan") and ascii_digits(name[4:]) else None


def vlan_of(name: str, ifaces: tuple[Iface, ...], loc: Loc) -> tuple[str, int] | None:
    """(parent, VLAN id) when NAME is a VLAN: `PARENT.VID`, or `vlanVID` with `vlan-raw-device`."""
    raw = [opt for iface in ifaces for opt in iface.values("vlan-raw-device")]
    named_id = _vlan_name_id(name)
    if raw and named_id is not None:
        parent, vid = raw[0].value, named_id
    else:
        split = split_vlan(name)
        if split is None:
            return None
        parent, vid = split
    if not 1 <= vid <= 4094:
        raise ConfigError(f"VLAN id {vid} of {name!r} is outside 1..4094", loc)
    return parent, vid


def _creates_itself(ifaces: tuple[Iface, ...]) -> bool:
    return any(
        iface.method in _CREATING_METHODS or any(opt.key in _CREATING_KEYS for opt in iface.options) for iface in ifaces
    )


def layout(config: Interfaces, host_links: Mapping[str, Link], veth_ends: frozenset[str] = frozenset()) -> Layout:
    """Decide, for each interface the file brings up, where it comes from (VETH_ENDS: start creates them).

    What cannot be decided is a located problem of the result: an interface of `auto` that is not
    here is an error, one of `allow-hotplug` only a warning (it is brought up when it comes).
    """
    wanted = claimed(config)
    auto = {name for name, _ in config.allowed("auto")}
    hotplug_only = {name for name, _ in config.allowed("hotplug")} - auto - set(_members(config))
    moves: list[str] = []
    vlans: list[Vlan] = []
    hotplug: list[str] = []
    problems: list[Problem] = []
    for name, loc in wanted.items():
        if name == "lo" or ":" in name or name in veth_ends:
            continue
        ifaces = config.iface(name)
        try:
            vlan = vlan_of(name, ifaces, loc)
        except ConfigError as e:
            problems.append(Problem.of(e))
            continue
        if name in host_links:
            moves.append(name)
        elif vlan is not None and vlan[0] not in wanted:
            parent, vid = vlan
            if parent not in host_links:
                msg = f"VLAN {name!r}: parent interface {parent!r} does not exist on this host"
                problems.append(Problem.at(ERROR, msg, loc))
                continue
            vlans.append(Vlan(name, parent, vid, loc))
        elif vlan is not None or _creates_itself(ifaces):
            continue  # ifupdown creates it inside the namespace
        elif name in hotplug_only:
            msg = f"allow-hotplug interface {name!r} is not on this host now; not moved"
            problems.append(Problem.at(WARNING, msg, loc))
            continue
        else:
            problems.append(
                Problem.at(
                    ERROR,
                    f"interface {name!r} does not exist on this host",
                    loc,
                    hint="name a NIC that `ip link` shows, a VLAN PARENT.VID of one, or a bond/bridge stanza",
                )
            )
            continue
        if name in hotplug_only:
            hotplug.append(name)
    return Layout(tuple(moves), tuple(vlans), tuple(hotplug), tuple(problems))


def start_layout(
    config: Interfaces,
    host_links: Mapping[str, Link],
    stale_links: Mapping[str, Link] | None,
    pairs: tuple[Veth, ...],
    made: frozenset[str] = frozenset(),
    stale_record: record.Record | None = None,
) -> Layout:
    """The layout start decides on these facts, with every problem the live host raises against it.

    A stale namespace of that name (its STALE_LINKS, and STALE_RECORD of what its start did) is
    stopped first: the links it gives back come to the host under their own names, and the host
    ends of its veth pairs go with it. MADE: interfaces start creates and moves in itself
    (WireGuard's), never looked for on the host.
    """
    links = dict(host_links)
    if stale_links is not None:
        given = _given_back(config, stale_links, stale_record, {p.ns_end for p in pairs})
        links.update({name: replace(link, name=name) for name, link, _ in given})
        gone = [p.host_end for p in pairs] + ([v.host_end for v in stale_record.veths] if stale_record else [])
        for host_end in gone:
            links.pop(host_end, None)  # deleted with the stale namespace
    lay = layout(config, links, frozenset(p.ns_end for p in pairs) | made)
    return Layout(lay.moves, lay.vlans, lay.hotplug, (*host_problems(pairs, links), *lay.problems), links)


def resolv_conf(netns: str, config: Interfaces) -> str:
    """A resolv.conf from the namespace's dns-* options; a comment-only file without them."""
    lines = [f"# Written by netns-helper for namespace {netns}; edit freely, it is never overwritten."]
    seen: set[str] = set()
    for iface in config.ifaces:
        for opt in iface.values("dns-nameservers") + iface.values("dns-nameserver"):
            for server in opt.value.split():
                if server not in seen:
                    seen.add(server)
                    lines.append(f"nameserver {server}")
    search = [word for iface in config.ifaces for opt in iface.values("dns-search") for word in opt.value.split()]
    if search:
        lines.append("search " + " ".join(dict.fromkeys(search)))
    return "\n".join(lines) + "\n"


# Hooks that hand an interface's DNS to the host's resolver (ifupdown's own `resolved`, resolvconf's):
# run inside a namespace they would change the host's DNS, for the host's interface of that ifindex.
# The namespace's DNS is its /etc/netns/NAME/resolv.conf. Never mirrored.
HOST_RESOLVER_HOOKS = frozenset({"resolved", "000resolvconf", "resolvconf"})


def _hook_steps(netns: str, facts: Facts, paths: Paths) -> list[Step]:
    """Hook directories ifupdown needs, and the host's hooks (vlan, bridge, bonding...) mirrored in.

    `ip netns exec` binds /etc/netns/NAME/network over /etc/network, which hides the host's
    hook directories: a hook there is mirrored by a copy (never another name of the host's
    file, which an edit of the copy would change), one elsewhere by a symlink. The record of
    what start made (facts.MIRRORS) tells its own mirrors from the admin's entries: a mirror is
    refreshed when the host's hook changes and removed when it goes (a removed package's hook
    must not break every start); an entry that is not a mirror as made stays as it is.
    """
    base = f"{paths.netns_etc(netns)}/network"
    steps = [Step(MakeDirs(f"{base}/{d}")) for d in HOOK_DIRS]
    record: dict[str, str] = {}
    # The host resolver's hooks are never mirrored (they would configure the host's resolver); a
    # mirror of one that an earlier version made goes as a hook that is gone.
    mirrored = [hook for hook in facts.host_hooks if hook.name not in HOST_RESOLVER_HOOKS]
    for hook in mirrored:
        key = f"{hook.directory}/{hook.name}"
        path = f"{base}/{key}"
        source = hook.target or hook.path
        copy = source.startswith(paths.host_network + "/")
        wanted = f"file {hook.fingerprint}" if copy else f"link {source}"
        entry = facts.ns_hook_entries.get(key)
        stale = entry is not None and (entry.kind != wanted or entry.host_inode)
        if entry is not None and stale:
            if not _own_mirror(entry, facts.mirrors.get(key)):
                continue  # the admin's own entry for this namespace wins
            steps.append(Step(RemoveFile(path)))
        if entry is None or stale:
            steps.append(Step(CopyFile(source, path) if copy else Symlink(source, path)))
        record[key] = wanted
    hooks = {f"{hook.directory}/{hook.name}" for hook in mirrored}
    for key, entry in sorted(facts.ns_hook_entries.items()):
        if key not in hooks and _own_mirror(entry, facts.mirrors.get(key)):
            steps.append(Step(RemoveFile(f"{base}/{key}")))  # its host hook is gone
    if record != facts.mirrors:
        # Lost between the two steps, the record is rebuilt by the next start from the mirrors as they are.
        manifest = f"{base}/{MIRRORS}"
        text = json.dumps(record, indent=0, sort_keys=True) + "\n"
        steps += [Step(RemoveFile(manifest)), Step(WriteFile(manifest, text))]
    return steps


def _own_mirror(entry: Entry, recorded: str | None) -> bool:
    """Whether start may replace or remove ENTRY: a mirror as it made it, or one no hook can run."""
    return entry.kind == recorded or entry.host_inode or entry.dangling


def plan_start(
    netns: str,
    config: Interfaces,
    facts: Facts,
    paths: Paths,
    host_config: Interfaces | None = None,
    wireguard: tuple[WireGuard, ...] = (),
    inside: Inside | None = None,
    dests: tuple[str, ...] = (),
    for_service: str | None = None,
) -> Plan:
    """The plan for `start NETNS`; a stale namespace of that name is torn down first.

    HOST_CONFIG is the host's /etc/network/interfaces, for its `link-netns` stanzas; WIREGUARD
    the namespace's WireGuard interfaces (start creates them in their birth namespaces); INSIDE
    the namespace's own ruleset and sysctls; DESTS the destination namespaces this start brings
    up, FOR_SERVICE the IPsec service that brings NETNS up as its destination (both for the record).
    """
    state = paths.state_dir(netns)
    if finished(netns, facts):
        note = f"namespace {netns} is running and its start finished: nothing to do (stop it first to rebuild it)"
        rec = facts.record
        if rec is not None and rec.for_service is not None and for_service is None:
            # Started now on its own: it no longer goes with the service that brought it up.
            note += f"; it now runs on its own, not only as {rec.for_service}'s destination"
            adopted = replace(rec, for_service=None, invocation=facts.invocation)
            return Plan(f"start {netns}", (Step(record.write(state, adopted)),), (note,))
        return Plan(f"start {netns}", (), (note,))
    pairs = veths(netns, config, host_config)
    stale = Plan(f"start {netns}", ())
    running = netns in facts.namespaces
    if running:
        stale = plan_stop(netns, config, facts, paths, host_config)
        stale = Plan(
            stale.title, stale.steps, (f"namespace {netns} exists already (stale?): stopping it first", *stale.notes)
        )
    else:
        stale = _not_running_leftovers(netns, facts, paths, OnError.FAIL)
    made = frozenset(wg.name for wg in wireguard)
    stale_links = facts.ns_links if running else None
    lay = start_layout(config, facts.host_links, stale_links, pairs, made, facts.record)
    raise_first_error(lay.problems)  # start's rule set (rules.py) has refused them already
    ifaces = dhcp.dhcp_interfaces(config)
    binds = dhcp.binds(paths, netns, facts.dhcp_clients, ifaces, facts.resolv_conf_target) if ifaces else ()
    ifdown = iproute.ifupdown(netns, state, "ifdown", "-a", "--force", binds=binds)
    ifup_undo: tuple[Action, ...] = (ifdown, EndProcesses(netns))
    firewall: list[Step] = []
    sysctls: list[Step] = []
    if inside:
        from .inside import firewall_steps, sysctl_steps

        firewall, sysctls = firewall_steps(netns, inside), sysctl_steps(netns, inside)
    rec = record.Record(
        netns,
        complete=False,
        moved=tuple(record.Moved.of(lay.links[dev]) for dev in lay.moves),
        created=tuple(vlan.name for vlan in lay.vlans),
        veths=tuple(record.Veth(p.host_end, p.ns_end, p.host_stanza) for p in pairs),
        dests=dests,
        for_service=for_service,
        invocation=facts.invocation,
    )
    steps = [
        # The record first, with all that this start will take and create: a crash at any later
        # step leaves a record that covers what was done.
        Step(MakeDirs(state), undo=(RemoveTree(state),)),
        Step(record.write(state, rec)),
        Step(iproute.netns_add(netns), undo=(iproute.netns_delete(netns),)),
        *firewall,  # fail closed: before any interface is in, or up
        Step(iproute.link_up(netns, "lo")),
        *_hook_steps(netns, facts, paths),
    ]
    if binds:
        steps += [Step(MakeDirs(d)) for d in dhcp.hook_dirs(paths, netns, facts.dhcp_clients)]
        copies = dhcp.hook_copies(paths, netns, facts.dhcp_clients, facts.dhcp_hooks)
        steps += [Step(WriteFile(path, content)) for path, content in copies]
    if not facts.resolv_conf_exists:
        path = f"{paths.netns_etc(netns)}/resolv.conf"
        steps.append(Step(WriteFile(path, resolv_conf(netns, config)), undo=(RemoveFile(path),)))
    for dev in lay.moves:
        steps.append(Step(iproute.link_to_netns(dev, netns), undo=(iproute.link_to_self(netns, dev),)))
    for vlan in lay.vlans:
        steps.append(
            Step(
                iproute.vlan_add_into(vlan.parent, vlan.name, vlan.vid, netns),
                undo=(iproute.link_delete(netns, vlan.name),),
            )
        )
    for pair in pairs:
        steps.append(
            Step(
                iproute.veth_add_into(pair.host_end, pair.ns_end, netns),
                undo=(iproute.link_delete_here(pair.host_end),),
            )
        )
        if pair.bridge:
            steps.append(Step(iproute.link_master_here(pair.host_end, pair.bridge)))
        if pair.host_stanza:
            # The host side's address and routes come from the host's own ifupdown configuration;
            # before ifup inside, so that the namespace's end has carrier (a DHCP client there).
            host_down = iproute.host_ifupdown("ifdown", "--force", pair.host_end)
            steps.append(Step(iproute.host_ifupdown("ifup", pair.host_end), undo=(host_down,), undo_if_failed=True))
        else:
            steps.append(Step(iproute.link_up_here(pair.host_end)))
    if wireguard:
        from .wireguard import birth_problems, up_steps  # only WireGuard namespaces pay for it

        raise_first_error(birth_problems(wireguard, facts.namespaces))  # refused by the rule set already
        steps += up_steps(netns, wireguard, facts.host_links)
    steps += sysctls  # the devices are in (for per-device keys), none is up
    steps.append(Step(iproute.ifupdown(netns, state, "ifup", "-a", binds=binds), undo=ifup_undo, undo_if_failed=True))
    if lay.hotplug:
        steps.append(
            Step(
                iproute.ifupdown(netns, state, "ifup", "--allow=hotplug", *lay.hotplug, binds=binds),
                undo=ifup_undo,
                undo_if_failed=True,
            )
        )
    steps.append(Step(record.completed(state, rec)))
    # Titled by the command typed (a failure reads `start NETNS failed`), the stale stop a section of its own.
    return joined(f"start {netns}", stale, Plan(f"start {netns}", tuple(steps)))


def finished(netns: str, facts: Facts) -> bool:
    """Whether NETNS runs and its start's record says complete: not a crash's leftover.

    Under systemd, a namespace that another activation of the unit built is a leftover too:
    that activation's stop never ran (it failed to spawn, or the unit was reset). A destination
    that a service built is taken over by its own unit, not rebuilt under the service.
    """
    rec = facts.record
    if netns not in facts.namespaces or rec is None or not rec.complete:
        return False
    return rec.for_service is not None or facts.invocation is None or rec.invocation == facts.invocation


def _returns_to_host(link: Link, config: Interfaces | None) -> bool:
    """Physical NICs always go back to the host; so does any device the config moved in."""
    if link.name == "lo" or link.kind == "wireguard":
        return False
    if link.kind is None:
        return True
    if link.kind == "vlan" and link.parent_elsewhere:
        return False
    return config is not None and link.name in claimed(config) and not made_inside(link.name, config)


def _not_running_leftovers(netns: str, facts: Facts, paths: Paths, on_error: OnError) -> Plan:
    """What a namespace that is not running may have left: a plain file in /run/netns, a state directory.

    ifupdown's state there is not true any more (the namespace went behind our back), and the
    plain file, left by a killed `ip netns add`, makes `ip netns add` fail.
    """
    steps: list[Step] = []
    notes: list[str] = []
    if facts.stale_entry:
        entry = f"{paths.run_netns}/{netns}"
        steps.append(Step(RemoveFile(entry), on_error))
        notes.append(f"{entry} is a plain file, not a namespace (left by a killed `ip netns add`): removing it")
    if facts.state_dir_exists:
        steps.append(Step(RemoveTree(paths.state_dir(netns)), on_error))
    return Plan(f"start {netns}", tuple(steps), tuple(notes))


def _given_back(
    config: Interfaces | None, ns_links: Mapping[str, Link], rec: record.Record | None, ns_ends: set[str]
) -> list[tuple[str, Link, tuple[str | None, ...]]]:
    """(the name to give it back under, the link inside now, the MACs it had on the host) for each
    link stop returns to the host.

    With a record, what start moved in, whatever its name now, and any other physical NIC (the
    kernel would send it to PID 1's namespace otherwise). Without one, today's configuration decides.
    """
    if rec is None:
        return [(n, link, ()) for n, link in ns_links.items() if n not in ns_ends and _returns_to_host(link, config)]
    found: list[tuple[str, Link, tuple[str | None, ...]]] = []
    for moved in rec.moved:
        link = record.find(moved, ns_links)
        if link is not None:
            found.append((moved.name, link, (moved.address, moved.permaddr)))
    taken = {link.name for _, link, _ in found}
    found += [(n, link, ()) for n, link in ns_links.items() if link.kind is None and n != "lo" and n not in taken]
    return found


def _give_back(
    netns: str, name: str, link: Link, host_macs: tuple[str | None, ...], ns_links: Mapping[str, Link]
) -> tuple[list[Step], Action]:
    """The steps that return LINK to the host as NAME, and the check that it arrived (by its
    ifindex, or its MAC now or on the host: a bond it left restores its own)."""
    if link.name == name:
        steps = [Step(iproute.link_to_self(netns, name), OnError.REPORT)]
    elif name not in ns_links:
        # Renamed inside (a `rename` stanza): renamed back there, so it arrives under its own name.
        steps = [
            Step(iproute.link_down(netns, link.name), OnError.IGNORE),
            Step(iproute.link_rename(netns, link.name, name), OnError.REPORT),
            Step(iproute.link_to_self(netns, name), OnError.REPORT),
        ]
    else:
        steps = [
            Step(iproute.link_to_self(netns, link.name), OnError.REPORT),
            Step(iproute.link_rename_here(link.name, name), OnError.REPORT),
        ]
    macs = record.macs(link.address, link.permaddr, *host_macs)
    if link.ifindex is None and not macs:
        return steps, iproute.link_exists_here(name)
    return steps, LinkIs(name, link.ifindex, macs)


def plan_stop(
    netns: str, config: Interfaces | None, facts: Facts, paths: Paths, host_config: Interfaces | None = None
) -> Plan:
    """The plan for `stop NETNS`: every step runs even when an earlier one fails, but the namespace
    is deleted only when every link it gives back has arrived (deleting it would destroy them),
    and nothing runs when its record cannot be marked unfinished first.

    What start recorded decides what is given back and deleted; without a record, the
    configuration as it is now.
    """
    state = paths.state_dir(netns)
    if netns not in facts.namespaces:
        leftovers = _not_running_leftovers(netns, facts, paths, OnError.REPORT)
        return Plan(
            f"stop {netns}", leftovers.steps, (f"namespace {netns} is not running: nothing to stop", *leftovers.notes)
        )
    # What start bound (its private run directory says), not what the configuration says now.
    entries = facts.dhcp_run_entries
    ifaces = dhcp.interfaces_of_pid_files(entries) if entries is not None else ()
    binds = (
        dhcp.binds(paths, netns, facts.dhcp_clients, ifaces, facts.resolv_conf_target) if entries is not None else ()
    )
    rec = facts.record
    if rec is None:
        pairs = [(p.host_end, p.ns_end, p.host_stanza) for p in veths(netns, config, host_config)]
        created = [n for n, link in facts.ns_links.items() if link.kind == "vlan" and link.parent_elsewhere]
    else:
        pairs = [(v.host_end, v.ns_end, v.host_stanza) for v in rec.veths]
        created = list(rec.created)
    ns_ends = {ns_end for _, ns_end, _ in pairs}
    notes: list[str] = []
    # From here on the namespace is not a finished start's: a stop that fails halfway (a link
    # kept) leaves it for the next start to clean up, not to take for complete. A stop that
    # cannot even say so does nothing (the one step of a stop whose failure ends it).
    unfinished = [Step(record.write(state, replace(rec, complete=False)))] if rec else []
    steps = [
        *unfinished,
        # ifdown may fail on half-configured interfaces; the steps below clean up regardless.
        Step(iproute.ifupdown(netns, state, "ifdown", "-a", binds=binds), OnError.IGNORE),
        Step(EndProcesses(netns), OnError.REPORT),
    ]
    for host_end, _, host_stanza in pairs:
        if host_stanza:
            # Clears the host's ifupdown state for it; fails harmlessly if it was never up.
            steps.append(Step(iproute.host_ifupdown("ifdown", "--force", host_end), OnError.IGNORE))
        if host_end in facts.host_links:
            # ifdown inside may have deleted it (ifupdown takes `br0..1` for a VLAN): the namespace
            # going deletes a veth anyway, so a failure here strands nothing.
            steps.append(Step(iproute.link_delete_here(host_end), OnError.IGNORE))
    for name in created:
        if name in facts.ns_links and name not in ns_ends:
            # Ours, made on a host parent; ifdown may have deleted it already.
            steps.append(Step(iproute.link_delete(netns, name), OnError.IGNORE))
    for name, link in facts.ns_links.items():
        if link.kind == "wireguard":
            # Made by start (its socket is in its birth namespace): deleted, never moved out.
            steps.append(Step(iproute.link_delete(netns, name), OnError.REPORT))
    checks: list[Step] = []
    for name, link, host_macs in _given_back(config, facts.ns_links, rec, ns_ends):
        moves, check = _give_back(netns, name, link, host_macs, facts.ns_links)
        steps.extend(moves)
        checks.append(Step(check))  # a link not back stops the plan here: the namespace stays
    if rec is not None:
        missing = [m.name for m in rec.moved if record.find(m, facts.ns_links) is None]
        notes.extend(f"{name}, which start moved in, is not in namespace {netns}: not given back" for name in missing)
    steps.extend(checks)
    steps.append(Step(iproute.netns_delete(netns), OnError.REPORT))
    steps.append(Step(RemoveTree(state), OnError.REPORT))
    return Plan(f"stop {netns}", tuple(steps), tuple(notes))
