# SPDX-License-Identifier: GPL-3.0-or-later
# A host running NetworkManager (installed from the image's cache, purged at the end), Debian's
# configuration (ifupdown plugin, managed=false), a profile for the admin NIC (eth5, by DHCP)
# and its default of managing every other device: a namespace's NIC (eth6: `check` warns) is
# configured once in the namespace and given back on stop; the namespace's veth host end, whose
# stanza is in the host's interfaces file, is not taken over; the admin NIC is untouched (see
# on_managed_host in lib.sh).
. /usr/local/lib/netns-system-test/lib.sh

# The test NICs of the other scenarios and the DHCP server's links are not the admin's.
manager_start() {
    cp -a /etc/resolv.conf "$STATE/resolv.conf.orig"    # NetworkManager writes eth5's lease there
    mkdir -p /etc/NetworkManager/conf.d /etc/NetworkManager/system-connections
    cat > /etc/NetworkManager/conf.d/test-nics.conf <<END
[keyfile]
unmanaged-devices=interface-name:eth1;interface-name:eth2;interface-name:eth3;interface-name:peer*;interface-name:dnsbr*
END
    install -m 0600 /dev/null /etc/NetworkManager/system-connections/admin.nmconnection
    cat > /etc/NetworkManager/system-connections/admin.nmconnection <<END
[connection]
id=admin
type=ethernet
interface-name=eth5

[ipv4]
method=auto

[ipv6]
method=ignore
END
    offline_install network-manager
    systemctl enable NetworkManager.service
    systemctl restart NetworkManager.service
    wait_for nmcli general status
}
manager_stop() {
    systemctl stop NetworkManager.service || true
    offline_purge network-manager
    rm -rf /etc/NetworkManager
    rm -f /etc/resolv.conf
    cp -a "$STATE/resolv.conf.orig" /etc/resolv.conf
}
# nmcli's device state: unmanaged, or disconnected, connecting, connected...
manages() {
    state=$(nmcli -t -f DEVICE,STATE device | awk -F: -v dev="$1" '$1 == dev { print $2 }')
    echo "$1: ${state:-not seen}"
    [ -n "$state" ] && [ "$state" != unmanaged ]
}
on_managed_host NetworkManager
not systemctl cat NetworkManager.service
