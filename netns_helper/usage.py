# SPDX-License-Identifier: GPL-3.0-or-later
"""The command table: each command's operands, flags, options and help.

One table drives the argument parser, --help, and the bash completion (completion.py).
"""

from __future__ import annotations

from . import args

EPILOG = """\
examples:
  netns-helper --print-commands start nginx   # show what start would run, as sh
  netns-helper --verbose start nginx          # build namespace nginx, log each command
  netns-helper stop nginx

exit codes: 0 success, 1 a command failed, 2 usage or configuration error.
"""


COMMANDS = (
    args.Command(
        "start", "NAME", 1, 1, "build namespace NAME",
        "Create namespace NAME from /etc/netns/NAME/network/interfaces: move its NICs in, create its VLANs\n"
        "of host NICs inside it, and run ifup -a inside with its own ifupdown state.",
        "netns-helper --verbose start nginx",
    ),
    args.Command(
        "stop", "NAME", 1, 1, "tear down namespace NAME",
        "Run ifdown -a inside NAME, end its processes, return its NICs to this namespace, delete the\n"
        "VLANs it made, and delete NAME. Every step runs even when one fails.",
        "netns-helper stop nginx",
    ),
    args.Command(
        "check", "[NAME ...]", 0, None, "validate configuration, change nothing",
        "Validate the host's /etc/network/interfaces (its link-netns stanzas) and every\n"
        "/etc/netns/*/network/{interfaces,xfrm}, /etc/netns/*/wireguard/*.conf, /etc/netns/*/nftables.conf\n"
        "(nft -c) and sysctl files (or only NAME's) against each other and this host.\n"
        "Each problem is reported as `path:line: error|warning: message`.\n"
        "Exit 0 when clean, 1 with warnings only, 2 with errors.",
        "netns-helper check nginx",
        flags=(("--json", "print the problems as a JSON list"),),
    ),
    args.Command(
        "enable", "SERVICE", 1, 1, "run SERVICE in its namespace (the drop-in)",
        "Create /etc/systemd/system/SERVICE.service.d/ with the netns.conf symlink, and reload systemd.",
        "netns-helper enable --now nginx",
        flags=(("--now", "restart SERVICE as well"),),
    ),
    args.Command(
        "join", "SERVICE2 SERVICE1", 2, 2, "run SERVICE2 in SERVICE1's namespace",
        "Write SERVICE2's drop-in that binds it to SERVICE1's namespace, and reload systemd.",
        "netns-helper join --restart-with service2 service1",
        flags=(("--restart-with", "restart SERVICE2 whenever SERVICE1 restarts (deps.conf)"),),
    ),
    args.Command(
        "disable", "SERVICE", 1, 1, "undo enable or join",
        "Remove what enable or join wrote for SERVICE, and reload systemd.",
        "netns-helper disable nginx",
    ),
    args.Command(
        "status", "[NAME]", 0, 1, "show managed namespaces and what is wrong",
        "For each namespace: its unit, services, processes, links, XFRM interfaces, and drift from\n"
        "its configuration. Exit 0 when all is as configured, 1 otherwise.",
        "netns-helper status --json nginx",
        flags=(("--json", "print the status as JSON"), ("--dot", "print the topology as a Graphviz graph")),
        options=(("--svg", "FILE", "render the topology into FILE with Graphviz's dot"),),
    ),
    args.Command(
        "metrics", "", 0, 0, "write Prometheus node-exporter textfile metrics",
        "Write per-namespace link counters and states, XFRM interface and process counts, atomically,\n"
        "into the node-exporter textfile directory.",
        "netns-helper metrics --textfile-dir=/var/lib/prometheus/node-exporter",
        options=(("--textfile-dir", "DIR", "default /var/lib/prometheus/node-exporter"),),
    ),
    args.Command(
        "hotplug", "add|remove|watch IFACE", 2, 2, "a hot-plugged device joins the namespace claiming it",
        "Run by udev for each network device that appears on the host. When a running namespace's\n"
        "configuration has `allow-hotplug IFACE`, add moves IFACE in and runs ifup for it there (under\n"
        "systemd, in netns-helper-hotplug@IFACE.service); remove takes IFACE out of ifupdown there;\n"
        "watch returns when IFACE leaves the namespace (the unit's main process). Otherwise nothing.",
        "netns-helper --print-commands hotplug add eth2",
        flags=(("--here", "add: run ifup in this process (what netns-helper-hotplug@.service runs)"),),
    ),
    args.Command(
        "reload", "NAME", 1, 1, "apply NAME's changed ruleset and sysctls in place",
        "Check /etc/netns/NAME/nftables.conf with nft -c, then replace the namespace's ruleset with it in\n"
        "one transaction (a broken file changes nothing), and set /etc/netns/NAME/sysctl.conf and\n"
        "sysctl.d/*.conf again. Nothing restarts. The template unit's ExecReload=.",
        "systemctl reload systemd-netns@nginx.service",
    ),
    args.Command(
        "publish", "SERVICE [ADDRESS:]PORT [TARGET:PORT]", 2, 3, "reach SERVICE's TCP port from the host",
        "Write netns-publish-NETNS-PORT.socket, listening on the host's ADDRESS:PORT (every address\n"
        "without one), and netns-publish-NETNS-PORT.service, systemd-socket-proxyd in SERVICE's namespace\n"
        "connecting to TARGET:PORT there (default 127.0.0.1:PORT); reload systemd, start the socket.\n"
        "Refused when the port is listened on already. No veth, no route, no NAT.",
        "netns-helper publish nginx 127.0.0.1:8080 127.0.0.1:80",
    ),
    args.Command(
        "unpublish", "SERVICE [ADDRESS:]PORT", 2, 2, "undo publish",
        "Stop and remove the socket and proxy units that publish wrote for SERVICE's PORT.",
        "netns-helper unpublish nginx 8080",
    ),
)  # fmt: skip
