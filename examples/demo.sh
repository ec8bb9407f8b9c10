#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make demo`: the spec's nginx example, end to end, inside tests/sandbox (never the host).
# A veth pair plays the front-office NIC: eth0 goes into the namespace, peer0 stays as "the LAN".
set -euo pipefail
cd "$(dirname "$0")/.."
tool=bin/netns-helper
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "A NIC for the example: eth0, wired to peer0 (192.0.2.1/24) on the host side"
ip link add eth0 type veth peer name peer0
ip addr add 192.0.2.1/24 dev peer0
ip link set peer0 up
ip -br link

step "The admin's configuration: /etc/netns/nginx/network/interfaces"
mkdir -p /etc/netns/nginx/network
cp examples/nginx/interfaces /etc/netns/nginx/network/interfaces
cat /etc/netns/nginx/network/interfaces

step "What start would run (netns-helper --print-commands start nginx)"
$tool --print-commands start nginx

step "netns-helper --verbose start nginx"
$tool --verbose start nginx

step "A web server inside the namespace, on 192.0.2.2:80"
mkdir -p /run/demo-www
echo "Hello from namespace nginx" >/run/demo-www/index.html
ip netns exec nginx python3 -c '
import functools, http.server, socketserver
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="/run/demo-www")
socketserver.TCPServer(("192.0.2.2", 80), handler).serve_forever()' 2>/dev/null &
for _ in $(seq 100); do ip netns exec nginx ss -Hltn 'sport = :80' | grep -q . && break; sleep 0.05; done

step "Fetched from the host, through the NIC: http://192.0.2.2/"
python3 -c 'import urllib.request; print(urllib.request.urlopen("http://192.0.2.2/", timeout=5).read().decode(), end="")'

step "ip netns pids nginx (processes in the namespace)"
ip netns pids nginx | xargs -r ps -o pid=,args= -p

step "ip -n nginx -br addr (the namespace's interfaces)"
ip -n nginx -br addr

step "netns-helper --verbose stop nginx"
$tool --verbose stop nginx
wait 2>/dev/null || :

step "Nothing left: no namespace, no ifupdown state, eth0 back on the host"
echo "/run/netns: [$(ls /run/netns)]  /run/network/netns: [$(ls /run/network/netns)]"
ip -br link
echo
echo "demo: OK"
