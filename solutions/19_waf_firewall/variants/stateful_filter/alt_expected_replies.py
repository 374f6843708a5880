# why: stores the 5-tuple a reply will carry (already reversed) in a dict, and finds the first match with next()
class StatefulFilter:
    """First-match rules, default deny, and connection tracking for replies."""

    def __init__(self, rules: list[Rule]):
        self._rules = tuple(rules)
        self._expected_replies = {}  # reply 5-tuple -> the connection's own 5-tuple

    def _verdict(self, packet):
        first = next((rule for rule in self._rules if rule_matches(rule, packet)), None)
        return first is not None and first.action == "allow"

    def decide(self, packet: Packet) -> bool:
        flow = packet.five_tuple
        proto, src, sport, dst, dport = flow
        if flow in self._expected_replies:
            if "RST" in packet.flags:
                del self._expected_replies[flow]
            return True
        if not self._verdict(packet):
            return False
        if "RST" in packet.flags:
            self._expected_replies.pop((proto, dst, dport, src, sport), None)
        elif proto == "udp" or (packet.flags >= {"SYN"} and "ACK" not in packet.flags):
            self._expected_replies[(proto, dst, dport, src, sport)] = flow
        return True
