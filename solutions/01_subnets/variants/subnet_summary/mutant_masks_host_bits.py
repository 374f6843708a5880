# why: silently clears host bits (like strict=False): '10.0.0.5/24' is summarised, not rejected
from ipaddress import IPv4Address


def subnet_summary(cidr: str, cloud_reserved: int = 0) -> dict:
    """Network, broadcast, size and usable host count of the IPv4 block `cidr`."""
    address_text, slash, prefix_text = cidr.partition("/")
    if not slash or not prefix_text.isdigit() or int(prefix_text) > 32:
        raise ValueError(f"expected 'a.b.c.d/prefix', got {cidr!r}")
    prefix = int(prefix_text)
    mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
    network = int(IPv4Address(address_text)) & mask
    broadcast = network | (mask ^ 0xFFFFFFFF)
    size = broadcast - network + 1
    if cloud_reserved:
        if size <= cloud_reserved:
            raise ValueError(f"/{prefix} is too small for {cloud_reserved} reserved addresses")
        usable = size - cloud_reserved
    else:
        usable = {32: 1, 31: 2}.get(prefix, size - 2)
    return {
        "network": str(IPv4Address(network)),
        "broadcast": str(IPv4Address(broadcast)) if prefix <= 30 else None,
        "size": size,
        "usable": usable,
    }
