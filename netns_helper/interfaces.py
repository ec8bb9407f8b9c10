# SPDX-License-Identifier: GPL-3.0-or-later
"""Parser for ifupdown's interfaces(5) files, plus our `link-netns` stanza.

The parser keeps every stanza with its file and line, so that every later error
can point at the line an admin has to fix. It reads a file as ifupdown 0.8 inside
the namespace will: words split at ASCII white space only, a continued line joined
without a space, option names as written (case-sensitive), `post-up`/`pre-down` as
ifupdown's `up`/`down`, `inherits`, `source` and `source-directory` paths resolved as
`ip netns exec` shows them (/etc/netns/NAME/network is /etc/network there), a file
sourced twice read once, and interface patterns (`auto /eth*`) kept apart from names.
Where ifupdown silently ignores a mistake, we refuse it (a missing sourced file, a loop,
words after the method, non-ASCII white space); tests/netns/test_ifquery_parity.py holds
this reading against ifupdown's own `ifquery`.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata

from .errors import ConfigError, Loc
from .ifupdown import ASCII_SPACE, check_method
from .names import ASCII_ALNUM, check_ifname, check_netns_name, made_of
from .values import value

# A configuration file larger than this is a mistake (or an attack), not a config.
MAX_FILE_BYTES = 1 << 20
# Limits on `source`: nesting (a Python recursion each) and files read in all (a file
# sourced twice at each level would otherwise cost 2**depth reads).
MAX_SOURCE_DEPTH = 32
MAX_SOURCED_FILES = 1000
# ifupdown's own rule for the files `source-directory` includes.
_SOURCE_DIR_FILE_CHARS = ASCII_ALNUM + "_-"
_FLAG_WORDS = ("no-auto-down", "no-scripts")
# Patterns compiled on first use (re's cache): a start's files rarely need them.
_SPLIT = f"[{re.escape(ASCII_SPACE)}]+"
# What Python (and a reader's eye) takes for white space but ifupdown takes for part of a word.
_OTHER_SPACE = rf"[^\S{re.escape(ASCII_SPACE)}]|[\u200b\u2060\ufeff]"
_ASCII_OTHER_SPACE = "\x1c\x1d\x1e\x1f"  # what _OTHER_SPACE finds in ASCII text (str.isspace's, as \s)
# ifupdown keeps at most 79 bytes of a word (a char[80] buffer) and silently drops the rest.
MAX_WORD_BYTES = 79
# ifupdown's wordexp() of a `source` line refuses these (or expands them): we refuse them.
_WORDEXP_SPECIAL = frozenset("|&;<>(){}$`'\"\\~\n")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _other_space(text: str) -> re.Match[str] | None:
    """Where TEXT has a look-alike space (_OTHER_SPACE); ASCII text by a plain search, needing no pattern."""
    if text.isascii() and not any(space in text for space in _ASCII_OTHER_SPACE):
        return None
    return re.search(_OTHER_SPACE, text)


def split_words(text: str) -> list[str]:
    """TEXT's words as ifupdown sees them (ASCII white space only)."""
    if text.isascii() and text.isprintable():  # a space is then its only white space: str.split's
        return text.split()
    return [word for word in re.split(_SPLIT, text) if word]


def is_pattern(name: str) -> bool:
    """`/eth*`, `mac/00:11:*/1=lan`: interfaces(5) PATTERN MATCHING, matched against the kernel's links."""
    return "/" in name


@value
class Option:
    """An option line of a stanza, e.g. `address 192.0.2.2/24`."""

    name: str
    value: str
    loc: Loc

    @property
    def key(self) -> str:
        """The name hooks see: IF_ + upper case, `-` as `_`, other punctuation dropped.

        So `bridge_ports`, `bridge-ports` and `Bridge-Ports` are one option for the bridge hook;
        the methods' own options (`address`, `mtu`...) are matched by exact `name` instead.
        """
        return "".join(c for c in self.name.lower().replace("_", "-") if c in _KEY_CHARS)


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
    """`auto NAME...`, `allow-auto NAME...` (class "auto") or `allow-CLASS NAME...`.

    PATTERNS are the line's interfaces(5) patterns (`/eth*`), which only the kernel's links resolve.
    """

    cls: str
    names: tuple[str, ...]
    loc: Loc
    patterns: tuple[str, ...] = ()


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

    def patterns(self) -> tuple[tuple[str, str, Loc], ...]:
        """(class, pattern, where) of every interface pattern in auto and allow-* lines."""
        return tuple((allow.cls, pattern, allow.loc) for allow in self.allows for pattern in allow.patterns)


@value
class View:
    """Where the files ifupdown opens by absolute path are, as this process sees them.

    Inside namespace NETNS, `ip netns exec` binds each entry of /etc/netns/NETNS over /etc,
    so `source /etc/network/interfaces.d/*` there reads /etc/netns/NETNS/network/interfaces.d.
    ETC is the host's /etc (tests move it).
    """

    etc: str = "/etc"
    netns: str | None = None

    @classmethod
    def of(cls, path: str) -> View:
        """The view of the file at PATH: a namespace's (ETC/netns/NAME/network/...) or the host's."""
        directory, _, base = path.rpartition("/")
        network = directory.removesuffix("/network")
        if not base or network == directory:
            return cls("/etc", None)
        netns_dir, _, netns = network.rpartition("/")
        etc = netns_dir.removesuffix("/netns")
        if netns and etc != netns_dir and "\n" not in etc:
            return cls(etc, netns)
        return cls(network if "\n" not in network else "/etc", None)

    def host_path(self, inside: str) -> str:
        """The file that absolute path INSIDE names for ifupdown in this view."""
        if inside != "/etc" and not inside.startswith("/etc/"):
            return inside
        rest = inside[len("/etc/") :]
        entry = rest.split("/", 1)[0]
        if self.netns is not None and entry and os.path.lexists(f"{self.etc}/netns/{self.netns}/{entry}"):
            return f"{self.etc}/netns/{self.netns}/{rest}"
        return f"{self.etc}/{rest}".rstrip("/")


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
        self.view = View.of(path)
        self.seen: set[str] = set()  # ifupdown reads a file once, however often it is sourced

    def fail(self, error: ConfigError) -> None:
        if self.errors is None:
            raise error
        self.errors.append(error)


class PausedGC:
    """No cyclic garbage collection while a configuration is parsed (`with PausedGC():`).

    A parse makes values by the line and frees what it drops by reference counting; the
    collector would walk the growing result again and again: a fifth of a 1 MiB file's parse.
    """

    __slots__ = ("enabled",)

    def __enter__(self) -> None:
        import gc

        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *_: object) -> None:
        import gc

        if self.enabled:
            gc.enable()


def parse_file(path: str, errors: list[ConfigError] | None = None) -> Interfaces:
    """Parse PATH and the files it sources; raise ConfigError with file:line.

    With ERRORS, collect every error there instead and return what could be parsed.
    """
    builder = _Builder(path, errors=errors)
    try:
        with PausedGC():
            _parse_into(builder, path, stack=(), loc=None)
    except ConfigError as e:
        builder.fail(e)
    return _freeze(builder)


def parse_text(text: str, path: str = "<string>") -> Interfaces:
    """Parse TEXT as if it were the file PATH (`source` is resolved against PATH's directory)."""
    builder = _Builder(path)
    builder.files.append(path)
    builder.seen.add(path)
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
    if path in builder.seen:
        return
    builder.seen.add(path)
    data = read_config(path, loc)
    builder.files.append(path)
    _parse_lines(builder, path, _logical_lines(builder, path, data), (*stack, real))


def _logical_lines(builder: _Builder, path: str, data: bytes) -> list[tuple[int, str]]:
    """Join continued lines, drop comments and blanks; (first line number, text).

    As ifupdown: a comment is a line whose first word starts with `#` (never continued); a
    line whose last byte is a backslash continues on the next, joined without a space (so
    `\\` then CR, from a CRLF file, is no continuation); white space around is ASCII's.
    """
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    # Most files are clean text: decode them, and look for look-alike spaces, once (a file that
    # is not is read line by line, each line's problem in its place).
    whole = None if b"\x00" in data else _decoded(data)
    raw_lines: list[str | bytes] = list(data.split(b"\n") if whole is None else whole.split("\n"))
    spaces = whole is None or _other_space(whole) is not None
    if not raw_lines[-1]:
        raw_lines.pop()  # the newline that ends the last line starts no line of its own
    for number, raw in enumerate(raw_lines, start=1):
        if isinstance(raw, str):
            line = raw
        elif b"\x00" in raw:
            builder.fail(ConfigError("NUL byte in line", Loc(path, number)))
            continue
        else:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                builder.fail(ConfigError("line is not valid UTF-8 text", Loc(path, number)))
                continue
        if not pending:
            start = number
            if line.lstrip(ASCII_SPACE).startswith("#"):
                continue
        if spaces and (other := _other_space(line)):
            char = other.group()
            builder.fail(
                ConfigError(
                    f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')}) looks like "
                    "white space, but ifupdown does not split words there",
                    Loc(path, number),
                    hint="retype the line with plain spaces (pasted text often carries no-break spaces)",
                )
            )
            pending = []
            continue
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        if not pending:  # a line of its own, as most are
            if text := line.strip(ASCII_SPACE):
                out.append((number, text))
            continue
        pending.append(line)
        text = "".join(pending).strip(ASCII_SPACE)
        # ifupdown strips the white space before the first physical line only: after a line of
        # nothing but a backslash, the next line's indentation stays, and ifupdown reads the
        # whole line as the value of an option whose name is empty.
        lone = len(pending) > 1 and not pending[0].strip(ASCII_SPACE)
        after = "".join(pending[1:])
        pending = []
        if text and lone and after[:1] in ASCII_SPACE:
            builder.fail(
                ConfigError(
                    "a lone backslash continues into white space: ifupdown would read this line as an option "
                    "without a name",
                    Loc(path, start),
                    hint="delete the line that holds only a backslash",
                )
            )
            continue
        if text:
            out.append((start, text))
    if pending and "".join(pending).strip(ASCII_SPACE):
        builder.fail(ConfigError("file ends inside a continued line", Loc(path, start)))
    return out


def _decoded(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


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
        # ifupdown itself reads `link-netns` as an option of the iface stanza before it, and
        # rejects the whole file ("misplaced option") when there is none: track what it would see.
        self.ifupdown_stanza = False


def _keyword(word: str) -> str | None:
    """The directive WORD starts, as ifupdown matches it; None for an option."""
    if word in ("auto", "source", "rename", "link-netns", "iface", "mapping") or word in _FLAG_WORDS:
        return word
    if word.startswith("source-dir"):  # ifupdown takes any word that starts so
        return "source-directory"
    if word.startswith("allow-") and len(word) > len("allow-"):
        return "allow"
    return None


def _parse_line(builder: _Builder, path: str, loc: Loc, text: str, stack: tuple[str, ...], state: _LineState) -> None:
    words = split_words(text)
    word, args = words[0], words[1:]
    if len(word.encode()) > MAX_WORD_BYTES:
        raise ConfigError(f"{word[:20]!r}... is longer than {MAX_WORD_BYTES} bytes: ifupdown would cut it short", loc)
    keyword = _keyword(word)
    if keyword is None:  # an option, as half the lines are
        if state.current is None:
            raise ConfigError(
                f"unknown word {word!r} outside any stanza",
                loc,
                hint="options belong after an `iface` line; stanzas start with iface, mapping, auto, "
                "allow-*, source, source-directory, rename or link-netns",
            )
        value = text[len(word) :].lstrip(ASCII_SPACE)
        kind = state.current[0]
        if kind == "iface" and not value:
            raise ConfigError(f"option {word!r} has no value", loc)
        if kind == "mapping" and word not in ("script", "map"):
            raise ConfigError(
                f"ifupdown would reject this file here ('misplaced option'): a mapping takes `script` and `map`, "
                f"not {word!r}",
                loc,
            )
        if kind == "mapping" and word == "script" and any(o.name == "script" for o in state.current[3]):
            raise ConfigError("ifupdown would reject this file here: a mapping has one `script`", loc)
        state.current[3].append(Option(word, value, loc))
    elif keyword in ("iface", "mapping"):
        previous, state.current = state.current, (word, args, loc, [])
        state.ifupdown_stanza = word == "iface"
        _close_previous(builder, previous)
    elif keyword == "link-netns":
        if not state.ifupdown_stanza:
            raise ConfigError(
                "ifupdown would reject this file here ('misplaced option'): `link-netns` must follow an iface stanza",
                loc,
                hint="move the line below an `iface` stanza, e.g. right after the one of its host side",
            )
        # For ifupdown an option of the stanza above, which goes on after it.
        _directive(builder, path, word, args, loc, stack)
    elif keyword in ("auto", "allow", *_FLAG_WORDS) and not args:
        # ifupdown skips such a line, and the stanza above goes on after it: so do we, collecting.
        builder.fail(ConfigError(f"`{word}` needs at least one interface name", loc, hint="ifupdown ignores the line"))
    else:
        previous, state.current = state.current, None
        state.ifupdown_stanza = False
        _close_previous(builder, previous)
        _directive(builder, path, keyword if keyword != "allow" else word, args, loc, stack)


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
    usage = "`iface` needs a name, an address family and a method: iface NAME FAMILY METHOD"
    if not args:
        raise ConfigError(usage, loc)
    name, rest = args[0], args[1:]
    family = method = ""
    if rest and rest[0] != "inherits":
        family, rest = rest[0], rest[1:]
        if rest and rest[0] != "inherits":
            method, rest = rest[0], rest[1:]
    parent = None
    if rest and rest[0] == "inherits":
        if len(rest) < 2:
            raise ConfigError("`inherits` needs the name of the stanza to inherit from", loc)
        parent, rest = rest[1], rest[2:]
    elif not method:
        raise ConfigError(usage, loc)
    if rest:
        head = f"iface {name} {family} {method}".rstrip()
        raise ConfigError(
            f"unexpected words after `{head}`: {' '.join(rest)}",
            loc,
            hint="ifupdown ignores them with a warning: remove them",
        )
    _check_iface_name(name, loc)
    inherited: tuple[Option, ...] = ()
    if parent is not None:
        base = next((i for i in builder.ifaces if i.name == parent and family in ("", i.family)), None)
        if base is None:
            raise ConfigError(f"unknown iface to inherit from: {parent} ({family or 'any family'})", loc)
        family, method, inherited = family or base.family, method or base.method, base.options
    check_method(family, method, loc)
    builder.ifaces.append(Iface(name, family, method, inherited + tuple(options), loc))


def _check_iface_name(name: str, loc: Loc) -> None:
    # `eth0:1` is an ifupdown alias label, not a device: only its device part must be valid.
    check_ifname(name.split(":", 1)[0], loc)


def _directive(builder: _Builder, path: str, word: str, args: list[str], loc: Loc, stack: tuple[str, ...]) -> None:
    if word in ("auto", "allow-auto") or word.startswith("allow-"):
        if not args:
            raise ConfigError(f"`{word}` needs at least one interface name", loc)
        names = [name for name in args if not is_pattern(name)]
        for name in names:
            _check_iface_name(name, loc)
        cls = "auto" if word in ("auto", "allow-auto") else word[len("allow-") :]
        patterns = tuple(name for name in args if is_pattern(name))
        builder.allows.append(Allow(cls, tuple(names), loc, patterns))
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
        try:
            check_netns_name(netns, loc)
            check_ifname(host_end, loc)
            check_ifname(ns_end, loc)
        except ConfigError as e:
            raise ConfigError(f"link-netns: {e.message}", e.loc, e.hint) from None
        builder.links.append(LinkNetns(netns, host_end, ns_end, loc))
    elif word == "source":
        for pattern in _source_paths(builder, path, word, args, loc):
            matches = _glob(pattern)
            if not matches and not _has_magic(pattern):
                raise ConfigError(f"sourced file {pattern} does not exist", loc)
            for match in matches:
                _parse_into(builder, match, stack, loc)
    elif word == "source-directory":
        for pattern in _source_paths(builder, path, word, args, loc):
            directories = _glob(pattern) if _has_magic(pattern) else [pattern]
            if not directories or not all(os.path.isdir(d) for d in directories):
                raise ConfigError(f"sourced directory {pattern} does not exist", loc)
            for directory in directories:
                for entry in sorted(os.listdir(directory)):
                    full = os.path.join(directory, entry)
                    if made_of(entry, _SOURCE_DIR_FILE_CHARS) and os.path.isfile(full):
                        _parse_into(builder, full, stack, loc)


def glob_star(directory: str, suffix: str = "") -> list[str]:
    """sorted(glob.glob(DIRECTORY/*SUFFIX)) for a DIRECTORY and SUFFIX without glob's magic, by one
    listdir: no pattern to compile on every start (issue 15). glob's `*` takes every name but
    hidden ones."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(os.path.join(directory, n) for n in names if n.endswith(suffix) and not n.startswith("."))


def _has_magic(pattern: str) -> bool:
    """glob.has_magic(PATTERN), without importing glob (and compiling its patterns) on every start."""
    return "*" in pattern or "?" in pattern or "[" in pattern


def _glob(pattern: str) -> list[str]:
    """sorted(glob.glob(PATTERN)); Debian's own `source DIR/*` by glob_star, without glob."""
    directory, _, last = pattern.rpartition("/")
    if not last.startswith("*") or not directory or _has_magic(directory) or _has_magic(last[1:]):
        import glob  # a pattern of another shape: rare

        return sorted(glob.glob(pattern))
    return glob_star(directory, last[1:])


def _source_paths(builder: _Builder, path: str, word: str, args: list[str], loc: Loc) -> list[str]:
    """The paths (or glob patterns) of a `source` or `source-directory` line, as ifupdown inside sees them."""
    if not args:
        raise ConfigError(f"`{word}` needs a path", loc)
    special = next((c for c in " ".join(args) if c in _WORDEXP_SPECIAL), None)
    if special:
        raise ConfigError(
            f"`{word}` path with {special!r}: ifupdown's shell-style expansion would refuse it or read another file",
            loc,
            hint="name the files with plain paths and * ? [ ] globs",
        )
    return [
        builder.view.host_path(arg) if arg.startswith("/") else os.path.join(os.path.dirname(path), arg) for arg in args
    ]
