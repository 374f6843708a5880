# why: sizes subnets as the next power of two >= need, forgetting reserved addresses
from ipaddress import IPv4Address


def plan_subnets(block: str, needs: dict[str, int], cloud_reserved: int = 0) -> dict[str, str]:
    """Give every named need the smallest aligned subnet of `block` with enough usable addresses."""
    base_text, prefix_text = block.split("/")
    base = int(IPv4Address(base_text))
    end = base + 2 ** (32 - int(prefix_text))
    sizes = {}
    for name, need in needs.items():
        if need < 1:
            raise ValueError(f"{name!r} needs at least one address")
        size = 1
        while size < need:
            size *= 2
        sizes[name] = size
    plan = {}
    cursor = base
    for name in sorted(sizes, key=sizes.get, reverse=True):
        size = sizes[name]
        if cursor + size > end:
            raise ValueError(f"{block} is too small for the plan")
        plan[name] = f"{str(IPv4Address(cursor))}/{32 - size.bit_length() + 1}"
        cursor += size
    return plan
