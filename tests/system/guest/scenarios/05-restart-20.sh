# SPDX-License-Identifier: GPL-3.0-or-later
# Restarting nginx (scenarios 1 and 2) 20 times: each time a new namespace, and nothing
# accumulates in the root namespace.
. /usr/local/lib/netns-system-test/lib.sh

systemctl restart nginx.service
in_netns nginx.service nginx
snapshot "$STATE/restart-0"

i=1
while [ "$i" -le 20 ]; do
    mark_netns nginx
    # systemd refuses a sixth start of a unit within 10 s (start limit), whoever asks.
    systemctl reset-failed nginx.service systemd-netns@nginx.service
    systemctl restart nginx.service
    is_fresh nginx
    in_netns nginx.service nginx
    echo "restart $i: namespace $(netns_of /run/netns/nginx)"
    snapshot "$STATE/restart-$i" > /dev/null
    diff "$STATE/restart-0" "$STATE/restart-$i"
    i=$((i + 1))
done
wait_for http_get http://192.0.2.2/ > /dev/null
