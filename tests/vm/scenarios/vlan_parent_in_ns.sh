# SPDX-License-Identifier: GPL-3.0-or-later
# A VLAN whose parent the namespace configures itself (`auto eth2` and `auto eth2.7`):
# start moves eth2 in and ifupdown creates eth2.7 inside. eth2 is one end of a veth pair
# whose other end (peer2) has VLAN 7 in the root namespace, so a ping proves the tagging.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns vlanparent || netns-helper stop vlanparent
    ip link delete peer2  # and eth2, its other end
    rm -rf /etc/netns/vlanparent
}

run ip link add eth2 type veth peer name peer2
run ip link add link peer2 name peer2.7 type vlan id 7
run ip addr add 203.0.113.1/24 dev peer2.7
run ip link set peer2 up
run ip link set peer2.7 up
put /etc/netns/vlanparent/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto eth2
iface eth2 inet manual

auto eth2.7
iface eth2.7 inet static
    address 203.0.113.2/24
CONF

run netns-helper --verbose start vlanparent
run ip -n vlanparent -d addr show
check "eth2 is in vlanparent" link_is vlanparent eth2 'any(.flags[]; . == "UP")'
check "no eth2 in the root namespace" no_link root eth2
check "eth2.7 is a VLAN with id 7 on eth2 in vlanparent" \
    link_is vlanparent eth2.7 '.linkinfo.info_data.id == 7 and .link == "eth2"'
check "eth2.7 has 203.0.113.2/24" has_addr vlanparent eth2.7 203.0.113.2/24
check "203.0.113.2 answers over VLAN 7 from the root namespace" \
    ping -c 1 -W 5 203.0.113.2

run netns-helper --verbose stop vlanparent
check "no namespace vlanparent after stop" no_netns vlanparent
check "eth2 is back in the root namespace" link_is root eth2
check "no eth2.7 in the root namespace" no_link root eth2.7
