# SPDX-License-Identifier: GPL-3.0-or-later
"""The configuration world: every file netns-helper reads, found once and parsed once per command.

The host's /etc/network/interfaces (with what it sources), each /etc/netns/NAME/network/interfaces
and xfrm file, each /etc/netns/NAME/wireguard/WG.conf, each namespace's nftables.conf and
sysctl files, and the services' drop-ins. Parse errors are kept, not raised: each command
decides what an error means to it (check reports it, start refuses, stop and status go on
without the file).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping

from .errors import ERROR, WARNING, ConfigError
from .facts import Paths
from .interfaces import MAX_FILE_BYTES, Interfaces, parse_file
from .names import check_netns_name
from .values import field, value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .inside import Inside
    from .wireguard import WireGuard
    from .xfrm import Xfrm

# What a namespace asks of its own kernel (netns_helper.inside, imported only when one has them).
INSIDE_FILES = ("nftables.conf", "sysctl.conf", "sysctl.d")


def netns_dirs(paths: Paths) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The one enumeration of /etc/netns: (valid names, names refused) of its network directories."""
    base = f"{paths.etc}/netns"
    good: list[str] = []
    bad: list[str] = []
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        if not os.path.isdir(f"{base}/{name}/network"):
            continue
        try:
            check_netns_name(name)
        except ConfigError:
            bad.append(name)
            continue
        good.append(name)
    return tuple(good), tuple(bad)


def configured(paths: Paths) -> tuple[str, ...]:
    """The namespaces that have an interfaces file, without parsing anything."""
    return tuple(n for n in netns_dirs(paths)[0] if os.path.isfile(paths.netns_interfaces(n)))


def require_config(paths: Paths, name: str) -> None:
    """Start and stop of NAME need its interfaces file: say where it belongs."""
    path = paths.netns_interfaces(name)
    if not os.path.exists(path):
        raise ConfigError(
            f"{path}: no such file", hint=f"namespace {name} is configured in {path} (interfaces(5) format)"
        )


def host_error_severity(error: ConfigError, host: Interfaces, selected: set[str] | None) -> str:
    """An error in the host's file blocks only the namespaces whose start runs the host's ifupdown.

    Those are the namespaces with `link-netns` pairs (their host ends are brought up by the host's
    ifup, which reads the whole file); for the others the error is the host's own business: a warning.
    """
    if "link-netns" in error.message:
        return ERROR  # a broken link-netns line: which namespace it meant is unknown
    if any(selected is None or link.netns in selected for link in host.links):
        return ERROR
    return WARNING


@value
class World:
    """Every configuration file, parsed once, with the errors of each."""

    paths: Paths
    names: tuple[str, ...] = ()  # namespace directories with a valid name
    bad_names: tuple[str, ...] = ()  # directories under /etc/netns that cannot be namespace names
    host: Interfaces | None = None  # what could be parsed of the host's file; None when it has none
    host_errors: tuple[ConfigError, ...] = ()
    configs: Mapping[str, Interfaces] = field(default_factory=dict)
    config_errors: Mapping[str, tuple[ConfigError, ...]] = field(default_factory=dict)
    xfrms: Mapping[str, tuple[Xfrm, ...]] = field(default_factory=dict)  # the files without an error
    xfrm_errors: Mapping[str, tuple[ConfigError, ...]] = field(default_factory=dict)
    wireguard: Mapping[str, tuple[WireGuard, ...]] = field(default_factory=dict)  # the valid ones
    wireguard_names: Mapping[str, frozenset[str]] = field(default_factory=dict)  # every WG.conf's, valid or not
    wireguard_errors: Mapping[str, tuple[ConfigError, ...]] = field(default_factory=dict)
    # Namespaces (configured ones and XFRM destinations) with a ruleset or sysctl files: what they
    # ask of their kernel, and the errors in those files that need no process to find.
    insides: Mapping[str, Inside] = field(default_factory=dict)
    inside_errors: Mapping[str, tuple[ConfigError, ...]] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()  # namespaces whose interfaces file was not parsed (`load`'s Scope)

    def config(self, name: str) -> Interfaces | None:
        """NAME's configuration when it parsed without an error."""
        return None if self.config_errors.get(name) else self.configs.get(name)

    def host_blocking(self, selected: set[str] | None) -> tuple[ConfigError, ...]:
        """The host's parse errors that are errors for the namespaces SELECTED (all when None)."""
        host = self.host
        return tuple(e for e in self.host_errors if host and host_error_severity(e, host, selected) == ERROR)

    def usable_host(self) -> Interfaces | None:
        """The host's configuration unless an error in it concerns the namespaces (a mere warning does not)."""
        return None if self.host_blocking(None) else self.host

    def service_namespaces(self) -> set[str]:
        """Namespaces that services run in: they have an xfrm file or a service's netns.conf drop-in."""
        units = self.paths.systemd_dir
        return set(self.xfrms) | {n for n in self.configs if os.path.lexists(f"{units}/{n}.service.d/netns.conf")}

    def bindings(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Namespace -> (service, drop-in) of every service a drop-in runs in it (status needs them)."""
        from .dropins import bindings  # only status reads every drop-in

        return bindings(self.paths)


def host_or_warn(world: World) -> Interfaces | None:
    """The host's configuration for stop and status, which go on without it (with a warning) when broken."""
    blocking = world.host_blocking(None)
    if blocking:
        from .runtime import warn

        warn("ignoring the host's links; its configuration has an error", blocking[0])
    return world.usable_host()


@value
class Scope:
    """What `load` reads of /etc/netns (the host's file it always reads); by default everything.

    ONLY: the namespaces whose files are read at all (interfaces, xfrm, WireGuard); None: every one.
    PARSE_IF: of those, an interfaces file is parsed only when PARSE_IF(name, the file's bytes) is
    true (a file that cannot be read is parsed: its error is the parser's to report).
    PARSED: (name, its interfaces file as parsed already, that parse's errors): not parsed again.
    The namespaces left out are in World.skipped, neither in `configs` nor in `config_errors`.
    """

    only: frozenset[str] | None = None
    parse_if: Callable[[str, bytes], bool] | None = None
    parsed: tuple[str, Interfaces, tuple[ConfigError, ...]] | None = None


EVERYTHING = Scope()


def load(paths: Paths, scope: Scope = EVERYTHING) -> World:
    """Find and parse every configuration file of SCOPE once."""
    names, bad = netns_dirs(paths)
    host = None
    host_errors: list[ConfigError] = []
    if os.path.exists(paths.host_interfaces):
        host = parse_file(paths.host_interfaces, host_errors)
    configs: dict[str, Interfaces] = {}
    config_errors: dict[str, tuple[ConfigError, ...]] = {}
    xfrms: dict[str, tuple[Xfrm, ...]] = {}
    xfrm_errors: dict[str, tuple[ConfigError, ...]] = {}
    wireguard: dict[str, tuple[WireGuard, ...]] = {}
    wireguard_names: dict[str, frozenset[str]] = {}
    wireguard_errors: dict[str, tuple[ConfigError, ...]] = {}
    skipped: list[str] = []
    only, parse_if, parsed = scope.only, scope.parse_if, scope.parsed  # once, not per namespace
    for name in names:
        if only is not None and name not in only:
            skipped.append(name)
            continue
        path = paths.netns_interfaces(name)
        if parsed is not None and parsed[0] == name:
            configs[name], parse_errors = parsed[1], parsed[2]
            if parse_errors:
                config_errors[name] = parse_errors
        else:
            # With PARSE_IF, the file is opened to be judged anyway: its absence is found there.
            exists, data = _peek(path) if parse_if is not None else (os.path.exists(path), None)
            if exists and parse_if is not None and data is not None and not parse_if(name, data):
                skipped.append(name)
            elif exists:
                errors: list[ConfigError] = []
                configs[name] = parse_file(path, errors)
                if errors:
                    config_errors[name] = tuple(errors)
        xfrm_path = paths.netns_xfrm(name)
        if os.path.exists(xfrm_path):
            from .xfrm import parse_xfrm  # only IPsec gateways pay for it at start-up

            errors = []
            items = parse_xfrm(xfrm_path, name, errors)
            if errors:
                xfrm_errors[name] = tuple(errors)
            else:
                xfrms[name] = items
        etc = paths.netns_etc(name)
        if os.path.isdir(f"{etc}/wireguard"):
            from . import wireguard as wg  # only namespaces with WireGuard interfaces pay for it

            errors = []
            wireguard[name] = wg.load(name, etc, configs.get(name), errors)
            wireguard_names[name] = frozenset(wg.conf_files(etc))
            if errors:
                wireguard_errors[name] = tuple(errors)
    insides, inside_errors = _insides(paths, [*configs, *(i.dest_netns for items in xfrms.values() for i in items)])
    return World(
        paths,
        names,
        bad,
        host,
        tuple(host_errors),
        configs,
        config_errors,
        xfrms,
        xfrm_errors,
        wireguard,
        wireguard_names,
        wireguard_errors,
        insides,
        inside_errors,
        tuple(skipped),
    )


def _insides(paths: Paths, names: list[str]) -> tuple[dict[str, Inside], dict[str, tuple[ConfigError, ...]]]:
    """The ruleset and sysctls of each of NAMES that has such files, and their errors."""
    insides: dict[str, Inside] = {}
    errors: dict[str, tuple[ConfigError, ...]] = {}
    for name in dict.fromkeys(names):
        if any(os.path.lexists(f"{paths.netns_etc(name)}/{file}") for file in INSIDE_FILES):
            from . import inside  # only namespaces with such files pay for it at start-up

            insides[name], found = inside.load(paths, name)
            if found:
                errors[name] = tuple(found)
    return insides, errors


def _peek(path: str) -> tuple[bool, bytes | None]:
    """Whether PATH exists, and a regular file's bytes, for Scope.parse_if; no bytes (parse it) when it
    is anything else, cannot be read or is too large."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return False, None
    except OSError:
        return os.path.exists(path), None  # as before: a loop of links is no file, an unreadable one is
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return True, None
        data = os.read(fd, info.st_size + 1)
    except OSError:
        return True, None
    finally:
        os.close(fd)
    return True, data if len(data) <= MAX_FILE_BYTES else None
