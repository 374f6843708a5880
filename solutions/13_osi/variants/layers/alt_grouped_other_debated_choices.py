# why: built from groups, with the other accepted debated answers: ARP at OSI 3, TLS at 5, QUIC by its carrier
_GROUPS = {
    (1, "link"): ["repeater hub"],
    (2, "link"): ["destination MAC address", "EtherType", "Ethernet FCS", "switch", "Ethernet II framing"],
    (3, "link"): ["ARP"],
    (3, "internet"): ["IPv4 TTL", "IPv4 header checksum", "router", "IPv4", "ICMP"],
    (4, "transport"): ["UDP checksum", "TCP SYN flag", "destination port", "TCP", "UDP"],
    (5, "application"): ["TLS"],
    (7, "application"): ["HTTP Host header", "QUIC", "DNS", "DHCP", "BGP", "HTTP"],
}
LAYERS = {name: place for place, names in _GROUPS.items() for name in names}
