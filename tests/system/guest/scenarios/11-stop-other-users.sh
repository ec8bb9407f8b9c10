# SPDX-License-Identifier: GPL-3.0-or-later
# The hardened unit still ends every process in its namespace, whoever owns it: stop finds them
# with `ip netns pids` (CAP_SYS_PTRACE: it reads /proc/PID/ns/net) and signals them (CAP_KILL).
. /usr/local/lib/netns-system-test/lib.sh

ip netns exec nginx setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 600 &
intruder=$!
wait_for sh -c "ip netns pids nginx | grep -qx $intruder"
# Until setpriv has run, the process is root's `ip netns exec`.
wait_for sh -c "[ \"\$(stat -c %U /proc/$intruder)\" = nobody ]"
systemctl stop nginx.service
wait_for unit_is systemd-netns@nginx.service inactive
wait_for gone "$intruder"
wait "$intruder" || true                 # reap it
[ ! -e /run/netns/nginx ]
ip link show eth1

may_start nginx.service systemd-netns@nginx.service
systemctl start nginx.service
in_netns nginx.service nginx
