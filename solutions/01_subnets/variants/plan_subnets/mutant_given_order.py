# why: places subnets in the given order, aligned: small-first plans that fit are refused
from ipaddress import IPv4Address


def plan_subnets(block: str, needs: dict[str, int], cloud_reserved: int = 0) -> dict[str, str]:
    """Give every named need the smallest aligned subnet of `block` with enough usable addresses."""
    base_text, prefix_text = block.split("/")
    base = int(IPv4Address(base_text))
    end = base + 2 ** (32 - int(prefix_text))

    def usable(prefix: int) -> int:
        size = 2 ** (32 - prefix)
        if cloud_reserved:
            return size - cloud_reserved
        return {32: 1, 31: 2}.get(prefix, size - 2)

    plan = {}
    cursor = base
    for name, need in needs.items():
        if need < 1:
            raise ValueError(f"{name!r} needs at least one address")
        prefix = 32
        while prefix > 0 and usable(prefix) < need:
            prefix -= 1
        size = 2 ** (32 - prefix)
        start = (cursor + size - 1) // size * size  # round up to the block's alignment
        if start + size > end:
            raise ValueError(f"{block} is too small for the plan")
        plan[name] = f"{str(IPv4Address(start))}/{prefix}"
        cursor = start + size
    return plan
