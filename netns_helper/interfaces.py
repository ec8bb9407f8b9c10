"""Parser for ifupdown's interfaces(5) files, plus our `link-netns` stanza.

The parser keeps every stanza with its file and line, so that every later error
can point at the line an admin has to fix. It understands what ifupdown 0.8
understands at the top level; options inside `iface` and `mapping` stanzas are
kept as written and left to ifupdown.
"""

from __future__ import annotations

import glob
import os
import re
import stat

from .errors import ConfigError, Loc
from .names import check_ifname, check_netns_name
from .values import value

# A configuration file larger than this is a mistake (or an attack), not a config.
MAX_FILE_BYTES = 1 << 20
# Limits on `source`: nesting (a Python recursion each) and files read in all (a file
# sourced twice at each level would otherwise cost 2**depth reads).
MAX_SOURCE_DEPTH = 32
MAX_SOURCED_FILES = 1000
# ifupdown's own rule for the files `source-directory` includes.
_SOURCE_DIR_FILE_RE = re.compile(r"[a-zA-Z0-9_-]+")
_ALLOW_RE = re.compile(r"allow-[a-zA-Z0-9_-]+")
_FLAG_WORDS = ("no-auto-down", "no-scripts")


@value
class Option:
    """An option line of a stanza, e.g. `address 192.0.2.2/24`."""

    name: str
    value: str
    loc: Loc

    @property
    def key(self) -> str:
        """The name ifupdown exports (`bridge_ports` and `bridge-ports` are one option)."""
        return self.name.replace("_", "-").lower()


@value
class Iface:
    """An `iface NAME FAMILY METHOD` stanza with its options."""

    name: str
    family: str
    method: str
    options: tuple[Option, ...]
    loc: Loc

    def values(self, key: str) -> tuple[Option, ...]:
        """All options whose normalized name is KEY (e.g. `bridge-ports`)."""
        return tuple(opt for opt in self.options if opt.key == key)


@value
class Allow:
    """`auto NAME...`, `allow-auto NAME...` (class "auto") or `allow-CLASS NAME...`."""

    cls: str
    names: tuple[str, ...]
    loc: Loc


@value
class Mapping:
    """A `mapping PATTERN...` stanza, kept for ifupdown."""

    patterns: tuple[str, ...]
    options: tuple[Option, ...]
    loc: Loc


@value
class Rename:
    """A `rename CUR=NEW...` line, kept for ifupdown."""

    pairs: tuple[tuple[str, str], ...]
    loc: Loc


@value
class Flag:
    """`no-auto-down NAME...` or `no-scripts NAME...`: kept for ifupdown."""

    word: str
    names: tuple[str, ...]
    loc: Loc


@value
class LinkNetns:
    """`link-netns NS HOSTSIDE NSSIDE`: a veth pair between the host and NS."""

    netns: str
    host_end: str
    ns_end: str
    loc: Loc


@value
class Interfaces:
    """One interfaces file with everything it sources, in file order."""

    path: str
    files: tuple[str, ...]
    ifaces: tuple[Iface, ...] = ()
    allows: tuple[Allow, ...] = ()
    mappings: tuple[Mapping, ...] = ()
    renames: tuple[Rename, ...] = ()
    flags: tuple[Flag, ...] = ()
    links: tuple[LinkNetns, ...] = ()

    def allowed(self, cls: str) -> tuple[tuple[str, Loc], ...]:
        """Names marked `auto` (cls "auto") or `allow-CLS`, first mention first."""
        seen: dict[str, Loc] = {}
        for allow in self.allows:
            if allow.cls == cls:
                for name in allow.names:
                    seen.setdefault(name, allow.loc)
        return tuple(seen.items())

    def brought_up(self) -> dict[str, Loc]:
        """Names marked `auto` or `allow-hotplug`, first mention first: what the file brings up."""
        wanted = dict(self.allowed("auto"))
        for name, loc in self.allowed("hotplug"):
            wanted.setdefault(name, loc)
        return wanted

    def iface(self, name: str) -> tuple[Iface, ...]:
        """Every stanza for NAME (one per address family)."""
        return tuple(i for i in self.ifaces if i.name == name)


class _Builder:
    """Mutable state of one parse; frozen into `Interfaces` at the end."""

    def __init__(self, path: str, errors: list[ConfigError] | None = None) -> None:
        self.path = path
        self.files: list[str] = []
        self.ifaces: list[Iface] = []
        self.allows: list[Allow] = []
        self.mappings: list[Mapping] = []
        self.renames: list[Rename] = []
        self.flags: list[Flag] = []
        self.links: list[LinkNetns] = []
        self.errors = errors  # collect errors here instead of raising the first

    def fail(self, error: ConfigError) -> None:
        if self.errors is None:
            raise error
        self.errors.append(error)


def parse_file(path: str, errors: list[ConfigError] | None = None) -> Interfaces:
    """Parse PATH and the files it sources; raise ConfigError with file:line.

    With ERRORS, collect every error there instead and return what could be parsed.
    """
    builder = _Builder(path, errors=errors)
    try:
        _parse_into(builder, path, stack=(), loc=None)
    except ConfigError as e:
        builder.fail(e)
    return _freeze(builder)


def parse_text(text: str, path: str = "<string>") -> Interfaces:
    """Parse TEXT as if it were the file PATH (`source` is resolved against PATH's directory)."""
    builder = _Builder(path)
    builder.files.append(path)
    _parse_lines(builder, path, _logical_lines(builder, path, text.encode()), stack=(path,))
    return _freeze(builder)


def _freeze(builder: _Builder) -> Interfaces:
    return Interfaces(
        path=builder.path,
        files=tuple(builder.files),
        ifaces=tuple(builder.ifaces),
        allows=tuple(builder.allows),
        mappings=tuple(builder.mappings),
        renames=tuple(builder.renames),
        flags=tuple(builder.flags),
        links=tuple(builder.links),
    )


def read_config(path: str, loc: Loc | None) -> bytes:
    """A configuration file's bytes, refusing what is not a small regular file."""
    # Where a whole file is wrong, its first line stands for it.
    first = Loc(path, 1)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path):
            raise ConfigError(f"{path}: not a regular file", loc or first)
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file", loc) from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file", loc) from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}", loc or first) from None
    if len(data) > MAX_FILE_BYTES:
        if loc is not None:  # sourced: point at the `source` line
            raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes", loc)
        raise ConfigError(f"file larger than {MAX_FILE_BYTES} bytes", first)
    return data


def _parse_into(builder: _Builder, path: str, stack: tuple[str, ...], loc: Loc | None) -> None:
    real = os.path.realpath(path)
    if real in stack:
        raise ConfigError(f"source loop: {path} includes itself", loc)
    if len(stack) >= MAX_SOURCE_DEPTH:
        raise ConfigError(f"`source` nested more than {MAX_SOURCE_DEPTH} files deep", loc)
    if len(builder.files) >= MAX_SOURCED_FILES:
        raise ConfigError(f"more than {MAX_SOURCED_FILES} files read through `source`", loc)
    data = read_config(path, loc)
    builder.files.append(path)
    _parse_lines(builder, path, _logical_lines(builder, path, data), (*stack, real))


def _logical_lines(builder: _Builder, path: str, data: bytes) -> list[tuple[int, str]]:
    """Join continued lines, drop comments and blanks; (first line number, text)."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    raw_lines = data.split(b"\n")
    if raw_lines[-1] == b"":
        raw_lines.pop()  # the newline that ends the last line starts no line of its own
    for number, raw in enumerate(raw_lines, start=1):
        loc = Loc(path, number)
        if b"\x00" in raw:
            builder.fail(ConfigError("NUL byte in line", loc))
            continue
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            builder.fail(ConfigError("line is not valid UTF-8 text", loc))
            continue
        if not pending:
            start = number
            if line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        text = " ".join(pending).strip()
        pending = []
        if text:
            out.append((start, text))
    if pending and " ".join(pending).strip():
        builder.fail(ConfigError("file ends inside a continued line", Loc(path, start)))
    return out


_Stanza = tuple[str, list[str], Loc, list[Option]]


def _parse_lines(builder: _Builder, path: str, lines: list[tuple[int, str]], stack: tuple[str, ...]) -> None:
    state = _LineState()
    for number, text in lines:
        try:
            _parse_line(builder, path, Loc(path, number), text, stack, state)
        except ConfigError as e:
            builder.fail(e)
            state.current = None  # collecting: skip the broken stanza's options
    try:
        _close(builder, state.current)
    except ConfigError as e:
        builder.fail(e)


class _LineState:
    def __init__(self) -> None:
        self.current: _Stanza | None = None
        # ifupdown itself reads `link-netns` as an option of the stanza before it, and rejects
        # the whole file ("misplaced option") when there is none: track what it would see.
        self.ifupdown_stanza = False


def _parse_line(builder: _Builder, path: str, loc: Loc, text: str, stack: tuple[str, ...], state: _LineState) -> None:
    words = text.split()
    word, args = words[0], words[1:]
    if word == "link-netns" and not state.ifupdown_stanza:
        raise ConfigError(
            "ifupdown would reject this file here ('misplaced option'): `link-netns` must follow an iface stanza",
            loc,
            hint="move the line below an `iface` stanza, e.g. right after the one of its host side",
        )
    if word in ("iface", "mapping"):
        previous, state.current = state.current, (word, args, loc, [])
        state.ifupdown_stanza = True
        _close_previous(builder, previous)
    elif (
        word in ("auto", "source", "source-directory", "rename", "link-netns")
        or word in _FLAG_WORDS
        or _ALLOW_RE.fullmatch(word)
    ):
        previous, state.current = state.current, None
        state.ifupdown_stanza = state.ifupdown_stanza and word == "link-netns"
        _close_previous(builder, previous)
        _directive(builder, path, word, args, loc, stack)
    elif state.current is not None:
        value = text[len(word) :].strip()
        if not value and state.current[0] == "iface":
            raise ConfigError(f"option {word!r} has no value", loc)
        state.current[3].append(Option(word, value, loc))
    else:
        raise ConfigError(
            f"unknown word {word!r} outside any stanza",
            loc,
            hint="options belong after an `iface` line; stanzas start with iface, mapping, auto, "
            "allow-*, source, source-directory, rename or link-netns",
        )


def _close_previous(builder: _Builder, stanza: _Stanza | None) -> None:
    """Close the stanza before this line; its error is its own, not this line's."""
    try:
        _close(builder, stanza)
    except ConfigError as e:
        builder.fail(e)


def _close(builder: _Builder, stanza: _Stanza | None) -> None:
    if stanza is None:
        return
    word, args, loc, options = stanza
    if word == "mapping":
        if not args:
            raise ConfigError("`mapping` needs at least one interface pattern", loc)
        builder.mappings.append(Mapping(tuple(args), tuple(options), loc))
        return
    if len(args) < 3:
        raise ConfigError("`iface` needs a name, an address family and a method: iface NAME FAMILY METHOD", loc)
    name, family, method, rest = args[0], args[1], args[2], args[3:]
    if rest and not (len(rest) == 2 and rest[0] == "inherits"):
        raise ConfigError(f"unexpected words after `iface {name} {family} {method}`: {' '.join(rest)}", loc)
    _check_iface_name(name, loc)
    builder.ifaces.append(Iface(name, family, method, tuple(options), loc))


def _check_iface_name(name: str, loc: Loc) -> None:
    # `eth0:1` is an ifupdown alias label, not a device: only its device part must be valid.
    check_ifname(name.split(":", 1)[0], loc)


def _directive(builder: _Builder, path: str, word: str, args: list[str], loc: Loc, stack: tuple[str, ...]) -> None:
    if word in ("auto", "allow-auto") or _ALLOW_RE.fullmatch(word):
        if not args:
            raise ConfigError(f"`{word}` needs at least one interface name", loc)
        for name in args:
            _check_iface_name(name, loc)
        cls = "auto" if word in ("auto", "allow-auto") else word[len("allow-") :]
        builder.allows.append(Allow(cls, tuple(args), loc))
    elif word in _FLAG_WORDS:
        if not args:
            raise ConfigError(f"`{word}` needs at least one interface name", loc)
        builder.flags.append(Flag(word, tuple(args), loc))
    elif word == "rename":
        pairs = []
        for arg in args:
            old, sep, new = arg.partition("=")
            if not sep or not old or not new:
                raise ConfigError(f"`rename` takes CUR=NEW pairs, not {arg!r}", loc)
            pairs.append((old, check_ifname(new, loc)))
        if not pairs:
            raise ConfigError("`rename` needs at least one CUR=NEW pair", loc)
        builder.renames.append(Rename(tuple(pairs), loc))
    elif word == "link-netns":
        if len(args) != 3:
            raise ConfigError("`link-netns` takes exactly three words: link-netns NAMESPACE HOSTSIDE NSSIDE", loc)
        netns, host_end, ns_end = args
        check_netns_name(netns, loc)
        check_ifname(host_end, loc)
        check_ifname(ns_end, loc)
        builder.links.append(LinkNetns(netns, host_end, ns_end, loc))
    elif word == "source":
        if len(args) != 1:
            raise ConfigError("`source` takes one path or glob pattern", loc)
        pattern = os.path.join(os.path.dirname(path), args[0])
        matches = sorted(glob.glob(pattern))
        if not matches and not glob.has_magic(pattern):
            raise ConfigError(f"sourced file {pattern} does not exist", loc)
        for match in matches:
            _parse_into(builder, match, stack, loc)
    elif word == "source-directory":
        if len(args) != 1:
            raise ConfigError("`source-directory` takes one directory", loc)
        directory = os.path.join(os.path.dirname(path), args[0])
        if not os.path.isdir(directory):
            raise ConfigError(f"sourced directory {directory} does not exist", loc)
        for entry in sorted(os.listdir(directory)):
            full = os.path.join(directory, entry)
            if _SOURCE_DIR_FILE_RE.fullmatch(entry) and os.path.isfile(full):
                _parse_into(builder, full, stack, loc)
