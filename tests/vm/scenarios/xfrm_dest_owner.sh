# SPDX-License-Identifier: GPL-3.0-or-later
# Stopping an IPsec service stops a destination namespace only if a service's start brought it
# up (its record says so) and nothing else uses it now: not one started on its own (before the
# service, or since), not one a process (a joined service) still runs in.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    [ -z "${sleeper:-}" ] || kill "$sleeper" 2>/dev/null || :
    stop_and_remove xo inner
}

put_lo xo inner
put_xfrm xo xo0 7 inner 10.30.0.0/24

in_inner() { ip netns pids inner | grep -qx "$1"; }

# 1. inner started on its own, before xo.
run netns-helper --verbose start inner
run netns-helper --verbose start xo
check "xo0 is in inner" link_is inner xo0
run netns-helper --verbose stop xo
check "no namespace xo" no_netns xo
check "inner, started on its own, is still running" test -e /run/netns/inner
check "no xo0 in inner" no_link inner xo0
run netns-helper --verbose stop inner

# 2. xo brings inner up; then a process runs there (a joined service).
run netns-helper --verbose start xo
check "xo brought inner up" test -e /run/netns/inner
ip netns exec inner sleep 600 &
sleeper=$!
check "the process runs in inner" wait_until 5 in_inner "$sleeper"
run netns-helper --verbose stop xo
check "no namespace xo" no_netns xo
check "inner, with a process in it, is still running" test -e /run/netns/inner
check "the process lives on" kill -0 "$sleeper"
check "no xo0 in inner" no_link inner xo0
kill "$sleeper"
wait "$sleeper" 2>/dev/null || :
sleeper=
run netns-helper --verbose stop inner

# 3. xo brings inner up; then inner is started on its own too: it is its own now.
run netns-helper --verbose start xo
run_status 0 netns-helper start inner
check "the note says inner runs on its own now" output_has "it now runs on its own, not only as xo's destination"
run netns-helper --verbose stop xo
check "inner, started on its own since, is still running" test -e /run/netns/inner
run netns-helper --verbose stop inner

# 4. xo brings inner up, and nothing else uses it: it goes with xo.
run netns-helper --verbose start xo
run netns-helper --verbose stop xo
for ns in xo inner; do check "no namespace $ns" no_netns "$ns"; done
