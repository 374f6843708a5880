# why: never compares prefix lengths, so 10.0.0.0/16 counts as inside 10.0.0.0/24
from ipaddress import IPv4Address


def contains(outer: str, inner: str) -> bool:
    """True if every address of the block `inner` is also in the block `outer`."""
    outer_text, outer_len = outer.split("/")
    inner_text = inner.split("/")[0]
    mask = (0xFFFFFFFF << (32 - int(outer_len))) & 0xFFFFFFFF
    return int(IPv4Address(inner_text)) & mask == int(IPv4Address(outer_text))


def overlaps(a: str, b: str) -> bool:
    """True if the blocks `a` and `b` share at least one address."""
    return contains(a, b) or contains(b, a)
