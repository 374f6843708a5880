# why: int() parses each field, kept only if str(int(field)) gives the text back (no sign, space, "_", 0s, non-ASCII)
def ip_to_int(address: str) -> int:
    """Return the 32-bit integer of a strict dotted-quad IPv4 address; ValueError otherwise."""
    fields = address.split(".")
    if len(fields) != 4:
        raise ValueError(f"expected four fields in {address!r}")
    value = 0
    for field in fields:
        try:
            octet = int(field)
        except ValueError:
            raise ValueError(f"not a decimal octet: {field!r}") from None
        if str(octet) != field or not 0 <= octet <= 255:
            raise ValueError(f"not a canonical octet 0-255: {field!r}")
        value = value * 256 + octet
    return value


def int_to_ip(value: int) -> str:
    """Return the dotted quad of an integer 0 <= value <= 2**32 - 1; ValueError otherwise."""
    if value < 0 or value >= 1 << 32:
        raise ValueError(f"not a 32-bit unsigned integer: {value!r}")
    octets = []
    for _ in range(4):
        value, octet = divmod(value, 256)
        octets.append(str(octet))
    return ".".join(reversed(octets))
