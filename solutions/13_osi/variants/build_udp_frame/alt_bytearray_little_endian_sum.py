# why: fills a zeroed bytearray in place; sums little-endian words and stores the sum little-endian (RFC 1071 2(B))
def build_udp_frame(src_mac: str, dst_mac: str, src_ip: str, dst_ip: str, src_port: int, dst_port: int,
                    payload: bytes, *, ttl: int = 64, identification: int = 0) -> bytes:
    """An Ethernet II frame carrying an IPv4 packet carrying a UDP datagram: the bytes a capture shows."""
    import socket
    import struct

    if not (0 <= src_port < 1 << 16 and 0 <= dst_port < 1 << 16):
        raise ValueError("ports are 16-bit unsigned numbers")
    ip_length = 20 + 8 + len(payload)
    if ip_length >= 1 << 16:
        raise ValueError("the IPv4 total length field cannot hold this datagram")

    def checksum_le(data: bytes) -> bytes:
        words = bytes(data) + b"\x00" * (len(data) & 1)
        total = sum(int.from_bytes(words[i:i + 2], "little") for i in range(0, len(words), 2))
        while total > 0xFFFF:
            total = (total >> 16) + (total & 0xFFFF)
        return (0xFFFF - total).to_bytes(2, "little")

    frame = bytearray(max(60, 14 + ip_length))  # zero-filled: the padding is already there
    frame[0:6] = bytes(int(part, 16) for part in dst_mac.split(":"))
    frame[6:12] = bytes(int(part, 16) for part in src_mac.split(":"))
    frame[12:14] = b"\x08\x00"
    struct.pack_into(">BBHHHBB", frame, 14, 4 << 4 | 5, 0, ip_length, identification, 1 << 14, ttl, 17)
    frame[26:30] = socket.inet_aton(src_ip)
    frame[30:34] = socket.inet_aton(dst_ip)
    frame[24:26] = checksum_le(frame[14:34])
    struct.pack_into(">HHH", frame, 34, src_port, dst_port, 8 + len(payload))
    frame[42:42 + len(payload)] = payload
    pseudo = frame[26:34] + bytes([0, 17]) + frame[38:40]
    udp_sum = checksum_le(pseudo + frame[34:42 + len(payload)])
    frame[40:42] = udp_sum if udp_sum != b"\x00\x00" else b"\xff\xff"
    return bytes(frame)
