# SPDX-License-Identifier: GPL-3.0-or-later
"""What `start` did, kept as state: stop and a stale-namespace cleanup give back exactly that.

The record is one JSON line in the namespace's state directory, written by steps of the start
plan itself (so `--print-commands` shows it): once before the first change, listing everything
the start is about to take and create, and again as its last step, marked complete. A crash in
between leaves a record that covers at least what was done. Stop reads it instead of the
configuration, which the admin may have edited or broken since.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

from .commands import ReplaceFile
from .names import made_of
from .values import asdict, replace, value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from .ipjson import Link

FORMAT = 1
FILENAME = "netns-helper.json"
_HEX = "0123456789abcdef"


def _mac(address: str) -> bool:
    """ADDRESS is a link-layer address as `ip` prints one: two or more lower-case hex pairs."""
    pairs = address.split(":")
    return len(pairs) >= 2 and all(len(pair) == 2 and made_of(pair, _HEX) for pair in pairs)


@value
class Moved:
    """A host link that start moved in: given back under NAME, recognised by its identity."""

    name: str
    kind: str | None  # None for a physical NIC
    ifindex: int | None
    address: str | None
    permaddr: str | None = None

    @classmethod
    def of(cls, link: Link) -> Moved:
        """LINK, as it is on the host before it is moved in."""
        return cls(link.name, link.kind, link.ifindex, link.address or None, link.permaddr)


@value
class Veth:
    """A veth pair that start created: HOST_END here, NS_END inside."""

    host_end: str
    ns_end: str
    host_stanza: bool  # the host's ifupdown configured HOST_END (stop runs its ifdown)


@value
class Record:
    netns: str
    complete: bool  # the start plan ran to its end
    moved: tuple[Moved, ...] = ()
    created: tuple[str, ...] = ()  # links start created inside (VLANs of host parents)
    veths: tuple[Veth, ...] = ()
    dests: tuple[str, ...] = ()  # destination namespaces this start brought up
    for_service: str | None = None  # the IPsec service whose start brought this destination up
    invocation: str | None = None  # the systemd unit activation ($INVOCATION_ID) whose start it was


class Corrupt(ValueError):
    """A record that cannot be read back."""


def path(state_dir: str) -> str:
    return f"{state_dir}/{FILENAME}"


def dumps(record: Record) -> str:
    return json.dumps({"format": FORMAT, **asdict(record)}, sort_keys=True, separators=(",", ":"))


def loads(text: str, netns: str) -> Record:
    """The record in TEXT, which must be NETNS's; Corrupt otherwise."""
    try:
        data = json.loads(text)
        if data.pop("format") != FORMAT:
            raise Corrupt("unknown format")
        record = Record(
            netns=data.pop("netns"),
            complete=data.pop("complete"),
            moved=tuple(Moved(**m) for m in data.pop("moved")),
            created=tuple(data.pop("created")),
            veths=tuple(Veth(**v) for v in data.pop("veths")),
            dests=tuple(data.pop("dests")),
            for_service=data.pop("for_service"),
            invocation=data.pop("invocation"),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise Corrupt(f"{type(e).__name__}: {e}") from None
    if data:
        raise Corrupt(f"unknown keys {sorted(data)}")
    names = [record.netns, *record.created, *record.dests, *(m.name for m in record.moved)]
    names += [end for v in record.veths for end in (v.host_end, v.ns_end)]
    if not all(isinstance(n, str) for n in names) or not isinstance(record.complete, bool):
        raise Corrupt("a name that is not a string")
    if not all(isinstance(v, str | None) for v in (record.for_service, record.invocation)):
        raise Corrupt("a name that is not a string")
    if not all(isinstance(m.ifindex, int | None) and isinstance(m.address, str | None) for m in record.moved):
        raise Corrupt("a moved link's ifindex or address is of the wrong type")
    if record.netns != netns:
        raise Corrupt(f"it is namespace {record.netns!r}'s")
    return record


def read(state_dir: str, netns: str, quiet: bool = False) -> Record | None:
    """NETNS's record; None, with a warning on stderr (unless QUIET), when it is missing or corrupt."""
    file = path(state_dir)
    try:
        with open(file) as f:
            return loads(f.read(), netns)
    except FileNotFoundError:
        why = "it is missing (an older version started it, or the file was removed)"
    except Corrupt as e:
        why = f"it is corrupt ({e})"
    except OSError as e:
        why = f"it cannot be read ({e.strerror})"
    if quiet:
        return None
    sys.stderr.write(
        f"netns-helper: warning: no usable record of what start did in namespace {netns}: {file}: {why};"
        " giving back what the configuration names now\n"
    )
    return None


def write(state_dir: str, record: Record) -> ReplaceFile:
    """The plan step that writes RECORD, atomically."""
    return ReplaceFile(path(state_dir), dumps(record) + "\n")


def completed(state_dir: str, record: Record) -> ReplaceFile:
    return write(state_dir, replace(record, complete=True))


def with_moved(record: Record, link: Link) -> Record:
    """RECORD with LINK (on the host, about to move in) among what was moved in, in place of a
    previous link of that name (a device unplugged and plugged in again)."""
    kept = tuple(m for m in record.moved if m.name != link.name)
    return replace(record, moved=(*kept, Moved.of(link)))


def find(moved: Moved, links: Mapping[str, Link]) -> Link | None:
    """The link of LINKS that is MOVED, under whatever name it has now (ifupdown may rename it)."""
    candidates = [link for link in links.values() if link.kind == moved.kind]
    for key in ("permaddr", "ifindex", "address", "name"):
        want = getattr(moved, key)
        found = [link for link in candidates if want not in (None, "") and getattr(link, key) == want]
        if len(found) == 1:
            return found[0]
    return None


def macs(*addresses: str | None) -> tuple[str, ...]:
    """The MAC addresses among ADDRESSES, once each (other link types have other addresses)."""
    return tuple(dict.fromkeys(a for a in addresses if a is not None and _mac(a)))
