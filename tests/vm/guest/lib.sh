# Helpers for tier-5 scenarios; every scenario starts with `. /usr/local/lib/vmtest/lib.sh`.
#
#   run CMD...           an action: shows the command, its output and its time; when it
#                        fails, the scenario stops (and fails)
#   check TEXT CMD...    an assertion: prints "ok - TEXT" or "not ok - TEXT" with the
#                        command's output; the scenario goes on, and fails at its end
#   put FILE <<EOF       writes a file (creating its directory) and shows it
#   cleanup() { ...; }   when a scenario defines it, runs at exit, whatever happened
#
# Predicates for check; NS is a namespace name, or "root" for the root namespace:
#   link_is NS DEV [JQ]      DEV exists in NS, and JQ holds on its `ip -d -j link` object
#   no_link NS DEV           DEV does not exist in NS (nor does NS)
#   has_addr NS DEV ADDR/LEN DEV in NS has that address
#   no_netns NS              the namespace does not exist
#   ifindex NS DEV           prints DEV's ifindex (for JQ expressions)

set -u
failures=0

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
