# SPDX-License-Identifier: GPL-3.0-or-later
# nginx's namespace with a ruleset and sysctls of its own, under the hardened template unit:
# port 80 in and everything else dropped, forwarding on inside and off on the host;
# `systemctl reload` (ExecReload=) applies a changed ruleset without restarting nginx and
# keeps the old one when the new one is broken.
. /usr/local/lib/netns-system-test/lib.sh

cat > /etc/netns/nginx/nftables.conf <<'END'
flush ruleset
table inet filter {
    chain input {
        type filter hook input priority filter; policy drop;
        iifname "lo" accept
        ct state established,related accept
        tcp dport 80 accept
        icmp type echo-request counter drop
    }
}
END
printf 'net.ipv4.ip_forward = 1\n' > /etc/netns/nginx/sysctl.conf
netns-helper --print-commands start nginx > "$STATE/firewall-plan"    # nft -c has checked it
# Right after `ip netns add`, one transaction on nft's standard input (a here-document).
grep -A4 -Fx 'ip netns add nginx' "$STATE/firewall-plan" | tail -n +2 > "$STATE/firewall-load"
printf '%s\n' "ip netns exec nginx nft -f - <<'EOF'" 'flush ruleset' 'include "/etc/netns/nginx/nftables.conf"' EOF |
    cmp - "$STATE/firewall-load"

may_start nginx.service systemd-netns@nginx.service
systemctl restart nginx.service
wait_for http_get http://192.0.2.2/ | grep -i nginx
not ping -c 1 -W 1 192.0.2.2                        # dropped inside, counted
ip netns exec nginx nft list ruleset | grep -E 'counter packets [1-9]'
[ "$(ip netns exec nginx cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ]

# A changed ruleset, applied in place: nginx keeps its pid, port 80 is closed now.
pid=$(main_pid nginx.service)
sed -i 's/tcp dport 80 accept/tcp dport 81 accept/' /etc/netns/nginx/nftables.conf
systemctl reload systemd-netns@nginx.service
[ "$(main_pid nginx.service)" = "$pid" ]
not http_get http://192.0.2.2/

# A broken one: the reload fails, says where, and the previous ruleset stays.
ip netns exec nginx nft list ruleset > "$STATE/ruleset-before"
sed -i 's/policy drop;/policy maybe;/' /etc/netns/nginx/nftables.conf
not systemctl reload systemd-netns@nginx.service
exit_status 2 netns-helper reload nginx 2> "$STATE/reload-broken"
grep -F '/etc/netns/nginx/nftables.conf:4: error: nft: ' "$STATE/reload-broken"
ip netns exec nginx nft list ruleset > "$STATE/ruleset-after"
cmp "$STATE/ruleset-before" "$STATE/ruleset-after"
unit_is systemd-netns@nginx.service active
[ "$(main_pid nginx.service)" = "$pid" ]

# A kernel.* key: start refuses it with its line, before anything runs.
printf 'net.ipv4.ip_forward = 1\nkernel.hostname = evil\n' > /etc/netns/nginx/sysctl.conf
exit_status 2 netns-helper --print-commands start nginx 2> "$STATE/start-sysctl"
grep -F '/etc/netns/nginx/sysctl.conf:2: error: kernel.hostname is not a network namespace' "$STATE/start-sysctl"

# Back as before: no ruleset, no sysctls.
systemctl stop nginx.service systemd-netns@nginx.service
rm /etc/netns/nginx/nftables.conf /etc/netns/nginx/sysctl.conf
may_start nginx.service systemd-netns@nginx.service
systemctl start nginx.service
wait_for http_get http://192.0.2.2/ | grep -i nginx
