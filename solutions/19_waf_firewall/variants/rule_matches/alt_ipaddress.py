# why: the standard library's ipaddress, and one all() over the conditions
import ipaddress


def rule_matches(rule: Rule, packet: Packet) -> bool:
    """True if `packet` has the rule's protocol, addresses inside its blocks and a port in its range."""
    low, high = rule.dports
    return all([
        rule.proto == "any" or rule.proto == packet.proto,
        ipaddress.ip_address(packet.src) in ipaddress.ip_network(rule.src),
        ipaddress.ip_address(packet.dst) in ipaddress.ip_network(rule.dst),
        low <= packet.dport <= high,
    ])
