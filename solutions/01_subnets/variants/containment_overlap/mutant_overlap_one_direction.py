# why: overlaps only asks whether b starts inside a; misses a inside a bigger b
from ipaddress import IPv4Address


def contains(outer: str, inner: str) -> bool:
    """True if every address of the block `inner` is also in the block `outer`."""
    outer_text, outer_len = outer.split("/")
    inner_text, inner_len = inner.split("/")
    if int(inner_len) < int(outer_len):
        return False
    mask = (0xFFFFFFFF << (32 - int(outer_len))) & 0xFFFFFFFF
    return int(IPv4Address(inner_text)) & mask == int(IPv4Address(outer_text))


def overlaps(a: str, b: str) -> bool:
    """True if the blocks `a` and `b` share at least one address."""
    a_text, a_len = a.split("/")
    a_start = int(IPv4Address(a_text))
    a_end = a_start + 2 ** (32 - int(a_len)) - 1
    return a_start <= int(IPv4Address(b.split("/")[0])) <= a_end
