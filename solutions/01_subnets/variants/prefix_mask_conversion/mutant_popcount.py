# why: counts the one-bits, so the non-contiguous mask 255.0.255.0 passes as a /16
def prefix_to_mask(prefix: int) -> int:
    """Return the netmask of a /prefix as a 32-bit integer; ValueError unless 0 <= prefix <= 32."""
    if not 0 <= prefix <= 32:
        raise ValueError(f"prefix length must be 0..32, got {prefix!r}")
    return (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def mask_to_prefix(mask: int) -> int:
    """Return the prefix length of a contiguous netmask; ValueError for anything else."""
    if not 0 <= mask <= 0xFFFFFFFF:
        raise ValueError(f"not a 32-bit value: {mask!r}")
    return bin(mask).count("1")
