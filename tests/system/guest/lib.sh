# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers shared by the scenarios (sourced; the check program runs each scenario with
# `sh -eux`, so any failing command fails the scenario and the trace shows which).

# shellcheck disable=SC2034 # used by the scenarios
STATE=/run/netns-system-test    # scenarios leave notes for later ones here (made by check)

# not CMD...: succeeds when CMD fails (`! CMD` would not stop a `set -e` script).
not() {
    if "$@"; then
        echo "expected to fail: $*" >&2
        return 1
    fi
}

# wait_for CMD...: retries CMD for up to 20 s (services bind their sockets after "started").
wait_for() {
    tries=200
    until "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# http_get URL: prints the response body; fails if nothing answers within 2 s.
http_get() {
    python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' "$1"
}

# listens PORT: something listens on TCP PORT in the current network namespace.
listens() {
    [ -n "$(ss -Hltn "sport = :$1")" ]
}

# join_dropin NETNS: the drop-in that runs a service in NETNS's namespace, as the README has the
# admin write it by hand (and as `netns-helper join` writes it).
join_dropin() {
    cat <<END
[Unit]
BindsTo=systemd-netns@$1.service
After=systemd-netns@$1.service

[Service]
NetworkNamespacePath=/run/netns/$1
END
}

main_pid() {
    systemctl show --property=MainPID --value "$1"
}

# netns_of PATH: the network namespace (inode) of /proc/PID/ns/net or /run/netns/NAME.
netns_of() {
    stat -L -c %i "$1"
}

# execed UNIT: the main process of UNIT runs its own program. systemd reports a Type=simple
# service started as soon as it has forked it, before the child joins the service's network
# namespace and executes the program; on trixie (systemd 257) that child is a separate
# program, systemd-executor, and the gap is long enough for a check to see the root namespace.
execed() {
    case $(readlink "/proc/$(main_pid "$1")/exe") in
    */systemd | */systemd-executor | "") return 1 ;;
    esac
}

# in_netns UNIT NAME: the main process of UNIT is in network namespace NAME (once it runs its
# program: see execed).
in_netns() {
    wait_for execed "$1"
    [ "$(netns_of "/proc/$(main_pid "$1")/ns/net")" = "$(netns_of "/run/netns/$2")" ]
}

# logged UNIT REGEX: the journal of UNIT has a line matching the extended REGEX.
logged() {
    journalctl --no-pager --unit="$1" | grep -E "$2"
}

# logged_anywhere PATTERN: a line of this boot's journal matches PATTERN. For what a process
# that dies at once logs: journald may not learn its unit in time, and --unit misses the line.
logged_anywhere() {
    journalctl --no-pager --boot | grep -E "$1"
}

# unit_is UNIT STATE: UNIT is in STATE (active, inactive, failed...).
unit_is() {
    [ "$(systemctl is-active "$1")" = "$2" ]
}

# snapshot FILE: what a namespace could leave behind in the root namespace: links,
# namespaces, ifupdown state directories, and the mounts (mount point, type and source, so that
# a diff names the mount that came or went).
snapshot() {
    {
        echo "links:"; ip -o link show | cut -d: -f2 | cut -d@ -f1
        echo "netns:"; ls /run/netns 2>/dev/null || true
        echo "ifupdown state:"; ls /run/network/netns 2>/dev/null || true
        echo "mounts:"; awk '{ for (i = 7; $i != "-"; i++) ; print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort
    } > "$1"
    cat "$1"
}

# write_interfaces NAME NIC ADDRESS: /etc/netns/NAME/network/interfaces as the README
# shows (lo and one static NIC), and a resolv.conf of the namespace's own. Its name server
# refuses at once: python's http.server looks its address up when it starts.
write_interfaces() {
    mkdir -p "/etc/netns/$1/network"
    cat > "/etc/netns/$1/network/interfaces" <<END
auto lo
iface lo inet loopback

auto $2
iface $2 inet static
    address $3
END
    printf '# namespace %s\nnameserver 127.0.0.1\n' "$1" > "/etc/netns/$1/resolv.conf"
    cat "/etc/netns/$1/network/interfaces"
}

# use_netns SERVICE: the README's drop-in, a symlink to the shared netns.conf.
use_netns() {
    mkdir -p "/etc/systemd/system/$1.service.d"
    ln -sf /usr/share/systemd-netns-helper/netns.conf "/etc/systemd/system/$1.service.d/"
}

# mark_netns NAME, then is_fresh NAME: namespace NAME is not the one that was marked, it was
# rebuilt meanwhile. (Inode numbers cannot tell: the kernel reuses a freed one at once.)
mark_netns() {
    ip -n "$1" address add 127.0.0.99/8 dev lo
}
is_fresh() {
    if ip -n "$1" -o address show dev lo | grep -q '127\.0\.0\.99/'; then
        echo "namespace $1 was not rebuilt: it still has the marker address 127.0.0.99" >&2
        return 1
    fi
}

# may_start UNIT...: forget UNIT's recent starts; systemd refuses a sixth start of a unit
# within 10 s (its start limit), whoever asks, and the scenarios restart nginx often. A unit
# systemd has not loaded has no count to forget.
may_start() {
    systemctl reset-failed "$@" 2> /dev/null || true
}

# in_root_netns UNIT: the main process of UNIT is in the root network namespace.
in_root_netns() {
    wait_for execed "$1"
    [ "$(netns_of "/proc/$(main_pid "$1")/ns/net")" = "$(netns_of /proc/1/ns/net)" ]
}

# exit_status EXPECTED CMD...: CMD exits with status EXPECTED (its output shown).
exit_status() {
    expected=$1
    shift
    status=0
    "$@" || status=$?
    if [ "$status" != "$expected" ]; then
        echo "expected exit status $expected, got $status: $*" >&2
        return 1
    fi
}

# gone PID: process PID has ended (it may be a zombie until its parent reaps it).
gone() {
    [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

# logged_this_boot TEXT: a line of this boot's journal contains TEXT.
logged_this_boot() {
    journalctl --boot --no-pager | grep -F "$1"
}

# offline_install SET, offline_purge SET: install the packages of the set SET of
# ../offline-packages from the image's cache (no network), and purge them all again.
OFFLINE=/var/cache/netns-system-test
offline_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$OFFLINE/$1"/*.deb
}
offline_purge() {
    # shellcheck disable=SC2046 # one word per package
    DEBIAN_FRONTEND=noninteractive dpkg --purge $(for deb in "$OFFLINE/$1"/*.deb; do dpkg-deb -f "$deb" Package; done)
}

# dns_server: dnsmasq in namespace dnssrv (10.99.0.1), on host bridge dnsbr, which has no
# address: the host cannot reach it. It leases 10.99.0.10-99 with itself as the DNS server
# (option 6) and answers web.lease.test (10.99.0.7), forwarding nothing; it offers at once
# (--no-ping: no 3-s probe of the address first). dns_server_stop ends it.
dns_server() {
    rm -f "$STATE/dnsmasq.log"
    ip link add dnsbr type bridge
    ip link set dnsbr up
    ip netns add dnssrv
    ip link add dnssrv0 netns dnssrv type veth peer name dnsbr-srv
    ip link set dnsbr-srv master dnsbr up
    ip -n dnssrv address add 10.99.0.1/24 dev dnssrv0
    ip -n dnssrv link set dnssrv0 up
    ip netns exec dnssrv dnsmasq --conf-file=/dev/null --user=root --interface=dnssrv0 --bind-interfaces --no-ping \
        --no-resolv --no-hosts --host-record=web.lease.test,10.99.0.7 \
        --dhcp-range=10.99.0.10,10.99.0.99,10m --dhcp-leasefile="$STATE/dnsmasq.leases" \
        --pid-file="$STATE/dnsmasq.pid" --log-queries --log-dhcp --log-facility="$STATE/dnsmasq.log"
}
# The kernel frees a deleted namespace, and the veth end in it, later (and only once dnsmasq has
# exited): the pair goes with its host end at once, so that the next dns_server can make it.
dns_server_stop() {
    if [ -e "$STATE/dnsmasq.pid" ]; then
        pid=$(cat "$STATE/dnsmasq.pid")
        kill "$pid"
        wait_for gone "$pid"
    fi
    rm -f "$STATE/dnsmasq.pid" "$STATE/dnsmasq.leases"
    ip link delete dnsbr-srv 2> /dev/null || true
    ip netns delete dnssrv 2> /dev/null || true
    ip link delete dnsbr 2> /dev/null || true
}

# dns_namespaces: two namespaces on dns_server's bridge, each with a service (named after it)
# that looks web.lease.test up at its start (output in $STATE/NAME.out): ldhcp gets its
# address and name server by DHCP, lstatic has a static address and `dns-nameservers`.
# dns_namespaces_stop stops both.
dns_namespaces() {
    for name in ldhcp lstatic; do
        mkdir -p "/etc/netns/$name/network"
        cat > "/etc/systemd/system/$name.service" <<END
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -ec 'getent hosts web.lease.test; cat /etc/resolv.conf'
StandardOutput=truncate:$STATE/$name.out
END
        use_netns "$name"
    done
    cat > /etc/netns/ldhcp/network/interfaces <<END
auto lo
iface lo inet loopback

auto dnsbr..1
iface dnsbr..1 inet dhcp
END
    cat > /etc/netns/lstatic/network/interfaces <<END
auto lo
iface lo inet loopback

auto dnsbr..2
iface dnsbr..2 inet static
    address 10.99.0.5/24
    dns-nameservers 10.99.0.1
    dns-search lease.test
END
    systemctl daemon-reload
    systemctl start ldhcp.service lstatic.service
}
dns_namespaces_stop() {
    systemctl stop ldhcp.service lstatic.service systemd-netns@ldhcp.service systemd-netns@lstatic.service
}
# dns_namespaces_remove: their files, units and kept leases.
dns_namespaces_remove() {
    for name in ldhcp lstatic; do
        rm -rf "/etc/netns/$name" "/etc/systemd/system/$name.service" "/etc/systemd/system/$name.service.d" \
            "/var/lib/netns-helper/$name"
    done
    systemctl daemon-reload
}

# resolves_in_netns NAME: the service of namespace NAME found web.lease.test, asking the
# namespace's name server (10.99.0.1, from the lease or dns-nameservers) alone; the host
# does not know that server.
resolves_in_netns() {
    cat "$STATE/$1.out"
    grep -E '^10\.99\.0\.7 +web\.lease\.test$' "$STATE/$1.out"
    [ "$(grep '^nameserver' "$STATE/$1.out")" = "nameserver 10.99.0.1" ]
    not getent hosts web.lease.test
}

# on_resolver_host SET [UNIT]: a host running the resolver of offline set SET (installed here,
# purged at the end, /etc/resolv.conf put back; UNIT restarted after the install): the
# namespaces of dns_namespaces resolve with their own name server, and what the host's resolver
# is told (the scenario's `host_resolver` prints it) is the same before their start, while they
# run and after their stop.
on_resolver_host() {
    cp -a /etc/resolv.conf "$STATE/resolv.conf.orig"
    resolver_set=$1
    trap 'resolver_host_cleanup "$resolver_set"' EXIT
    offline_install "$1"
    if [ -n "${2:-}" ]; then systemctl restart "$2"; fi
    dns_server
    wait_for host_resolver > /dev/null
    host_resolver > "$STATE/resolver-before"
    cat "$STATE/resolver-before"
    dns_namespaces
    grep DHCPACK "$STATE/dnsmasq.log"
    resolves_in_netns ldhcp
    resolves_in_netns lstatic
    host_resolver | diff "$STATE/resolver-before" -
    dns_namespaces_stop
    host_resolver | diff "$STATE/resolver-before" -
    trap - EXIT
    resolver_host_cleanup "$1"
    not ip netns exec dnssrv true
    not ip link show ldhcp-1
}
resolver_host_cleanup() {
    dns_namespaces_stop || true
    dns_namespaces_remove
    dns_server_stop
    offline_purge "$1"
    rm -f /etc/resolv.conf
    cp -a "$STATE/resolv.conf.orig" /etc/resolv.conf
}

# on_managed_host NAME: a host whose network manager NAME (as `check` names it) manages its
# admin NIC eth5 (DHCP from dns_server) by a rule that matches eth* and so also eth6, which
# namespace nd claims; nd also has a link-netns pair (host end ndhost, with a host stanza).
# The scenario defines manager_start (writes the manager's files, starts it), manager_stop
# (stops it and removes them) and manages DEV (succeeds when the manager manages DEV now).
# `check` warns for eth6 and not for ndhost; nd gets eth6 and configures it once, untouched
# by the manager; stop gives it back without nd's address, and the manager takes it again
# (the admin's rule says so); ndhost is never managed; eth5 is the same throughout.
on_managed_host() {
    cp /etc/network/interfaces "$STATE/interfaces.orig"
    trap managed_host_cleanup EXIT
    cat >> /etc/network/interfaces <<END

iface ndhost inet static
    address 100.64.0.0/31
link-netns nd ndhost ndin
END
    mkdir -p /etc/netns/nd/network
    cat > /etc/netns/nd/network/interfaces <<END
auto lo
iface lo inet loopback

auto eth6 ndin
iface eth6 inet static
    address 10.66.0.2/24
iface ndin inet static
    address 100.64.0.1/31
END
    dns_server
    ip link add eth5 type veth peer name peer5
    ip link set peer5 master dnsbr up
    ip link add eth6 type veth peer name peer6
    ip address add 10.66.0.1/24 dev peer6
    ip link set peer6 up
    manager_start
    wait_for leased eth5
    wait_for manages eth5
    wait_for manages eth6
    admin_nic > "$STATE/eth5-before"
    cat "$STATE/eth5-before"

    checked=0
    netns-helper check nd > "$STATE/check.out" 2>&1 || checked=$?
    cat "$STATE/check.out"
    [ "$checked" = 1 ]     # warnings only
    grep -E "warning: eth6 is also managed by the host's $1 \(.+\) whenever it is on the host" "$STATE/check.out"
    not grep -E 'ndhost|eth5' "$STATE/check.out"

    systemctl start systemd-netns@nd.service
    not ip link show eth6
    [ "$(ip -n nd -4 -o address show dev eth6 | awk '{ print $4 }')" = 10.66.0.2/24 ]
    ping -c 1 -W 5 10.66.0.2
    ping -c 1 -W 5 100.64.0.1
    ip -4 -o address show dev ndhost | grep -F 'inet 100.64.0.0/31'
    not manages ndhost
    sleep 2     # what the manager would do to a link it saw come, or to the one that went
    [ "$(ip -n nd -4 -o address show dev eth6 | awk '{ print $4 }')" = 10.66.0.2/24 ]
    not manages ndhost
    admin_nic | diff "$STATE/eth5-before" -

    systemctl stop systemd-netns@nd.service
    not ip netns exec nd true
    not ip link show ndhost
    ip link show eth6
    not ip_of eth6 10.66.0.2
    wait_for manages eth6
    admin_nic | diff "$STATE/eth5-before" -
    trap - EXIT
    managed_host_cleanup
}
managed_host_cleanup() {
    systemctl stop systemd-netns@nd.service || true
    manager_stop
    ip link delete eth5 2> /dev/null || true
    ip link delete eth6 2> /dev/null || true
    dns_server_stop
    cp "$STATE/interfaces.orig" /etc/network/interfaces
    rm -rf /etc/netns/nd
}
# leased DEV: DEV has an address from dns_server.
leased() {
    ip -4 -o address show dev "$1" | grep -F 'inet 10.99.0.'
}
# ip_of DEV ADDRESS: DEV has IPv4 address ADDRESS.
ip_of() {
    ip -4 -o address show dev "$1" | grep -F "inet $2/"
}
# admin_nic: eth5 as the host has it (index, state, addresses).
admin_nic() {
    cat /sys/class/net/eth5/ifindex
    ip -br address show dev eth5
}
