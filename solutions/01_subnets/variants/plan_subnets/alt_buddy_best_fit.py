# why: a best-fit buddy allocator in the given order: different addresses, equally valid
from ipaddress import IPv4Address


def plan_subnets(block: str, needs: dict[str, int], cloud_reserved: int = 0) -> dict[str, str]:
    """Give every named need the smallest aligned subnet of `block` with enough usable addresses."""
    base_text, prefix_text = block.split("/")
    block_prefix = int(prefix_text)
    free = [(int(IPv4Address(base_text)), block_prefix)]  # free blocks as (start, prefix)

    def usable(prefix: int) -> int:
        size = 2 ** (32 - prefix)
        if cloud_reserved:
            return size - cloud_reserved
        return 1 if prefix == 32 else 2 if prefix == 31 else size - 2

    plan = {}
    for name, need in needs.items():
        if need < 1:
            raise ValueError(f"{name!r} needs at least one address")
        fitting = [p for p in range(block_prefix, 33) if usable(p) >= need]
        if not fitting:
            raise ValueError(f"{name!r} needs more than {block} offers")
        want = max(fitting)
        candidates = [blk for blk in free if blk[1] <= want]
        if not candidates:
            raise ValueError(f"{block} has no room left for {name!r}")
        start, prefix = max(candidates, key=lambda blk: (blk[1], -blk[0]))  # best fit
        free.remove((start, prefix))
        while prefix < want:  # split, keep the lower half, free the upper buddy
            prefix += 1
            free.append((start + 2 ** (32 - prefix), prefix))
        plan[name] = f"{str(IPv4Address(start))}/{want}"
    return plan
