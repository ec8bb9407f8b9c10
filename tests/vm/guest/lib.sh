# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for tier-5 scenarios; every scenario starts with `. /usr/local/lib/vmtest/lib.sh`.
#
#   run CMD...           an action: shows the command, its output and its time; when it
#                        fails, the scenario stops (and fails)
#   check TEXT CMD...    an assertion: prints "ok - TEXT" or "not ok - TEXT" with the
#                        command's output; the scenario goes on, and fails at its end
#   run_status N CMD...  an action expected to exit with status N (a failure being
#                        tested): shows the command and its output, and keeps the output
#                        in $output; another status stops the scenario (and fails it)
#   put FILE <<EOF       writes a file (creating its directory) and shows it
#   cleanup() { ...; }   when a scenario defines it, runs at exit, whatever happened
#
# Set-up and clean-up shared by scenarios:
#   $VMTEST_EXAMPLES         the project's examples/ (the spec's and the README's files)
#   put_lo NS...             NS's interfaces file configures lo only (a service's own namespace)
#   put_uplink NS NIC [LINE...]  NIC (made here: one end of a veth pair whose other end,
#                            NICp, is up in the root namespace) is NS's uplink, 203.0.113.2/24
#                            via gateway 203.0.113.1; each LINE goes at the end of NS's
#                            interfaces file
#   put_xfrm NS IFNAME IFID DEST PREFIXES [KEY=VALUE...]  NS's xfrm file: one interface
#   stop_and_remove NS...    stops each NS that runs, in that order, then removes /etc/netns/NS
#   check_members NS DEV KIND ADDR/LEN NIC... -- OPTION...  the bond or bridge scenario:
#                            DEV (OPTIONs in its stanza) over the dummies NIC..., built in NS
#                            by ifupdown's hook at start; stop gives the NICs back (it
#                            defines the scenario's cleanup)
#
# Predicates for check; NS is a namespace name, or "root" for the root namespace:
#   link_is NS DEV [JQ]      DEV exists in NS, and JQ holds on its `ip -d -j link` object
#   no_link NS DEV           DEV does not exist in NS (nor does NS)
#   has_addr NS DEV ADDR/LEN DEV in NS has that address
#   no_netns NS              the namespace does not exist
#   ifindex NS DEV           prints DEV's ifindex (for JQ expressions)
#   no_link_kind NS KIND     NS has no link of that kind (e.g. xfrm)
#   json_is JQ CMD...        CMD prints JSON on which JQ holds (e.g. ip -j route show ...)
#   route_is NS JQ ARGS...   JQ holds on the object of `ip -n NS -j route get ARGS`
#   rules_are NS -4|-6 N JQ  NS has exactly N rules of that family on which JQ holds
#   sysctl_is NS KEY VALUE   /proc/sys/KEY reads VALUE in NS (e.g. net/ipv4/ip_forward)
#   wait_until SECS CMD...   CMD succeeds within SECS seconds (polled every 0.1 s)
#   output_has REGEX         the output of the last run_status matches REGEX (grep -E)

set -u
failures=0
output=
export VMTEST_EXAMPLES=/usr/local/lib/vmtest/examples

run() {
    local started=$EPOCHREALTIME status=0
    echo "\$ $*"
    "$@" 2>&1 || status=$?
    if [ "$status" = 0 ]; then
        echo "  ($(elapsed "$started") s)"
    else
        echo "  FAILED: exit $status after $(elapsed "$started") s"
        exit 1
    fi
}

run_status() {
    local want=$1 started=$EPOCHREALTIME status=0
    shift
    echo "\$ $*"
    output=$("$@" 2>&1) || status=$?
    [ -n "$output" ] && printf '%s\n' "$output"
    if [ "$status" = "$want" ]; then
        echo "  (exit $status as expected, $(elapsed "$started") s)"
    else
        echo "  FAILED: exit $status, not $want, after $(elapsed "$started") s"
        exit 1
    fi
}

# Seconds since $1 (an $EPOCHREALTIME), to the hundredth.
elapsed() {
    local us=$((${EPOCHREALTIME/./} - ${1/./}))
    printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000))
}

check() {
    local text=$1 out
    shift
    if out=$("$@" 2>&1); then
        echo "ok - $text"
    else
        echo "not ok - $text"
        echo "  \$ $*"
        [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  | /'
        failures=$((failures + 1))
    fi
    return 0
}

put() {
    mkdir -p "$(dirname "$1")"
    cat >"$1"
    echo "--- $1"
    sed 's/^/  /' "$1"
}

# ip with -n NS unless NS is "root", JSON and details.
ipj() {
    local ns=$1
    shift
    if [ "$ns" = root ]; then
        ip -d -j "$@"
    else
        ip -n "$ns" -d -j "$@"
    fi
}

link_is() {
    local json
    json=$(ipj "$1" link show dev "$2") || return 1
    jq -e ".[0] | ${3:-true}" <<<"$json" >/dev/null || { echo "$json" | jq .; return 1; }
}

no_link() {
    ! ipj "$1" link show dev "$2" >/dev/null 2>&1
}

has_addr() {
    local json
    json=$(ipj "$1" addr show dev "$2") || return 1
    jq -e --arg ip "${3%/*}" --argjson len "${3#*/}" \
        'any(.[0].addr_info[]; .local == $ip and .prefixlen == $len)' <<<"$json" >/dev/null ||
        { echo "$json" | jq -c '.[0].addr_info'; return 1; }
}

no_netns() {
    [ ! -e "/run/netns/$1" ] && ! ip netns list | grep -qE "^$1( |$)"
}

ifindex() {
    ipj "$1" link show dev "$2" | jq '.[0].ifindex'
}

no_link_kind() {
    local json
    json=$(ipj "$1" link show) || return 1
    ! jq -e --arg kind "$2" 'any(.[]; .linkinfo.info_kind == $kind)' <<<"$json" >/dev/null ||
        { jq -c --arg kind "$2" '.[] | select(.linkinfo.info_kind == $kind)' <<<"$json"; return 1; }
}

json_is() {
    local expr=$1 json
    shift
    json=$("$@") || return 1
    jq -e "$expr" <<<"$json" >/dev/null || { jq -c . <<<"$json"; return 1; }
}

route_is() {
    local ns=$1 expr=$2 json
    shift 2
    json=$(ipj "$ns" route get "$@") || return 1
    jq -e ".[0] | $expr" <<<"$json" >/dev/null || { jq -c . <<<"$json"; return 1; }
}

rules_are() {
    local json count
    json=$(ipj "$1" "$2" rule show) || return 1
    count=$(jq "[.[] | select($4)] | length" <<<"$json")
    [ "$count" = "$3" ] || { echo "$count matching rule(s), not $3:"; jq -c '.[]' <<<"$json"; return 1; }
}

sysctl_is() {
    local value
    if [ "$1" = root ]; then
        value=$(cat "/proc/sys/$2") || return 1
    else
        value=$(ip netns exec "$1" cat "/proc/sys/$2") || return 1
    fi
    [ "$value" = "$3" ] || { echo "$2 = $value"; return 1; }
}

wait_until() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || { "$@"; return; }
        sleep 0.1
    done
}

output_has() {
    grep -qE -e "$1" <<<"$output"
}

put_lo() {
    local ns
    for ns; do
        put "/etc/netns/$ns/network/interfaces" <<'CONF'
auto lo
iface lo inet loopback
CONF
    done
}

put_uplink() {
    local ns=$1 nic=$2
    shift 2
    run ip link add "$nic" type veth peer name "${nic}p"
    run ip link set "${nic}p" up
    {
        printf '%s\n' 'auto lo' 'iface lo inet loopback' '' "auto $nic" "iface $nic inet static" \
            '    address 203.0.113.2/24' '    gateway 203.0.113.1'
        [ "$#" = 0 ] || printf '%s\n' "$@"
    } | put "/etc/netns/$ns/network/interfaces"
}

put_xfrm() {
    local ns=$1
    {
        printf '%s\n' "[$2]" "IfId=$3" "DestNetNS=$4" "Prefixes=$5"
        shift 5
        [ "$#" = 0 ] || printf '%s\n' "$@"
    } | put "/etc/netns/$ns/network/xfrm"
}

stop_and_remove() {
    local ns
    for ns; do no_netns "$ns" || netns-helper stop "$ns"; done
    for ns; do rm -rf "/etc/netns/$ns"; done
}

check_members() {
    local ns=$1 dev=$2 kind=$3 addr=$4 nic
    shift 4
    _members_ns=$ns _members_nics=()
    while [ "$1" != -- ]; do _members_nics+=("$1"); shift; done
    shift
    local nics=("${_members_nics[@]}")
    # shellcheck disable=SC2317 # _vmtest_exit calls it
    cleanup() {
        local nic
        stop_and_remove "$_members_ns"
        for nic in "${_members_nics[@]}"; do ip link delete "$nic"; done
    }
    for nic in "${nics[@]}"; do run ip link add "$nic" type dummy; done
    {
        printf '%s\n' 'auto lo' 'iface lo inet loopback' '' "auto $dev" "iface $dev inet static" "    address $addr"
        printf '    %s\n' "$@"
    } | put "/etc/netns/$ns/network/interfaces"

    run netns-helper --verbose start "$ns"
    run ip -n "$ns" -d addr show
    check "$dev is a $kind in $ns" link_is "$ns" "$dev" ".linkinfo.info_kind == \"$kind\""
    check "$dev is up" link_is "$ns" "$dev" 'any(.flags[]; . == "UP")'
    check "$dev has $addr" has_addr "$ns" "$dev" "$addr"
    for nic in "${nics[@]}"; do
        check "$nic is in $dev in $ns" link_is "$ns" "$nic" ".master == \"$dev\""
        check "no $nic in the root namespace" no_link root "$nic"
    done

    run netns-helper --verbose stop "$ns"
    check "no namespace $ns after stop" no_netns "$ns"
    check "no $dev in the root namespace" no_link root "$dev"
    for nic in "${nics[@]}"; do
        check "$nic is back in the root namespace, in no $kind" link_is root "$nic" 'has("master") | not'
    done
}

_vmtest_exit() {
    local status=$?
    if declare -F cleanup >/dev/null; then
        echo "--- cleanup"
        cleanup 2>&1 || true
    fi
    if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed"
        status=1
    fi
    exit "$status"
}
trap _vmtest_exit EXIT
