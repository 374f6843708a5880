# why: trusts int() per field with no 0-255 or digits-only check: accepts 256.0.0.1 and ' 1.2.3.4'
def ip_to_int(address: str) -> int:
    """Return the 32-bit integer of a strict dotted-quad IPv4 address; ValueError otherwise."""
    parts = address.split(".")
    if len(parts) != 4:
        raise ValueError(f"expected 4 dot-separated octets, got {address!r}")
    value = 0
    for part in parts:
        value = value * 256 + int(part)  # int() raises ValueError for letters
    return value


def int_to_ip(value: int) -> str:
    """Return the dotted quad of an integer 0 <= value <= 2**32 - 1; ValueError otherwise."""
    if not 0 <= value < 2**32:
        raise ValueError(f"not a 32-bit unsigned integer: {value!r}")
    return ".".join(str(value >> shift & 255) for shift in (24, 16, 8, 0))
