# SPDX-License-Identifier: GPL-3.0-or-later
# A real WireGuard tunnel through the drop-in, as the README's example: vpn.service runs in
# namespace vpn, whose only way out is wg0, born in the root namespace (its UDP socket stays
# there) and moved in by start. The remote site is namespace wgpeer with its own WireGuard
# (wgr) over a veth underlay (wgul0 here, peer0 there), hosts 10.77.0.1 and fd00:77::1 and a
# DNS server (10.77.0.53, a small responder) behind it. The service's probe reaches both
# hosts and resolves a name through the tunnel; `wg show`, status and metrics see the
# handshake and counters. With the remote WireGuard down, the same probe (the service's
# reload) fails to ping and to resolve, and a capture on the underlay sees nothing leave
# but wg0's UDP packets.
. /usr/local/lib/vmtest/lib.sh

probe_log=/run/vmtest-wg-probe.log

cleanup() {
    kill "$capture_pid" 2>/dev/null
    systemctl stop vpn.service vmtest-wg-dns.service
    systemctl reset-failed vpn.service vmtest-wg-dns.service 2>/dev/null
    no_netns vpn || netns-helper stop vpn
    ip netns delete wgpeer  # and wgr, peer0 and with it wgul0
    ip link delete wgul0 2>/dev/null
    rm -rf /etc/systemd/system/vpn.service /etc/systemd/system/vpn.service.d /etc/netns/vpn \
        /usr/local/bin/vmtest-wg-probe "$probe_log" /run/vmtest-wg
    systemctl daemon-reload
}

# The keys, as the README makes them.
run mkdir -p /run/vmtest-wg
umask 077
wg genkey >/run/vmtest-wg/vpn.key
wg genkey >/run/vmtest-wg/peer.key
umask 022
vpn_pub=$(wg pubkey </run/vmtest-wg/vpn.key)
peer_pub=$(wg pubkey </run/vmtest-wg/peer.key)
peer_re=$(sed 's/[+.]/\\&/g' <<<"$peer_pub")  # for grep -E

# The underlay, without IPv6 (no neighbour discovery): every IP packet on it is counted.
run ip netns add wgpeer
run ip link add wgul0 type veth peer name peer0 netns wgpeer
run sysctl -q -w net.ipv6.conf.wgul0.disable_ipv6=1
run ip netns exec wgpeer sysctl -q -w net.ipv6.conf.peer0.disable_ipv6=1
run ip addr add 192.0.2.1/24 dev wgul0
run ip link set wgul0 up
run ip -n wgpeer addr add 192.0.2.2/24 dev peer0
run ip -n wgpeer link set peer0 up
run ip -n wgpeer link set lo up
# The remote site: its WireGuard, and what is behind it.
run ip -n wgpeer addr add 10.77.0.1/32 dev lo
run ip -n wgpeer addr add 10.77.0.53/32 dev lo
run ip -n wgpeer addr add fd00:77::1/128 dev lo
run ip -n wgpeer link add wgr type wireguard
umask 077
put /run/vmtest-wg/wgr.conf <<CONF
[Interface]
PrivateKey = $(cat /run/vmtest-wg/peer.key)
ListenPort = 51820

[Peer]
PublicKey = $vpn_pub
AllowedIPs = 10.66.0.2/32, fd00:66::2/128
CONF
umask 022
run ip netns exec wgpeer wg setconf wgr /run/vmtest-wg/wgr.conf
run ip -n wgpeer addr add 10.66.0.1/24 dev wgr
run ip -n wgpeer addr add fd00:66::1/64 dev wgr
run ip -n wgpeer link set wgr up
put /run/vmtest-wg/dns.py <<'PY'
# A DNS responder for the test: an A record for www.vpn.example, NXDOMAIN for the rest.
import socket
import struct

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("10.77.0.53", 53))
while True:
    query, client = sock.recvfrom(512)
    end = 12
    while query[end]:
        end += query[end] + 1
    question = query[12 : end + 5]
    qtype = struct.unpack("!H", query[end + 1 : end + 3])[0]
    known = query[12:end + 1] == b"\x03www\x03vpn\x07example\x00"
    answers = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes((10, 77, 0, 80)) if known and qtype == 1 else b""
    flags = 0x8180 if known else 0x8183
    sock.sendto(struct.pack("!HHHHHH", struct.unpack("!H", query[:2])[0], flags, 1, 1 if answers else 0, 0, 0) + question + answers, client)
PY
run systemd-run --quiet --unit=vmtest-wg-dns ip netns exec wgpeer python3 /run/vmtest-wg/dns.py
check "the remote site's DNS server listens" wait_until 10 ip netns exec wgpeer ss -Hlun 'sport = 53'

# Our side: the README's files.
put /etc/netns/vpn/network/interfaces <"$VMTEST_EXAMPLES/vpn/interfaces"
run install -d -m 0700 /etc/netns/vpn/wireguard
umask 077
put /etc/netns/vpn/wireguard/wg0.conf <<CONF
[Interface]
PrivateKey = $(cat /run/vmtest-wg/vpn.key)
ListenPort = 51821

[Peer]
PublicKey = $peer_pub
Endpoint = 192.0.2.2:51820
AllowedIPs = 0.0.0.0/0, ::/0
CONF
umask 022
run netns-helper check vpn
run_status 0 netns-helper --print-commands start vpn
check "the printed plan names the file, never the key" output_has '^wg setconf nhwg[0-9a-f]{8} /etc/netns/vpn/wireguard/wg0.conf$'
check "the printed plan has no key in it" bash -c '! grep -qF -e "$1" <<<"$2"' _ "$(cat /run/vmtest-wg/vpn.key)" "$output"

# The service: a probe that pings both hosts and resolves a name, each result in its log.
put /usr/local/bin/vmtest-wg-probe <<'SH'
#!/bin/sh
exec >>/run/vmtest-wg-probe.log 2>&1
rc=0
if ping -c 3 -i 0.2 -W 3 10.77.0.1; then echo "probe ipv4 ok"; else echo "probe ipv4 failed"; rc=1; fi
if ping -c 3 -i 0.2 -W 3 fd00:77::1; then echo "probe ipv6 ok"; else echo "probe ipv6 failed"; rc=1; fi
# One try of 2 s, not resolv.conf's default 2 of 5 s each: the failing case stays short.
if RES_OPTIONS="timeout:2 attempts:1" getent ahostsv4 www.vpn.example; then echo "probe dns ok"; else echo "probe dns failed"; rc=1; fi
exit "$rc"
SH
run chmod 755 /usr/local/bin/vmtest-wg-probe
put /etc/systemd/system/vpn.service <<'UNIT'
[Unit]
Description=vmtest: a service whose only way out is the WireGuard tunnel
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/bin/vmtest-wg-probe
# The probe again, as the service and in its namespace, without rebuilding the namespace.
ExecReload=/usr/local/bin/vmtest-wg-probe
UNIT
run mkdir -p /etc/systemd/system/vpn.service.d
run ln -s /usr/share/systemd-netns-helper/netns.conf /etc/systemd/system/vpn.service.d/
run systemctl daemon-reload
run systemctl start vpn.service
run cat "$probe_log"
check "the service reached 10.77.0.1 through the tunnel" grep -qx "probe ipv4 ok" "$probe_log"
check "the service reached fd00:77::1 through the tunnel" grep -qx "probe ipv6 ok" "$probe_log"
check "the service resolved www.vpn.example through the tunnel" grep -qx "probe dns ok" "$probe_log"
check "vpn has no link but lo and wg0" json_is '[.[].ifname] | sort == ["lo", "wg0"]' ip -n vpn -j link show
check "wg0 is a WireGuard interface, up, with its addresses" link_is vpn wg0 \
    '.linkinfo.info_kind == "wireguard" and any(.flags[]; . == "UP")'
check "wg0 has 10.66.0.2/24" has_addr vpn wg0 10.66.0.2/24
check "wg0 has fd00:66::2/64" has_addr vpn wg0 fd00:66::2/64
check "wg0's UDP socket is in the root namespace (its birth namespace)" \
    bash -c '[ -n "$(ss -Hlun "sport = 51821")" ] && [ -z "$(ip netns exec vpn ss -Hlun)" ]'
check "no WireGuard interface is left in the root namespace" no_link_kind root wireguard
run env WG_COLOR_MODE=never ip netns exec vpn wg show
check "wg show: a handshake with the remote peer" \
    bash -c '[ "$(ip netns exec vpn wg show wg0 latest-handshakes | cut -f2)" -gt 0 ]'
check "wg show: bytes received and sent" \
    bash -c 'read -r _ rx tx < <(ip netns exec vpn wg show wg0 transfer); [ "$rx" -gt 0 ] && [ "$tx" -gt 0 ]'
run_status 0 netns-helper status vpn
check "status shows wg0 and the peer's handshake and transfer" \
    output_has "peer +$peer_re endpoint 192.0.2.2:51820, .*latest handshake [0-9]+ s ago, received [1-9][0-9]* B, sent [1-9][0-9]* B"
check "status shows no private key" bash -c '! grep -qF -e "$1" <<<"$2"' _ "$(cat /run/vmtest-wg/vpn.key)" "$output"
run mkdir -p /run/vmtest-wg/metrics
run netns-helper metrics --textfile-dir=/run/vmtest-wg/metrics
run grep wireguard /run/vmtest-wg/metrics/netns_helper.prom
check "metrics: the peer's received bytes" grep -qE \
    "^netns_helper_wireguard_peer_receive_bytes_total\{netns=\"vpn\",interface=\"wg0\",public_key=\"$peer_re\"\} [1-9]" \
    /run/vmtest-wg/metrics/netns_helper.prom
check "metrics: the peer's handshake age" grep -qE \
    "^netns_helper_wireguard_peer_handshake_age_seconds\{netns=\"vpn\",interface=\"wg0\",public_key=\"$peer_re\"\} [0-9]+$" \
    /run/vmtest-wg/metrics/netns_helper.prom

echo "=== the remote WireGuard goes down: nothing gets out but the tunnel's own UDP packets"
run ip -n wgpeer link set wgr down
put /run/vmtest-wg/capture.py <<'PY'
# Prints a line for each packet sent on DEV until killed: "out udp SRC:PORT > DST:PORT", ...
import socket
import struct
import sys

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
sock.bind((sys.argv[1], 0))
print("capturing", flush=True)
while True:
    frame, (_, proto, kind, _, _) = sock.recvfrom(65535)
    if kind != socket.PACKET_OUTGOING:
        continue
    if proto == 0x0800:
        ihl = (frame[14] & 15) * 4
        src, dst = socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34])
        if frame[23] == 17:
            sport, dport = struct.unpack("!HH", frame[14 + ihl : 18 + ihl])
            print(f"out udp {src}:{sport} > {dst}:{dport}", flush=True)
        else:
            print(f"out ip proto {frame[23]} {src} > {dst}", flush=True)
    else:
        print(f"out ethertype {proto:#06x}", flush=True)
PY
python3 -u /run/vmtest-wg/capture.py wgul0 >/run/vmtest-wg/capture.log 2>&1 &
capture_pid=$!
check "the capture runs" wait_until 5 grep -q capturing /run/vmtest-wg/capture.log
: >"$probe_log"
run_status 1 systemctl reload vpn.service
kill "$capture_pid"
wait "$capture_pid" 2>/dev/null
run cat "$probe_log"
check "the service's IPv4 pings fail" grep -qx "probe ipv4 failed" "$probe_log"
check "the service's IPv6 pings fail" grep -qx "probe ipv6 failed" "$probe_log"
check "the service's DNS query fails" grep -qx "probe dns failed" "$probe_log"
run sort /run/vmtest-wg/capture.log
check "the underlay carried wg0's handshake attempts" \
    grep -q '^out udp 192.0.2.1:51821 > 192.0.2.2:51820$' /run/vmtest-wg/capture.log
check "the underlay carried nothing else but ARP" \
    bash -c '! grep -v -e "^capturing$" -e "^out udp 192.0.2.1:51821 > 192.0.2.2:51820$" -e "^out ethertype 0x0806$" /run/vmtest-wg/capture.log'
check "vpn still has no link but lo and wg0" json_is '[.[].ifname] | sort == ["lo", "wg0"]' ip -n vpn -j link show

run systemctl stop vpn.service
unit_is() {
    test "$(systemctl show -P ActiveState "$1")" = "$2"
}
check "systemd-netns@vpn.service stops with vpn.service" wait_until 60 unit_is systemd-netns@vpn.service inactive
check "no namespace vpn" no_netns vpn
check "no WireGuard interface in the root namespace" no_link_kind root wireguard
check "wg0's socket is closed" bash -c '[ -z "$(ss -Hlun "sport = 51821")" ]'
run journalctl -q -o cat -u systemd-netns@vpn.service
