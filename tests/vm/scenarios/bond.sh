# SPDX-License-Identifier: GPL-3.0-or-later
# A bond of two host NICs (`bond-slaves eth3 eth4`): start moves both in and ifenslave's
# ifupdown hook builds bond0 inside the namespace; stop gives the NICs back.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns bondtest || netns-helper stop bondtest
    ip link delete eth3
    ip link delete eth4
    rm -rf /etc/netns/bondtest
}

run ip link add eth3 type dummy
run ip link add eth4 type dummy
put /etc/netns/bondtest/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

auto bond0
iface bond0 inet static
    address 192.0.2.10/24
    bond-slaves eth3 eth4
    bond-mode active-backup
    bond-miimon 100
CONF

run netns-helper --verbose start bondtest
run ip -n bondtest -d addr show
check "bond0 is a bond in bondtest" link_is bondtest bond0 '.linkinfo.info_kind == "bond"'
check "bond0 is up" link_is bondtest bond0 'any(.flags[]; . == "UP")'
check "bond0 has 192.0.2.10/24" has_addr bondtest bond0 192.0.2.10/24
for nic in eth3 eth4; do
    check "$nic is a member of bond0 in bondtest" link_is bondtest "$nic" '.master == "bond0"'
    check "no $nic in the root namespace" no_link root "$nic"
done

run netns-helper --verbose stop bondtest
check "no namespace bondtest after stop" no_netns bondtest
check "no bond0 in the root namespace" no_link root bond0
for nic in eth3 eth4; do
    check "$nic is back in the root namespace, in no bond" link_is root "$nic" 'has("master") | not'
done
