# SPDX-License-Identifier: GPL-3.0-or-later
# `publish`: nginx in a namespace with no link to the host, reached on the host's loopback
# through a socket unit here and systemd-socket-proxyd inside; a restart of the namespace
# keeps the port working; `unpublish` removes both units.
. /usr/local/lib/netns-system-test/lib.sh

cp /etc/netns/nginx/network/interfaces "$STATE/nginx-interfaces"
# Both, and before the edit: a stop reads the configuration to know which links to give back.
systemctl stop nginx.service systemd-netns@nginx.service
printf 'auto lo\niface lo inet loopback\n' > /etc/netns/nginx/network/interfaces
may_start nginx.service systemd-netns@nginx.service
systemctl start nginx.service
in_netns nginx.service nginx
[ "$(ip -n nginx -o link show | wc -l)" = 1 ]       # lo alone: no link to the host
not listens 8080

netns-helper --print-commands publish nginx 127.0.0.1:8080 127.0.0.1:80
netns-helper publish nginx 127.0.0.1:8080 127.0.0.1:80
unit_is netns-publish-nginx-8080.socket active
systemctl is-enabled netns-publish-nginx-8080.socket
wait_for listens 8080
http_get http://127.0.0.1:8080/ | grep -i nginx
in_netns netns-publish-nginx-8080.service nginx
netns-helper status nginx > "$STATE/status-published"
cat "$STATE/status-published"
grep -F 'published       127.0.0.1:8080 -> 127.0.0.1:80 (netns-publish-nginx-8080.socket)' "$STATE/status-published"

# Refusals: the same port published otherwise, a port something listens on already.
exit_status 2 netns-helper publish nginx 127.0.0.1:8080 127.0.0.1:81 2> "$STATE/publish-otherwise"
grep -F 'is published already, otherwise' "$STATE/publish-otherwise"
python3 -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 8081)); s.listen(); time.sleep(30)' &
holder=$!
wait_for listens 8081
exit_status 2 netns-helper publish nginx 127.0.0.1:8081 127.0.0.1:80 2> "$STATE/publish-taken"
grep -F '127.0.0.1:8081 is listened on already on this host' "$STATE/publish-taken"
kill "$holder"
[ ! -e /etc/systemd/system/netns-publish-nginx-8081.socket ]

# Restarting nginx rebuilds its namespace (PartOf=): the proxy goes with the old one, the
# socket stays, and the next connection reaches the new namespace's nginx.
mark_netns nginx
may_start nginx.service systemd-netns@nginx.service
systemctl restart nginx.service
is_fresh nginx
wait_for http_get http://127.0.0.1:8080/ | grep -i nginx
in_netns netns-publish-nginx-8080.service nginx

netns-helper unpublish nginx 8080
not listens 8080
unit_is netns-publish-nginx-8080.service inactive
[ ! -e /etc/systemd/system/netns-publish-nginx-8080.socket ]
[ ! -e /etc/systemd/system/netns-publish-nginx-8080.service ]
[ ! -e /etc/systemd/system/sockets.target.wants/netns-publish-nginx-8080.socket ]
not http_get http://127.0.0.1:8080/

# Back as the scenarios before left it.
systemctl stop nginx.service systemd-netns@nginx.service
cp "$STATE/nginx-interfaces" /etc/netns/nginx/network/interfaces
may_start nginx.service systemd-netns@nginx.service
systemctl start nginx.service
wait_for http_get http://192.0.2.2/ | grep -i nginx
