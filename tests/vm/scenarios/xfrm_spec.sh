# SPDX-License-Identifier: GPL-3.0-or-later
# The spec's xfrm example for real: strongswan's namespace takes ens5; ipsec0 (if_id 17)
# goes into namespace tunnel, ipsec1 (if_id 18, on ens5, BlockP2P) into tunnel2, whose
# uplink eth7 carries the default route. Then the README's version of the example (an
# IPv6 prefix on ipsec1, and an MTU) for the IPv6 routes, rules and forwarding.
# stop leaves no namespace, XFRM interface or rule, and gives every NIC back.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    stop_and_remove strongswan tunnel tunnel2
    ip link delete ens5
    ip link delete eth8
    ip link delete eth7p  # and eth7, its other end
}

run ip link add ens5 type dummy
run ip link add eth8 type dummy
put_uplink tunnel2 eth7 '' 'iface eth7 inet6 static' '    address 2001:db8:7::2/64' '    gateway 2001:db8:7::1' \
    '    dad-attempts 0'
put /etc/netns/strongswan/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto ens5
iface ens5 inet static
    address 192.0.2.1/24
CONF
put /etc/netns/tunnel/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto eth8
iface eth8 inet static
    address 198.51.100.2/24
CONF
# The spec's example, word for word.
put /etc/netns/strongswan/network/xfrm <"$VMTEST_EXAMPLES/strongswan/xfrm"

# ipsec1 in tunnel2 (both versions of the example).
check_ipsec1() {
    local ens5 strongswan
    check "ipsec1 is an XFRM interface with if_id 18 in tunnel2, up" link_is tunnel2 ipsec1 \
        '.linkinfo.info_kind == "xfrm" and .linkinfo.info_data.if_id == "0x12" and any(.flags[]; . == "UP")'
    # The underlay is in another namespace: ip shows its ifindex and that namespace's id.
    ens5=$(ifindex strongswan ens5)
    strongswan=$(ip -n tunnel2 -j netns list-id | jq '.[] | select(.name == "strongswan") | .nsid')
    check "ipsec1's underlying device is strongswan's ens5" \
        link_is tunnel2 ipsec1 ".link_index == $ens5 and .link_netnsid == ${strongswan:-null}"
    check "IPv4 forwarding is on in tunnel2" sysctl_is tunnel2 net/ipv4/ip_forward 1
    check "one IPv4 rule: iif eth7 lookup 1000" \
        rules_are tunnel2 -4 1 '.iif == "eth7" and .table == "1000"'
    check "BlockP2P: from the uplink, 10.143.14.5 is reached through ipsec1 (table 1000)" \
        route_is tunnel2 '.dev == "ipsec1" and .table == "1000"' 10.143.14.5 from 198.51.100.7 iif eth7
}

# After each stop.
check_stopped() {
    for ns in strongswan tunnel tunnel2; do check "no namespace $ns" no_netns "$ns"; done
    for nic in ens5 eth7 eth8; do check "$nic is back in the root namespace" link_is root "$nic"; done
    check "no XFRM interface in the root namespace" no_link_kind root xfrm
    for ns in strongswan tunnel tunnel2; do
        check "no ifupdown state left for $ns" test ! -e "/run/network/netns/$ns"
    done
}

echo "=== the spec's example"
run netns-helper --verbose start strongswan
run ip -n tunnel2 -d link show ipsec1
check "ens5 is in strongswan, up" link_is strongswan ens5 'any(.flags[]; . == "UP")'
check "eth8 is in tunnel, with its address" has_addr tunnel eth8 198.51.100.2/24
check "eth7 is in tunnel2, with its address" has_addr tunnel2 eth7 203.0.113.2/24
for nic in ens5 eth7 eth8; do check "no $nic in the root namespace" no_link root "$nic"; done
check "ipsec0 is an XFRM interface with if_id 17 in tunnel, up" link_is tunnel ipsec0 \
    '.linkinfo.info_kind == "xfrm" and .linkinfo.info_data.if_id == "0x11" and any(.flags[]; . == "UP")'
check "ipsec0 has no underlying device" link_is tunnel ipsec0 'has("link_index") | not'
check_ipsec1
for dev in ipsec0 ipsec1; do
    check "no $dev in strongswan or the root namespace" eval "no_link strongswan $dev && no_link root $dev"
done
check "no XFRM interface in strongswan" no_link_kind strongswan xfrm
check "IPv4 forwarding is on in tunnel" sysctl_is tunnel net/ipv4/ip_forward 1

run ip -n tunnel route show
check "10.143.12.0/24 is routed into ipsec0 in tunnel's main table" \
    route_is tunnel '.dev == "ipsec0" and .table == "main"' 10.143.12.5
run ip -n tunnel2 route show table all type unicast
run ip -n tunnel2 rule show
for prefix in 10.143.14.0/23 10.143.18.0/27; do
    check "$prefix is in tunnel2's table 1000, into ipsec1" json_is \
        "any(.[]; .dst == \"$prefix\" and .dev == \"ipsec1\")" ip -n tunnel2 -j route show table 1000
    check "$prefix is not in tunnel2's main table" \
        json_is 'length == 0' ip -n tunnel2 -j route show table main "$prefix"
done
# BlockP2P: from the uplink, the VPN prefixes are reached through ipsec1 (check_ipsec1);
# from a VPN host (arriving on ipsec1), or from tunnel2 itself, they go up to the
# uplink's gateway.
check "BlockP2P: from 10.143.18.1 on ipsec1, 10.143.14.5 goes to the uplink's gateway" \
    route_is tunnel2 '.dev == "eth7" and .gateway == "203.0.113.1"' 10.143.14.5 from 10.143.18.1 iif ipsec1
check "BlockP2P: from tunnel2 itself, 10.143.18.5 goes to the uplink's gateway" \
    route_is tunnel2 '.dev == "eth7" and .gateway == "203.0.113.1"' 10.143.18.5

check "no IPv6 rule in tunnel2 (IPv4 prefixes only)" rules_are tunnel2 -6 0 '.table == "1000"'
check "IPv6 forwarding stays off in tunnel2 (IPv4 prefixes only)" \
    sysctl_is tunnel2 net/ipv6/conf/all/forwarding 0
run netns-helper --verbose stop strongswan
check_stopped

echo "=== the README's version: an IPv6 prefix on ipsec1, and an MTU"
# The spec's file with an IPv6 prefix on ipsec1 (its last section) and a line MTU=1400.
sed -e '/^Prefixes=10.143.14.0\/23, 10.143.18.0\/27$/s|$|, 2001:db8:18::/48|' -e '$a MTU=1400' \
    /etc/netns/strongswan/network/xfrm | put /etc/netns/strongswan/network/xfrm.new
run mv /etc/netns/strongswan/network/xfrm.new /etc/netns/strongswan/network/xfrm
run netns-helper --verbose start strongswan
check_ipsec1
check "ipsec1's MTU is 1400" link_is tunnel2 ipsec1 '.mtu == 1400'
check "IPv6 forwarding is on in tunnel2" sysctl_is tunnel2 net/ipv6/conf/all/forwarding 1
check "IPv6 forwarding stays off in tunnel (IPv4 prefixes only)" \
    sysctl_is tunnel net/ipv6/conf/all/forwarding 0
run ip -n tunnel2 -6 route show table all type unicast
run ip -n tunnel2 -6 rule show
check "2001:db8:18::/48 is in tunnel2's IPv6 table 1000, into ipsec1" json_is \
    'any(.[]; .dst == "2001:db8:18::/48" and .dev == "ipsec1")' ip -n tunnel2 -6 -j route show table 1000
check "2001:db8:18::/48 is not in tunnel2's IPv6 main table" \
    json_is 'length == 0' ip -n tunnel2 -6 -j route show table main 2001:db8:18::/48
check "one IPv6 rule: iif eth7 lookup 1000" rules_are tunnel2 -6 1 '.iif == "eth7" and .table == "1000"'
check "BlockP2P: from the uplink, 2001:db8:18::5 is reached through ipsec1 (table 1000)" \
    route_is tunnel2 '.dev == "ipsec1" and .table == "1000"' 2001:db8:18::5 from 2001:db8:99::1 iif eth7
check "BlockP2P: from 2001:db8:18::1 on ipsec1, 2001:db8:18::5 goes to the uplink's gateway" \
    route_is tunnel2 '.dev == "eth7" and .gateway == "2001:db8:7::1"' 2001:db8:18::5 from 2001:db8:18::1 iif ipsec1
run netns-helper --verbose stop strongswan
check_stopped
