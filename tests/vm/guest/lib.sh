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
