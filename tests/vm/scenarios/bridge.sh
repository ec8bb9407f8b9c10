# SPDX-License-Identifier: GPL-3.0-or-later
# A bridge of two host NICs (`bridge_ports eth5 eth6`): start moves both in and
# bridge-utils' ifupdown hook builds br0 inside the namespace; stop gives the NICs back.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns bridgetest || netns-helper stop bridgetest
    ip link delete eth5
    ip link delete eth6
    rm -rf /etc/netns/bridgetest
}

run ip link add eth5 type dummy
run ip link add eth6 type dummy
put /etc/netns/bridgetest/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto br0
iface br0 inet static
    address 192.0.2.20/24
    bridge_ports eth5 eth6
    bridge_stp off
    bridge_fd 0
CONF

run netns-helper --verbose start bridgetest
run ip -n bridgetest -d addr show
check "br0 is a bridge in bridgetest" link_is bridgetest br0 '.linkinfo.info_kind == "bridge"'
check "br0 is up" link_is bridgetest br0 'any(.flags[]; . == "UP")'
check "br0 has 192.0.2.20/24" has_addr bridgetest br0 192.0.2.20/24
for nic in eth5 eth6; do
    check "$nic is a port of br0 in bridgetest" link_is bridgetest "$nic" '.master == "br0"'
    check "no $nic in the root namespace" no_link root "$nic"
done

run netns-helper --verbose stop bridgetest
check "no namespace bridgetest after stop" no_netns bridgetest
check "no br0 in the root namespace" no_link root br0
for nic in eth5 eth6; do
    check "$nic is back in the root namespace, in no bridge" link_is root "$nic" 'has("master") | not'
done
