# why: slices the 32-character bit string instead of masking, and parses with the stdlib
from ipaddress import IPv4Address


def subnet_summary(cidr: str, cloud_reserved: int = 0) -> dict:
    """Network, broadcast, size and usable host count of the IPv4 block `cidr`."""
    if cidr.count("/") != 1:
        raise ValueError(f"expected 'a.b.c.d/prefix', got {cidr!r}")
    address_text, prefix_text = cidr.split("/")
    if prefix_text not in {str(p) for p in range(33)}:
        raise ValueError(f"prefix length must be 0..32, got {prefix_text!r}")
    prefix = int(prefix_text)
    bits = format(int(IPv4Address(address_text)), "032b")
    network_bits, host_bits = bits[:prefix], bits[prefix:]
    if "1" in host_bits:
        raise ValueError(f"{cidr} has host bits set")
    size = 2 ** len(host_bits)
    if cloud_reserved > 0:
        if size - cloud_reserved < 1:
            raise ValueError(f"no usable address left in {cidr}")
        usable = size - cloud_reserved
    else:
        usable = {0: 1, 1: 2}.get(len(host_bits), size - 2)
    last = int(network_bits + "1" * len(host_bits), 2)
    return {
        "network": str(IPv4Address(int(bits, 2))),
        "broadcast": None if len(host_bits) < 2 else str(IPv4Address(last)),
        "size": size,
        "usable": usable,
    }
