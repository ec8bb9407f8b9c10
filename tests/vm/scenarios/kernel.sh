# SPDX-License-Identifier: GPL-3.0-or-later
# The guest kernel has what the host's lacks and the other scenarios need: dummy, VLAN,
# bond, bridge and XFRM links, and moving a VLAN into a namespace. Uses no project code.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    ip netns delete k5 2>/dev/null
    for dev in k5dummy k5bond k5bridge k5xfrm; do ip link delete "$dev" 2>/dev/null; done
}

run ip link add k5dummy type dummy
run ip link add link k5dummy name k5dummy.5 type vlan id 5
run ip link add k5bond type bond
run ip link add k5bridge type bridge
run ip link add k5xfrm type xfrm dev lo if_id 5
run ip netns add k5
run ip link set k5dummy.5 netns k5
check "k5dummy.5 is a VLAN with id 5 in namespace k5" \
    link_is k5 k5dummy.5 '.linkinfo.info_kind == "vlan" and .linkinfo.info_data.id == 5'
check "k5xfrm is an XFRM link with if_id 5" \
    link_is root k5xfrm '.linkinfo.info_kind == "xfrm" and .linkinfo.info_data.if_id == "0x5"'
