# why: reads '010' as decimal 10 instead of rejecting it, the ambiguity behind CVE-2021-29921
def ip_to_int(address: str) -> int:
    """Return the 32-bit integer of a strict dotted-quad IPv4 address; ValueError otherwise."""
    parts = address.split(".")
    if len(parts) != 4:
        raise ValueError(f"expected 4 dot-separated octets, got {address!r}")
    value = 0
    for part in parts:
        if not part.isascii() or not part.isdigit() or len(part) > 3:
            raise ValueError(f"bad octet {part!r}")
        octet = int(part)
        if octet > 255:
            raise ValueError(f"octet out of range: {octet}")
        value = (value << 8) | octet
    return value


def int_to_ip(value: int) -> str:
    """Return the dotted quad of an integer 0 <= value <= 2**32 - 1; ValueError otherwise."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"not a 32-bit unsigned integer: {value!r}")
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))
