# The commands that made iptables-save.txt and ip6tables-save.txt (run in a throwaway network namespace).
iptables -P INPUT DROP
iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -A INPUT -i lo -j ACCEPT
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT
iptables -A INPUT -s 203.0.113.0/24 -p tcp --dport 5432 -j ACCEPT
iptables -A INPUT -p udp --dport 53 -m comment --comment "dns for the lab" -j ACCEPT
iptables -N SVC
iptables -A INPUT -p tcp --dport 9000:9010 -j SVC
iptables -A SVC -p tcp --dport 9005 -j RETURN
iptables -A SVC -j ACCEPT
iptables -A INPUT -p tcp ! --dport 23 -j REJECT --reject-with tcp-reset
iptables -A INPUT -p icmp --icmp-type echo-request -j ACCEPT
ip6tables -P INPUT DROP
ip6tables -A INPUT -m state --state ESTABLISHED -j ACCEPT
ip6tables -A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -j ACCEPT
ip6tables -A INPUT -p tcp --dport 443 -j ACCEPT
ip6tables -A INPUT -s 2001:db8::/32 -p tcp --dport 22 -j ACCEPT
