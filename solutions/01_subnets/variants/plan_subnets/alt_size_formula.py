# why: sizes each subnet by a closed formula (bit_length of the addresses needed), packs largest first
def plan_subnets(block: str, needs: dict[str, int], cloud_reserved: int = 0) -> dict[str, str]:
    """Give every named need the smallest aligned subnet of `block` with enough usable addresses."""
    base_text, _, prefix_text = block.partition("/")
    start, end = ip_to_int(base_text), ip_to_int(base_text) + (1 << (32 - int(prefix_text)))
    host_bits = {}
    for name, need in needs.items():
        if need < 1:
            raise ValueError(f"{name!r} needs {need} addresses")
        if cloud_reserved:
            addresses = need + cloud_reserved
        elif need <= 2:
            addresses = need  # /32 for one host, /31 for a point-to-point pair
        else:
            addresses = need + 2
        host_bits[name] = (addresses - 1).bit_length()  # smallest k with 2**k >= addresses
    plan = {}
    for name in sorted(host_bits, key=host_bits.get, reverse=True):
        size = 1 << host_bits[name]
        if start + size > end:
            raise ValueError(f"the subnets do not fit in {block}")
        plan[name] = f"{int_to_ip(start)}/{32 - host_bits[name]}"
        start += size
    return plan
