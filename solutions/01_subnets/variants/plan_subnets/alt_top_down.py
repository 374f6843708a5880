# why: largest first but from the top of the block down: different addresses, equally valid
from ipaddress import IPv4Address


def plan_subnets(block: str, needs: dict[str, int], cloud_reserved: int = 0) -> dict[str, str]:
    """Give every named need the smallest aligned subnet of `block` with enough usable addresses."""
    base_text, prefix_text = block.split("/")
    base = int(IPv4Address(base_text))
    top = base + 2 ** (32 - int(prefix_text))  # one past the last address
    sizes = {}
    for name, need in needs.items():
        if need < 1:
            raise ValueError(f"{name!r} needs at least one address")
        size = 1
        while True:
            prefix = 32 - (size.bit_length() - 1)
            if cloud_reserved:
                spare = size - cloud_reserved
            else:
                spare = size if prefix >= 31 else size - 2
            if spare >= need:
                break
            size *= 2
        sizes[name] = size
    plan = {}
    for name in sorted(sizes, key=lambda n: -sizes[n]):
        size = sizes[name]
        top -= size  # sizes only shrink, so top stays aligned
        if top < base:
            raise ValueError(f"{block} is too small for the plan")
        plan[name] = f"{str(IPv4Address(top))}/{32 - (size.bit_length() - 1)}"
    return plan
