# SPDX-License-Identifier: GPL-3.0-or-later
# A real IPsec tunnel through the drop-in: strongswan.service (charon-systemd) runs in
# namespace strongswan, whose xfrm file puts ipsec0 (if_id 42) into namespace inner. A
# second charon in namespace peer plays the remote site, over a veth underlay (eth10 in
# strongswan, peer0 in peer). Hosts on lo: 10.100.0.1 and fd00:100::1 in inner (local
# traffic selector), 10.200.0.1 and fd00:200::1 in peer (remote). Pings from inner reach
# the remote site over IPv4 and IPv6, counted on the CHILD_SA. `systemctl stop strongswan`
# then stops the namespace unit, which removes ipsec0, strongswan and inner.
. /usr/local/lib/vmtest/lib.sh

peer_vici=unix:///run/vmtest-peer-charon.vici
local_ts="10.100.0.0/24, fd00:100::/64"  # inner's hosts
remote_ts="10.200.0.0/24, fd00:200::/64"  # peer's hosts

# One site's swanctl.conf of connection vmtest (a PSK that both sites share):
#   swanctl_conf ADDRESS ID TS REMOTE_ADDRESS REMOTE_ID REMOTE_TS [CHILD_SA_LINE...]
swanctl_conf() {
    cat <<CONF
connections {
    vmtest {
        local_addrs = $1
        remote_addrs = $4
        local {
            auth = psk
            id = $2
        }
        remote {
            auth = psk
            id = $5
        }
        children {
            net {
                local_ts = $3
                remote_ts = $6
CONF
    shift 6
    [ "$#" = 0 ] || printf '                %s\n' "$@"
    cat <<'CONF'
            }
        }
    }
}
secrets {
    ike-vmtest {
        id-gw = gw.example
        id-peer = peer.example
        secret = "vmtest, not a secret"
    }
}
CONF
}

# CMD, without swanctl's warnings about plugins that this minimal image does not have.
quiet_plugins() {
    "$@" 2>&1 | grep -v "^plugin '.*': failed to load"
    return "${PIPESTATUS[0]}"
}
swan() {
    quiet_plugins swanctl "$@"
}

cleanup() {
    systemctl stop strongswan.service
    systemctl stop vmtest-peer-charon.service
    systemctl reset-failed vmtest-peer-charon.service 2>/dev/null
    for ns in strongswan inner; do no_netns "$ns" || netns-helper stop "$ns"; done
    ip netns delete peer  # and peer0, with eth10 its other end
    ip link delete eth10 2>/dev/null
    rm -rf /etc/systemd/system/strongswan.service.d /etc/swanctl/conf.d/vmtest-tunnel.conf \
        /etc/netns/strongswan /etc/netns/inner /etc/netns/peer
    systemctl daemon-reload
}

# The remote site: namespace peer with its hosts on lo, and the other end of the underlay.
run ip netns add peer
run ip link add eth10 type veth peer name peer0 netns peer
run ip -n peer addr add 192.0.2.2/24 dev peer0
run ip -n peer addr add 10.200.0.1/32 dev lo
run ip -n peer addr add fd00:200::1/128 dev lo
run ip -n peer link set lo up
run ip -n peer link set peer0 up
# Replies to inner's hosts must have a route before the IPsec policy takes them.
run ip -n peer route add 10.100.0.0/24 dev peer0
run ip -n peer route add fd00:100::/64 dev peer0

# Our side: the service's namespace, the destination inner and the xfrm file.
put /etc/netns/strongswan/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto eth10
iface eth10 inet static
    address 192.0.2.1/24
CONF
put /etc/netns/inner/network/interfaces <<'CONF'
auto lo
iface lo inet loopback
    up ip addr add 10.100.0.1/32 dev lo
    up ip addr add fd00:100::1/128 dev lo
CONF
put /etc/netns/strongswan/network/xfrm <<'CONF'
[ipsec0]
IfId=42
DestNetNS=inner
Prefixes=10.200.0.0/24, fd00:200::/64
CONF
swanctl_conf 192.0.2.1 gw.example "$local_ts" 192.0.2.2 peer.example "$remote_ts" 'if_id_in = 42' 'if_id_out = 42' |
    put /etc/swanctl/conf.d/vmtest-tunnel.conf

# The remote site's charon: its own strongswan.conf (vici socket elsewhere) and swanctl
# directory, bound over /etc's by `ip netns exec peer`.
put /etc/netns/peer/strongswan.conf <<CONF
charon {
    load_modular = yes
    plugins {
        include strongswan.d/charon/*.conf
        vici {
            socket = $peer_vici
        }
    }
}
include strongswan.d/*.conf
CONF
swanctl_conf 192.0.2.2 peer.example "$remote_ts" 192.0.2.1 gw.example "$local_ts" |
    put /etc/netns/peer/swanctl/swanctl.conf
run systemd-run --quiet --unit=vmtest-peer-charon -p Type=notify \
    ip netns exec peer /usr/sbin/charon-systemd
run quiet_plugins ip netns exec peer swanctl --load-all --noprompt --uri "$peer_vici"

# strongswan.service in its namespace, through the drop-in.
run mkdir -p /etc/systemd/system/strongswan.service.d
run ln -s /usr/share/systemd-netns-helper/netns.conf /etc/systemd/system/strongswan.service.d/
run systemctl daemon-reload
run systemctl start strongswan.service
check "strongswan.service is active" systemctl is-active strongswan.service
check "systemd-netns@strongswan.service is active" systemctl is-active systemd-netns@strongswan.service
check "charon runs in namespace strongswan" \
    test "$(ip netns identify "$(systemctl show -P MainPID strongswan.service)")" = strongswan
check "eth10 is in strongswan" has_addr strongswan eth10 192.0.2.1/24
check "ipsec0 is an XFRM interface with if_id 42 in inner, up" link_is inner ipsec0 \
    '.linkinfo.info_kind == "xfrm" and .linkinfo.info_data.if_id == "0x2a" and any(.flags[]; . == "UP")'
# The kernel reserves an if_id in the namespace that created the interface: strongswan.
if_id_taken() {
    ! ip -n "$1" link add name probe42 type xfrm if_id 42 || ! ip -n "$1" link delete probe42
}
check "if_id 42 is taken in strongswan, where ipsec0 was created" if_id_taken strongswan

run swan --initiate --child net --timeout 60
run swan --list-sas
run ip -n strongswan xfrm policy
check "both SAs of the CHILD_SA carry if_id 42, in strongswan" \
    test "$(ip -n strongswan xfrm state | grep -c 'if_id 0x2a')" = 2

# "IN OUT": the packets the CHILD_SA of our charon has counted in each direction.
sa_packets() {
    local raw
    raw=$(swan --list-sas --raw)
    echo "$(grep -o 'packets-in=[0-9]*' <<<"$raw" | cut -d= -f2) $(grep -o 'packets-out=[0-9]*' <<<"$raw" | cut -d= -f2)"
}
# The counters grew by at least N in each direction since $before ("IN OUT").
sa_grew_by() {
    local now
    now=$(sa_packets)
    echo "packets in/out before: $before, now: $now"
    [ "${now% *}" -ge $((${before% *} + $1)) ] && [ "${now#* }" -ge $((${before#* } + $1)) ]
}

check "inner has no link but lo and ipsec0: replies can only come through the tunnel" \
    json_is '[.[].ifname] | sort == ["ipsec0", "lo"]' ip -n inner -j link show
before=$(sa_packets)
check "IPv4: 10.100.0.1 in inner reaches 10.200.0.1 at the remote site" \
    ip netns exec inner ping -c 3 -i 0.2 -W 5 -I 10.100.0.1 10.200.0.1
check "IPv4: the SA counted the 3 pings and their replies" sa_grew_by 3
echo "SA packets in/out: $(sa_packets)"
before=$(sa_packets)
check "IPv6: fd00:100::1 in inner reaches fd00:200::1 at the remote site" \
    ip netns exec inner ping -c 3 -i 0.2 -W 5 -I fd00:100::1 fd00:200::1
check "IPv6: the SA counted the 3 pings and their replies" sa_grew_by 3
echo "SA packets in/out: $(sa_packets)"
run ip -n strongswan -s xfrm state

run systemctl stop strongswan.service
# The namespace unit's stop follows strongswan.service's (PartOf=); systemctl does not wait.
unit_is() {
    test "$(systemctl show -P ActiveState "$1")" = "$2"
}
check "systemd-netns@strongswan.service stops with strongswan.service" \
    wait_until 60 unit_is systemd-netns@strongswan.service inactive
for ns in strongswan inner; do check "no namespace $ns" no_netns "$ns"; done
check "eth10 is back in the root namespace" link_is root eth10
check "no XFRM interface in the root namespace" no_link_kind root xfrm
run journalctl -q -o cat -u systemd-netns@strongswan.service
