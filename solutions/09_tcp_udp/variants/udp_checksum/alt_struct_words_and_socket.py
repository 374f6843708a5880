# why: unpacks all words at once with struct, folds with divmod, builds the pseudo-header with socket.inet_aton
def internet_checksum(data: bytes) -> int:
    """RFC 1071: one's complement of the one's complement sum of the big-endian 16-bit words of data."""
    import struct

    padded = bytes(data) + b"\x00" * (len(data) & 1)
    total = sum(struct.unpack(f"!{len(padded) // 2}H", padded))
    while total >> 16:
        high, low = divmod(total, 0x10000)
        total = high + low
    return 0xFFFF - total


def udp_checksum(src_ip: str, dst_ip: str, src_port: int, dst_port: int, payload: bytes) -> int:
    """The Checksum field of a UDP/IPv4 datagram (RFC 768): pseudo-header + header + payload."""
    import socket
    import struct

    udp_length = len(payload) + 8
    segment = struct.pack("!4s4sxBH", socket.inet_aton(src_ip), socket.inet_aton(dst_ip), 17, udp_length)
    segment += struct.pack("!4H", src_port, dst_port, udp_length, 0) + payload
    value = internet_checksum(segment)
    return 0xFFFF if value == 0 else value
