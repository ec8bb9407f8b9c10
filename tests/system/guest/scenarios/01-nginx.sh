# SPDX-License-Identifier: GPL-3.0-or-later
# nginx on its own NIC (eth1, a veth whose other end peer1 192.0.2.1/24 stays in the root
# namespace), set up as the README says.
. /usr/local/lib/netns-system-test/lib.sh

snapshot "$STATE/before-nginx"       # scenario 2 compares with it
write_interfaces nginx eth1 192.0.2.2/24

mkdir /etc/systemd/system/nginx.service.d
ln -s /usr/share/systemd-netns-helper/netns.conf /etc/systemd/system/nginx.service.d/
listens 80                          # nginx started at boot, in the root namespace
systemctl stop nginx.service
systemctl daemon-reload
systemctl start nginx.service

# `ip netns pids nginx` lists every nginx process: the master and its workers (which the
# master may still be forking when systemd says nginx has started).
same_pids() {
    ip netns pids nginx | sort > "$STATE/netns-pids"
    pgrep -x nginx | sort > "$STATE/nginx-pids"
    cat "$STATE/netns-pids"
    [ "$(wc -l < "$STATE/nginx-pids")" -ge 2 ] && cmp "$STATE/netns-pids" "$STATE/nginx-pids"
}
wait_for same_pids
in_netns nginx.service nginx

# The NIC moved in; nginx answers on it from the root namespace, and not in the root namespace.
not ip link show eth1
ip -n nginx address show eth1 | grep 'inet 192\.0\.2\.2/24'
wait_for http_get http://192.0.2.2/ | grep -i nginx
not listens 80
not http_get http://127.0.0.1/

# The service's /etc/resolv.conf is the namespace's.
nsenter --target "$(main_pid nginx.service)" --mount cat /etc/resolv.conf > "$STATE/resolv"
cmp "$STATE/resolv" /etc/netns/nginx/resolv.conf
