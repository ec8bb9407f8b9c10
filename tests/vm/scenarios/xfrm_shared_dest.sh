# SPDX-License-Identifier: GPL-3.0-or-later
# Two services whose xfrm files name one destination, `shared` (uplink eth9, BlockP2P in
# both): the first start creates it, the second reuses it; stopping the first keeps it
# with the second's interface, routes and rule, stopping the second removes it. Both use
# if_id 42: the kernel keeps an if_id per creating namespace, and each service has its own.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    stop_and_remove xa xb shared
    ip link delete eth9p  # and eth9, its other end
}

put_lo xa xb
put_uplink shared eth9
put_xfrm xa xa0 42 shared '10.20.1.0/24, 2001:db8:a::/48' BlockP2P=true
put_xfrm xb xb0 42 shared 10.20.2.0/24 BlockP2P=true

# Traffic from the uplink (from a host beyond it) to ADDRESS goes into DEV, by table 1000.
from_uplink_into() {
    local source=198.51.100.7
    [[ $1 == *:* ]] && source=2001:db8:99::7
    route_is shared ".dev == \"$2\" and .table == \"1000\"" "$1" from "$source" iif eth9
}

run netns-helper --verbose start xa
check "xa0 (if_id 42) is in shared" link_is shared xa0 '.linkinfo.info_data.if_id == "0x2a"'
check "eth9 is in shared, with its address" has_addr shared eth9 203.0.113.2/24
shared=$(stat -L -c %i /run/netns/shared)

run netns-helper --verbose start xb
check "xb0 (if_id 42) is in shared" link_is shared xb0 '.linkinfo.info_data.if_id == "0x2a"'
check "shared is the same namespace (not created again)" test "$(stat -L -c %i /run/netns/shared)" = "$shared"
check "xa0 is still in shared" link_is shared xa0 'any(.flags[]; . == "UP")'
check "eth9 is still in shared, with its address" has_addr shared eth9 203.0.113.2/24
run ip -n shared -4 rule show
run ip -n shared -6 rule show
check "two IPv4 rules iif eth9 lookup 1000, one for each service" \
    rules_are shared -4 2 '.iif == "eth9" and .table == "1000"'
check "one IPv6 rule iif eth9 lookup 1000 (xa's)" rules_are shared -6 1 '.iif == "eth9" and .table == "1000"'
check "from the uplink, 10.20.1.5 goes into xa0" from_uplink_into 10.20.1.5 xa0
check "from the uplink, 2001:db8:a::5 goes into xa0" from_uplink_into 2001:db8:a::5 xa0
check "from the uplink, 10.20.2.5 goes into xb0" from_uplink_into 10.20.2.5 xb0

run netns-helper --verbose stop xa
check "no namespace xa" no_netns xa
check "shared is still the same namespace" test "$(stat -L -c %i /run/netns/shared)" = "$shared"
check "no xa0 in shared" no_link shared xa0
check "xb0 is still in shared, up" link_is shared xb0 'any(.flags[]; . == "UP")'
check "eth9 is still in shared, with its address" has_addr shared eth9 203.0.113.2/24
run ip -n shared -4 rule show
check "one IPv4 rule iif eth9 lookup 1000 left (xb's)" rules_are shared -4 1 '.iif == "eth9" and .table == "1000"'
check "no IPv6 rule iif eth9 lookup 1000 left" rules_are shared -6 0 '.table == "1000"'
check "from the uplink, 10.20.2.5 still goes into xb0" from_uplink_into 10.20.2.5 xb0
check "from the uplink, 10.20.1.5 goes back to the gateway" \
    route_is shared '.dev == "eth9" and .gateway == "203.0.113.1"' 10.20.1.5 from 198.51.100.7 iif eth9

run netns-helper --verbose stop xb
for ns in xa xb shared; do check "no namespace $ns" no_netns "$ns"; done
check "eth9 is back in the root namespace" link_is root eth9
check "no XFRM interface in the root namespace" no_link_kind root xfrm
