# SPDX-License-Identifier: GPL-3.0-or-later
"""A namespace's sysctls: `/etc/netns/NAME/sysctl.d/*.conf`, then `/etc/netns/NAME/sysctl.conf`.

sysctl.conf(5) format: `KEY = VALUE` lines, `#` and `;` comments, a leading `-` to ignore a
failure; a KEY is dotted (`net.ipv4.ip_forward`) or, for device names with dots in them,
slashed (`net/ipv4/conf/eth1.124/rp_filter`). Files are read in that order, as
`sysctl --system` reads the host's; a key set twice takes its last value.

Only keys of the network namespace are allowed. The rule, from what the kernel does: a key
is per network namespace when it is under `net.` and a freshly created network namespace
has it, writable, in its own /proc/sys/net. Everything else changes the host from inside
the namespace (`kernel.*`, `vm.*`, `fs.*`...) or is one value for every namespace: the
`net.*` keys in GLOBAL_NET_KEYS, which the kernel registers only for the initial namespace
(or shows read-only in the others). tests/unit/test_sysctls.py compares this table with the
running kernel.
"""

from __future__ import annotations

import glob
import os
import re
import stat
from dataclasses import dataclass

from .commands import OnError, Run, Step
from .errors import ConfigError, Loc
from .facts import Paths
from .interfaces import read_config

PROC_SYS = "/proc/sys"

# `net.` keys that are not per namespace (without the `net.` prefix): what Linux 6.18 shows only
# in the initial namespace, or read-only in the others (tests/unit/test_sysctls.py compares it
# with the running kernel). A key that an older kernel keeps global and a newer one made per
# namespace (net.core.optmem_max) is allowed: on the older kernel the new namespace has no such
# file, the write fails and start is undone, changing nothing.
GLOBAL_NET_KEYS = frozenset(
    {
        *(
            f"core.{key}"
            for key in (
                "bpf_jit_enable", "bpf_jit_harden", "bpf_jit_kallsyms", "bpf_jit_limit", "busy_poll",
                "busy_read", "default_qdisc", "dev_weight", "dev_weight_rx_bias", "dev_weight_tx_bias",
                "devconf_inherit_init_net", "fb_tunnels_only_for_init_net", "flow_limit_cpu_bitmap",
                "flow_limit_table_len", "gro_normal_batch", "high_order_alloc_disable", "max_skb_frags",
                "mem_pcpu_rsv", "message_burst", "message_cost", "netdev_budget", "netdev_budget_usecs",
                "netdev_max_backlog", "netdev_rss_key", "netdev_tstamp_prequeue",
                "netdev_unregister_timeout_secs", "rmem_default", "rmem_max",
                "rps_sock_flow_entries", "skb_defer_max",
                "warnings", "wmem_default", "wmem_max",
            )
        ),
        *(
            f"ipv4.{key}"
            for key in (
                "cipso_cache_bucket_size", "cipso_cache_enable", "cipso_rbm_optfmt", "cipso_rbm_strictvalid",
                "fib_sync_mem", "inet_peer_maxttl", "inet_peer_minttl", "inet_peer_threshold",
                "ipfrag_secret_interval", "tcp_allowed_congestion_control", "tcp_available_congestion_control",
                "tcp_available_ulp", "tcp_ehash_entries", "tcp_low_latency", "tcp_max_orphans", "tcp_mem",
                "udp_hash_entries", "udp_mem",
            )
        ),
        *(
            f"ipv4.route.{key}"
            for key in (
                "error_burst", "error_cost", "gc_elasticity", "gc_interval", "gc_min_interval",
                "gc_min_interval_ms", "gc_thresh", "gc_timeout", "max_size", "redirect_load",
                "redirect_number", "redirect_silence",
            )
        ),
        "ipv6.calipso_cache_bucket_size", "ipv6.calipso_cache_enable", "ipv6.ip6frag_secret_interval",
        "ipv6.mld_max_msf", "ipv6.mld_qrv",
        "netfilter.nf_log_all_netns", "netfilter.nf_conntrack_max", "netfilter.nf_conntrack_buckets",
        "netfilter.nf_conntrack_expect_max", "nf_conntrack_max",
    }
)  # fmt: skip
# The neighbour tables' defaults are the initial namespace's: a new namespace has only its devices'.
GLOBAL_NET_PREFIXES = ("ipv4.neigh.default.", "ipv6.neigh.default.")
# net.ipv4.conf.DEV.KEY, net.ipv6.neigh.DEV.KEY...: DEV may come into the namespace only at start.
_DEVICE_TABLES = ("conf", "neigh")
_LINE_RE = re.compile(r"(?P<ignore>-?)\s*(?P<key>[^=\s]+)\s*=\s*(?P<value>.*)")


@dataclass(frozen=True)
class Setting:
    """One `KEY = VALUE` line of a namespace's sysctl files."""

    key: str  # as written
    parts: tuple[str, ...]  # the path below /proc/sys, one item per component
    value: str
    loc: Loc
    optional: bool = False  # written `-KEY = VALUE`: a failure to set it is ignored, as sysctl does

    @property
    def name(self) -> str:
        """The dotted name (`net.ipv4.ip_forward`)."""
        return ".".join(self.parts)

    def proc_path(self, proc_sys: str = PROC_SYS) -> str:
        return "/".join((proc_sys, *self.parts))


def files(paths: Paths, netns: str) -> tuple[str, ...]:
    """The namespace's sysctl files in the order they apply (existing ones only)."""
    base = paths.netns_etc(netns)
    found = sorted(glob.glob(f"{glob.escape(base)}/sysctl.d/*.conf"))
    if os.path.lexists(f"{base}/sysctl.conf"):
        found.append(f"{base}/sysctl.conf")
    return tuple(found)


def text_lines(path: str, data: bytes) -> list[tuple[Loc, str]]:
    """The lines of a configuration file's DATA, each with its place; NUL bytes and bad UTF-8 raise."""
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        loc = Loc(path, number)
        if b"\x00" in raw:
            raise ConfigError("NUL byte in line", loc)
        try:
            lines.append((loc, raw.decode("utf-8").removeprefix("\ufeff").rstrip("\r")))
        except UnicodeDecodeError:
            raise ConfigError("line is not valid UTF-8 text", loc) from None
    return lines


def parse(path: str) -> list[Setting]:
    """The settings of one sysctl.conf(5) file."""
    settings = []
    for loc, text in text_lines(path, read_config(path, None)):
        line = text.strip()
        if not line or line[0] in "#;":
            continue
        match = _LINE_RE.fullmatch(line)
        if match is None:
            raise ConfigError(f"expected `KEY = VALUE`, not {line[:60]!r}", loc)
        key, value = match["key"], match["value"].strip()
        if not value:
            raise ConfigError(f"{key} has no value", loc)
        if any(c in key for c in "*?["):
            raise ConfigError(
                f"{key}: glob patterns are not supported", loc, hint="name each key, or use conf.all / conf.default"
            )
        parts = tuple(key.strip("/").split("/") if "/" in key else key.split("."))
        if any(part in ("", ".", "..") for part in parts):
            raise ConfigError(f"invalid key {key!r}", loc)
        settings.append(Setting(key, parts, value, loc, optional=bool(match["ignore"])))
    return settings


def problem(setting: Setting, proc_sys: str = PROC_SYS) -> ConfigError | None:
    """Why SETTING may not be set inside a namespace on this kernel, or None."""
    key, loc = setting.key, setting.loc
    if setting.parts[0] != "net" or len(setting.parts) < 2:
        return ConfigError(
            f"{key} is not a network namespace's setting: set inside, it would change the host",
            loc,
            hint="only net.* keys are per network namespace; set others in the host's /etc/sysctl.d",
        )
    rest = ".".join(setting.parts[1:])
    if rest in GLOBAL_NET_KEYS or rest.startswith(GLOBAL_NET_PREFIXES):
        return ConfigError(
            f"{key} is global: the kernel keeps one value for every network namespace, so it would change the host",
            loc,
            hint="set it in the host's /etc/sysctl.d",
        )
    path = setting.proc_path(proc_sys)
    if not os.path.exists(path):
        parts = setting.parts
        if len(parts) == 5 and parts[1] in ("ipv4", "ipv6") and parts[2] in _DEVICE_TABLES:
            # A device that is not here yet: its key exists once it is (checked at start).
            path = "/".join((proc_sys, *parts[:3], "default", parts[4]))
        if not os.path.exists(path):
            return ConfigError(f"no such sysctl key on this kernel: {key}", loc)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return ConfigError(f"{key} is a group of keys, not a key", loc)
    if not mode & stat.S_IWUSR:
        return ConfigError(f"{key} is read-only", loc)
    return None


def collect(paths: Paths, netns: str) -> tuple[tuple[Setting, ...], list[ConfigError]]:
    """The namespace's settings in the order they apply (a key set twice keeps its last value), and every error."""
    last: dict[tuple[str, ...], Setting] = {}
    errors: list[ConfigError] = []
    for path in files(paths, netns):
        try:
            settings = parse(path)
        except ConfigError as e:
            errors.append(e)
            continue
        for setting in settings:
            error = problem(setting)
            if error is not None:
                errors.append(error)
                continue
            last.pop(setting.parts, None)
            last[setting.parts] = setting
    return tuple(last.values()), errors


def load(paths: Paths, netns: str) -> tuple[Setting, ...]:
    """The namespace's settings, checked: the first error raises."""
    settings, errors = collect(paths, netns)
    if errors:
        raise errors[0]
    return settings


def apply(netns: str, setting: Setting) -> Step:
    """Write SETTING's value inside NETNS (/proc/sys/net is the writer's namespace's)."""
    run = Run(("ip", "netns", "exec", netns, "tee", setting.proc_path()), stdin=f"{setting.value}\n", quiet=True)
    return Step(run, OnError.IGNORE if setting.optional else OnError.FAIL)
