# why: masks built from '1'/'0' strings, inverted through a table of the 33 valid masks
_VALID_MASKS = {int("1" * p + "0" * (32 - p), 2): p for p in range(33)}


def prefix_to_mask(prefix: int) -> int:
    """Return the netmask of a /prefix as a 32-bit integer; ValueError unless 0 <= prefix <= 32."""
    if prefix not in range(33):
        raise ValueError(f"prefix length must be 0..32, got {prefix!r}")
    return int("1" * prefix + "0" * (32 - prefix), 2)


def mask_to_prefix(mask: int) -> int:
    """Return the prefix length of a contiguous netmask; ValueError for anything else."""
    try:
        return _VALID_MASKS[mask]
    except KeyError:
        raise ValueError(f"not a contiguous 32-bit netmask: {mask!r}") from None
