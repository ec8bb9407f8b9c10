# SPDX-License-Identifier: GPL-3.0-or-later
# Starts that fail after creating an XFRM interface are undone, and leave nothing behind:
# 1. the kernel refuses an IPv6 route (rbdest's own file routes 2001:db8:b::/48 to a
#    blackhole in table 1000) after the IPv4 routes and BlockP2P rule went in;
# 2. the same, while service ra uses rbdest: ra keeps its interface, routes and rules;
#    and an interface name that rbdest already has is refused before any change;
# 3. a destination's own file that creates an interface of the XFRM interface's name is
#    refused before any change (check says so too); one that rcdest's own if-up.d hook
#    creates, which no rule reads, makes the move fail at start, and the start is undone.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    stop_and_remove ra rb rd rc rbdest rcdest
    ip link delete eth11p  # and eth11, its other end
}

put_lo ra rb rd rc
put_uplink rbdest eth11 '    up ip -6 route add blackhole 2001:db8:b::/48 table 1000'
put_xfrm ra ra0 7 rbdest '10.9.1.0/24, 2001:db8:a::/48' BlockP2P=true
put_xfrm rb rb0 7 rbdest '10.9.2.0/24, 2001:db8:b::/48' BlockP2P=true

# Nothing of service rb is left.
check_rb_undone() {
    check "no namespace rb" no_netns rb
    check "no rb0 in the root namespace" no_link root rb0
    check "no ifupdown state left for rb" test ! -e /run/network/netns/rb
}

echo "=== 1. the kernel refuses rb's IPv6 route; rbdest was created for rb"
run_status 1 netns-helper --verbose start rb
check "the message names the refused route" output_has 'route add 2001:db8:b::/48 dev rb0 table 1000'
check "the message says what the kernel said" output_has 'File exists'
check_rb_undone
check "no namespace rbdest" no_netns rbdest
check "eth11 is back in the root namespace" link_is root eth11
check "no XFRM interface in the root namespace" no_link_kind root xfrm

echo "=== 2. the same while service ra uses rbdest"
run netns-helper --verbose start ra
check "ra0 is in rbdest" link_is rbdest ra0 '.linkinfo.info_kind == "xfrm"'
run_status 1 netns-helper --verbose start rb
check_rb_undone
check "rbdest is still running" test -e /run/netns/rbdest
check "no rb0 in rbdest" no_link rbdest rb0
check "ra0 is still in rbdest, up" link_is rbdest ra0 'any(.flags[]; . == "UP")'
check "eth11 is still in rbdest, with its address" has_addr rbdest eth11 203.0.113.2/24
run ip -n rbdest -4 rule show
run ip -n rbdest -6 rule show
check "ra's IPv4 rule is still there, once" rules_are rbdest -4 1 '.iif == "eth11" and .table == "1000"'
check "ra's IPv6 rule is still there, once" rules_are rbdest -6 1 '.iif == "eth11" and .table == "1000"'
check "from the uplink, 10.9.1.5 still goes into ra0" \
    route_is rbdest '.dev == "ra0" and .table == "1000"' 10.9.1.5 from 198.51.100.7 iif eth11
check "from the uplink, 2001:db8:a::5 still goes into ra0" \
    route_is rbdest '.dev == "ra0" and .table == "1000"' 2001:db8:a::5 from 2001:db8:99::7 iif eth11

# An interface that rbdest has already: refused before any change (a configuration error).
run ip -n rbdest link add rd0 type dummy
put_xfrm rd rd0 8 rbdest 10.9.4.0/24
run_status 2 netns-helper --verbose start rd
check "the message names the clash" output_has 'rbdest already has an interface named rd0'
check "no namespace rd" no_netns rd
check "rd0 in rbdest is still the dummy" link_is rbdest rd0 '.linkinfo.info_kind == "dummy"'
run ip -n rbdest link delete rd0

run netns-helper --verbose stop ra
for ns in ra rbdest; do check "no namespace $ns" no_netns "$ns"; done
check "eth11 is back in the root namespace" link_is root eth11

echo "=== 3a. rcdest's own file makes an interface named rc0: refused before any change"
put /etc/netns/rcdest/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto rc0
iface rc0 inet manual
    pre-up ip link add rc0 type dummy
CONF
put_xfrm rc rc0 9 rcdest 10.9.3.0/24
run_status 2 netns-helper check rc
check "check names the clash and the line" \
    output_has 'would get two interfaces named rc0: .*/etc/netns/rcdest/network/interfaces:6'
run_status 2 netns-helper --verbose start rc
check "start names the clash" output_has 'xfrm:1: error: namespace rcdest would get two interfaces named rc0'
for ns in rc rcdest; do check "no namespace $ns" no_netns "$ns"; done

echo "=== 3b. rcdest's own if-up.d hook makes rc0 during its ifup: moving rc's rc0 there fails"
put_lo rcdest
put /etc/netns/rcdest/network/if-up.d/rc0-dummy <<'HOOK'
#!/bin/sh
[ "$IFACE" = lo ] || exit 0
exec ip link add rc0 type dummy
HOOK
chmod 755 /etc/netns/rcdest/network/if-up.d/rc0-dummy
run netns-helper check rc  # no rule reads what a hook does
run_status 1 netns-helper --verbose start rc
check "the message names the failed move" output_has 'ip -n rc link set dev rc0 netns rcdest'
for ns in rc rcdest; do check "no namespace $ns" no_netns "$ns"; done
check "no rc0 in the root namespace" no_link root rc0
check "no XFRM interface in the root namespace" no_link_kind root xfrm
check "rcdest's own hook is kept" test -x /etc/netns/rcdest/network/if-up.d/rc0-dummy
