# why: builds the mask from a string without a range check: /33 and /-1 give no ValueError
def prefix_to_mask(prefix: int) -> int:
    """Return the netmask of a /prefix as a 32-bit integer; ValueError unless 0 <= prefix <= 32."""
    return int("1" * prefix + "0" * (32 - prefix), 2)


def mask_to_prefix(mask: int) -> int:
    """Return the prefix length of a contiguous netmask; ValueError for anything else."""
    if not 0 <= mask <= 0xFFFFFFFF:
        raise ValueError(f"not a 32-bit value: {mask!r}")
    text = format(mask, "032b")
    if "01" in text:  # a one after a zero: not contiguous
        raise ValueError(f"non-contiguous netmask {mask:#010x}")
    return text.count("1")
