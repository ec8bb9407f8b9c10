# SPDX-License-Identifier: GPL-3.0-or-later
# A host running resolvconf (installed from the image's cache, purged at the end): a namespace
# whose DNS comes with its DHCP lease and one with `dns-nameservers` resolve with their own name
# server only (dnsmasq, which the host cannot reach); resolvconf's records in /run/resolvconf
# and the host's /etc/resolv.conf do not change.
. /usr/local/lib/netns-system-test/lib.sh

host_resolver() {
    readlink /etc/resolv.conf
    cat /etc/resolv.conf
    ls /run/resolvconf/ /run/resolvconf/interface/
    for file in /run/resolvconf/interface/*; do
        [ ! -e "$file" ] || { echo "$file:"; cat "$file"; }
    done
    not grep -rF 10.99.0 /run/resolvconf/ /etc/resolv.conf
}
on_resolver_host resolvconf
