# why: compares [first, last] address intervals instead of masking
from ipaddress import IPv4Address


def _interval(cidr: str) -> tuple[int, int]:
    address_text, prefix_text = cidr.split("/")
    first = int(IPv4Address(address_text))
    return first, first + (1 << (32 - int(prefix_text))) - 1


def contains(outer: str, inner: str) -> bool:
    """True if every address of the block `inner` is also in the block `outer`."""
    outer_first, outer_last = _interval(outer)
    inner_first, inner_last = _interval(inner)
    return outer_first <= inner_first and inner_last <= outer_last


def overlaps(a: str, b: str) -> bool:
    """True if the blocks `a` and `b` share at least one address."""
    a_first, a_last = _interval(a)
    b_first, b_last = _interval(b)
    return a_first <= b_last and b_first <= a_last
