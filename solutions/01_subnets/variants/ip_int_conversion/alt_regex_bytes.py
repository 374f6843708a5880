# why: one anchored ASCII regex validates the string; int.from_bytes/to_bytes replace shifts
import re

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(r"\.".join([_OCTET] * 4), re.ASCII)


def ip_to_int(address: str) -> int:
    """Return the 32-bit integer of a strict dotted-quad IPv4 address; ValueError otherwise."""
    match = _DOTTED_QUAD.fullmatch(address)
    if match is None:
        raise ValueError(f"not a strict dotted-quad IPv4 address: {address!r}")
    return int.from_bytes(bytes(int(octet) for octet in match.groups()), "big")


def int_to_ip(value: int) -> str:
    """Return the dotted quad of an integer 0 <= value <= 2**32 - 1; ValueError otherwise."""
    if value < 0 or value >= 1 << 32:  # to_bytes would raise OverflowError instead
        raise ValueError(f"not a 32-bit unsigned integer: {value!r}")
    return ".".join(str(byte) for byte in value.to_bytes(4, "big"))
