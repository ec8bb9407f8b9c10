# SPDX-License-Identifier: GPL-3.0-or-later
# WireGuard starts that must change nothing, or undo what they did:
# 1. a wrong key file (not a key; readable by others) and a birth namespace that does not
#    exist are refused before any change (exit 2);
# 2. an unreachable birth namespace (/run/netns/ghost is a plain file, no namespace): start
#    refuses it before anything runs;
# 3. `wg setconf` fails (an endpoint name the birth namespace cannot resolve): the
#    interface it was given is deleted;
# 4. ifup inside fails after the move: the interface goes back to its birth namespace and
#    is deleted there.
# And a start that works with a named birth namespace (wgup): the endpoint's host name is
# resolved there (its own /etc/hosts), its socket lives there, stop deletes the interface.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns rbwg || netns-helper stop rbwg
    ip netns delete wgup
    rm -f /run/netns/ghost
    rm -rf /etc/netns/rbwg /etc/netns/wgup /run/vmtest-wgrb
    [ -z "$made_hosts" ] || rm -f /etc/hosts
}

run mkdir -p /run/vmtest-wgrb
# `ip netns exec` binds /etc/netns/NS/hosts only over an /etc/hosts that exists.
made_hosts=
[ -e /etc/hosts ] || { made_hosts=1; run touch /etc/hosts; }
key=$(wg genkey)
peer_pub=$(wg genkey | wg pubkey)
put /etc/netns/rbwg/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto wg0
iface wg0 inet static
    address 10.66.1.2/24
CONF
run install -d -m 0700 /etc/netns/rbwg/wireguard
# FILE with PrivateKey KEY and one peer at ENDPOINT, mode 600.
wg_conf() {
    umask 077
    put /etc/netns/rbwg/wireguard/wg0.conf <<CONF
[Interface]
PrivateKey = $1
ListenPort = 51822

[Peer]
PublicKey = $peer_pub
Endpoint = $2
AllowedIPs = 10.66.1.0/24
CONF
    umask 022
}
# Nothing of rbwg is left, and no WireGuard interface anywhere.
check_undone() {
    check "no namespace rbwg" no_netns rbwg
    check "no WireGuard interface in the root namespace" no_link_kind root wireguard
    no_netns wgup || check "no WireGuard interface in wgup" no_link_kind wgup wireguard
    check "no ifupdown state left for rbwg" test ! -e /run/network/netns/rbwg
}

echo "=== 1. refused before any change"
wg_conf "${key%?}" 192.0.2.2:51820
run_status 2 netns-helper start rbwg
check "a wrong key is an error at its line" \
    output_has '^/etc/netns/rbwg/wireguard/wg0.conf:2: error: PrivateKey is not a key'
check_undone
wg_conf "$key" 192.0.2.2:51820
run chmod 0644 /etc/netns/rbwg/wireguard/wg0.conf
run_status 2 netns-helper start rbwg
check "a key file others can read is an error" output_has 'wg0.conf: error: holds a private key, but its mode 0644'
check_undone
run chmod 0600 /etc/netns/rbwg/wireguard/wg0.conf
sed -i 's/^    address .*/&\n    wireguard-birth-netns wgup/' /etc/netns/rbwg/network/interfaces
run cat /etc/netns/rbwg/network/interfaces
run_status 2 netns-helper start rbwg
check "a birth namespace that does not exist is an error" output_has '^/etc/netns/rbwg/network/interfaces:7: error: the birth namespace wgup of wg0 does not exist'
check_undone

echo "=== 2. an unreachable birth namespace"
sed -i 's/wireguard-birth-netns wgup/wireguard-birth-netns ghost/' /etc/netns/rbwg/network/interfaces
run mkdir -p /run/netns
run touch /run/netns/ghost
run_status 2 netns-helper --verbose start rbwg
check "the refusal names the birth namespace" output_has 'error: the birth namespace ghost of wg0 does not exist'
check_undone
run rm /run/netns/ghost

echo "=== 3. wg setconf fails: wgup resolves no name but its own hosts file's"
sed -i 's/wireguard-birth-netns ghost/wireguard-birth-netns wgup/' /etc/netns/rbwg/network/interfaces
run ip netns add wgup
run ip -n wgup link set lo up
put /etc/netns/wgup/nsswitch.conf <<'CONF'
hosts: files
CONF
put /etc/netns/wgup/hosts <<'CONF'
127.0.0.1 localhost
192.0.2.2 peer.vpn.example
CONF
wg_conf "$key" nosuch.vpn.example:51820
run_status 1 netns-helper --verbose start rbwg
check "the failure is wg setconf's, in wgup" \
    output_has '^error: ip netns exec wgup wg setconf nhwg[0-9a-f]{8} /etc/netns/rbwg/wireguard/wg0.conf'
check "the interface wg setconf failed on was deleted" output_has '^\+ ip -n wgup link delete dev nhwg'
check_undone

echo "=== 4. ifup fails inside after the move"
wg_conf "$key" peer.vpn.example:51820
sed -i 's/^    wireguard-birth-netns wgup/&\n    up false/' /etc/netns/rbwg/network/interfaces
run_status 1 netns-helper --verbose start rbwg
check "wg0 went back to wgup under its temporary name" \
    output_has '^\+ ip -n rbwg link set dev wg0 netns wgup name nhwg[0-9a-f]{8}$'
check "and was deleted there" output_has '^\+ ip -n wgup link delete dev nhwg'
check_undone

echo "=== a start that works, born in wgup"
sed -i '/^    up false$/d' /etc/netns/rbwg/network/interfaces
run netns-helper start rbwg
check "wg0 is in rbwg, up" link_is rbwg wg0 '.linkinfo.info_kind == "wireguard" and any(.flags[]; . == "UP")'
check "the endpoint's name was resolved in wgup" \
    bash -c '[ "$(ip netns exec rbwg wg show wg0 endpoints | cut -f2)" = 192.0.2.2:51820 ]'
check "wg0's socket is in wgup" bash -c '[ -n "$(ip netns exec wgup ss -Hlun "sport = 51822")" ]'
check "and not in the root namespace" bash -c '[ -z "$(ss -Hlun "sport = 51822")" ]'
check "no WireGuard interface is left in wgup" no_link_kind wgup wireguard
run netns-helper stop rbwg
check_undone
check "wg0's socket is closed" bash -c '[ -z "$(ip netns exec wgup ss -Hlun "sport = 51822")" ]'
