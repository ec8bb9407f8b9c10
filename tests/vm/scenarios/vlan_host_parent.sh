# SPDX-License-Identifier: GPL-3.0-or-later
# The README's VLAN example: `auto eth1.124` in a namespace, with eth1 a NIC of the host
# that the namespace does not configure. start creates eth1.124 on the host's eth1 and
# moves it in; eth1 stays on the host; stop deletes eth1.124.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns vlantest || netns-helper stop vlantest
    ip link delete eth1
    rm -rf /etc/netns/vlantest
}

run ip link add eth1 type dummy
run ip link set eth1 up
put /etc/netns/vlantest/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto eth1.124
iface eth1.124 inet static
    address 198.51.100.2/24
CONF

run netns-helper --verbose start vlantest
run ip -n vlantest -d addr show
eth1=$(ifindex root eth1)
check "eth1.124 is a VLAN with id 124 in vlantest" \
    link_is vlantest eth1.124 '.linkinfo.info_kind == "vlan" and .linkinfo.info_data.id == 124'
check "eth1.124's parent is the root namespace's eth1" \
    link_is vlantest eth1.124 ".link_index == $eth1 and has(\"link_netnsid\")"
check "eth1.124 is up" link_is vlantest eth1.124 'any(.flags[]; . == "UP")'
check "eth1.124 has 198.51.100.2/24" has_addr vlantest eth1.124 198.51.100.2/24
check "eth1 stays in the root namespace" link_is root eth1
check "no eth1 in vlantest" no_link vlantest eth1
check "no eth1.124 in the root namespace" no_link root eth1.124

run netns-helper --verbose stop vlantest
check "no namespace vlantest after stop" no_netns vlantest
check "no eth1.124 in the root namespace after stop" no_link root eth1.124
check "eth1 is still in the root namespace" link_is root eth1
check "no ifupdown state left for vlantest" test ! -e /run/network/netns/vlantest
