# why: parses with Exercise 1's ip_to_int/int_to_ip and a regex for the prefix; accepts '/08' as 8
import re


def subnet_summary(cidr: str, cloud_reserved: int = 0) -> dict:
    """Network, broadcast, size and usable host count of the IPv4 block `cidr`."""
    match = re.fullmatch(r"([^/]*)/([0-9]+)", cidr)
    if match is None or int(match[2]) > 32:
        raise ValueError(f"not an IPv4 block: {cidr!r}")
    network, prefix = ip_to_int(match[1]), int(match[2])
    size = 2 ** (32 - prefix)
    if network % size:
        raise ValueError(f"{cidr} has host bits set")
    if cloud_reserved > 0:
        if size <= cloud_reserved:
            raise ValueError(f"the provider keeps all {size} addresses of {cidr}")
        usable = size - cloud_reserved
    else:
        usable = size if prefix >= 31 else size - 2
    return {
        "network": int_to_ip(network),
        "broadcast": int_to_ip(network + size - 1) if prefix <= 30 else None,
        "size": size,
        "usable": usable,
    }
