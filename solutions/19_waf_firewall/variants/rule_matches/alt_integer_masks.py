# why: no library: addresses and blocks become 32-bit integers compared under the prefix mask
def rule_matches(rule: Rule, packet: Packet) -> bool:
    """True if `packet` has the rule's protocol, addresses inside its blocks and a port in its range."""

    def as_int(dotted):
        a, b, c, d = (int(part) for part in dotted.split("."))
        return (a << 24) | (b << 16) | (c << 8) | d

    def inside(address, block):
        network, length = block.split("/")
        mask = (0xFFFFFFFF << (32 - int(length))) & 0xFFFFFFFF
        return as_int(address) & mask == as_int(network) & mask

    if rule.proto != "any" and rule.proto != packet.proto:
        return False
    if not (inside(packet.src, rule.src) and inside(packet.dst, rule.dst)):
        return False
    return packet.dport in range(rule.dports[0], rule.dports[1] + 1)
