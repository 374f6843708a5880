# why: uses size - 2 and a broadcast for every prefix: a /31 gets 0 usable, a /32 gets -1
from ipaddress import IPv4Address


def subnet_summary(cidr: str, cloud_reserved: int = 0) -> dict:
    """Network, broadcast, size and usable host count of the IPv4 block `cidr`."""
    address_text, prefix_text = cidr.split("/")
    prefix = int(prefix_text)
    if not 0 <= prefix <= 32:
        raise ValueError(f"prefix length must be 0..32, got {prefix}")
    address = int(IPv4Address(address_text))
    size = 2 ** (32 - prefix)
    if address % size:
        raise ValueError(f"{cidr} has host bits set")
    if cloud_reserved and size <= cloud_reserved:
        raise ValueError(f"/{prefix} is too small for {cloud_reserved} reserved addresses")
    usable = size - cloud_reserved if cloud_reserved else size - 2
    return {
        "network": str(IPv4Address(address)),
        "broadcast": str(IPv4Address(address + size - 1)),
        "size": size,
        "usable": usable,
    }
