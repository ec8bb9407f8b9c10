# SPDX-License-Identifier: GPL-3.0-or-later
# The record on a real kernel: a VLAN that already existed on the host and was moved in comes
# back to the host at stop, even after the admin took it out of the file, while the VLAN that
# start created on a host parent is deleted; a dummy NIC that ifupdown renamed inside comes
# back under its own name.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns rec || netns-helper stop rec
    ip link delete eth6 2>/dev/null || :  # and its VLANs
    ip link delete dum6 2>/dev/null || :
    ip link delete wan6 2>/dev/null || :
    rm -rf /etc/netns/rec
}

run ip link add eth6 type dummy
run ip link set eth6 up
run ip link add link eth6 name eth6.5 type vlan id 5
run ip link add dum6 type dummy
vlan_index=$(ifindex root eth6.5)
dum_index=$(ifindex root dum6)
put /etc/netns/rec/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto eth6.5
iface eth6.5 inet static
    address 198.51.100.6/24

auto eth6.7
iface eth6.7 inet manual

auto dum6
iface dum6 inet manual
CONF

run netns-helper --verbose start rec
check "eth6.5, the host's VLAN, was moved in" link_is rec eth6.5 ".ifindex == $vlan_index"
check "eth6.7 was created inside, on the host's eth6" link_is rec eth6.7 '.linkinfo.info_kind == "vlan"'
run ip -n rec link set dev dum6 down
run ip -n rec link set dev dum6 name wan6  # what a rename stanza does
put /etc/netns/rec/network/interfaces <<'CONF'
auto lo
iface lo inet loopback
CONF

run netns-helper --verbose stop rec
check "no namespace rec" no_netns rec
check "eth6.5 is back on the host, the same link" link_is root eth6.5 ".ifindex == $vlan_index"
check "eth6.7, which start created, is gone" no_link root eth6.7
check "dum6 is back on the host under its own name" link_is root dum6 ".ifindex == $dum_index"
check "no wan6 on the host" no_link root wan6
