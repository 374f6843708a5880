# why: cursor over a memoryview, own ValueError subclass, checksums recomputed with the field zeroed (0 -> 0xFFFF)
class FrameError(ValueError):
    """A frame that is not a valid Ethernet II / IPv4 / UDP-or-TCP frame."""


def parse_frame(frame: bytes) -> dict:
    """Check an Ethernet II / IPv4 / UDP-or-TCP frame strictly and return its fields; ValueError if invalid."""
    view = memoryview(bytes(frame))

    def need(condition: bool, message: str) -> None:
        if not condition:
            raise FrameError(message)

    def number(start: int, size: int) -> int:
        return int.from_bytes(view[start:start + size], "big")

    def checksum(data: bytes) -> int:
        data = bytes(data) + b"\x00" * (len(data) % 2)
        total = 0
        for i in range(0, len(data), 2):
            total += data[i] << 8 | data[i + 1]
            total = (total & 0xFFFF) + (total >> 16)
        return ~total & 0xFFFF

    need(len(view) >= 14, "no room for an Ethernet header")
    need(number(12, 2) == 0x0800, "not an IPv4 EtherType")
    ip = 14
    need(len(view) - ip >= 20, "no room for an IPv4 header")
    need(view[ip] >> 4 == 4, "not IP version 4")
    ihl = (view[ip] & 0xF) * 4
    need(ihl >= 20, "IHL below 5")
    total = number(ip + 2, 2)
    need(ihl <= total <= len(view) - ip, "total length inconsistent with header or frame")
    need(len(view) == ip + total or (ip + total < 60 and len(view) == 60), "frame length is not packet + padding")
    header = bytearray(view[ip:ip + ihl])
    stored = int.from_bytes(header[10:12], "big")
    header[10:12] = b"\x00\x00"
    need(checksum(header) == stored, "IPv4 header checksum mismatch")
    need(number(ip + 6, 2) & 0x3FFF == 0, "fragments are not supported")
    protocol = view[ip + 9]
    start, end = ip + ihl, ip + total
    length = end - start
    pseudo = bytes(view[ip + 12:ip + 20]) + bytes([0, protocol]) + length.to_bytes(2, "big")
    if protocol == 17:
        need(length >= 8, "no room for a UDP header")
        need(number(start + 4, 2) == length, "UDP length inconsistent with IPv4")
        stored = number(start + 6, 2)
        if stored:
            segment = bytearray(view[start:end])
            segment[6:8] = b"\x00\x00"
            need((checksum(pseudo + segment) or 0xFFFF) == stored, "UDP checksum mismatch")
        data_start = start + 8
    elif protocol == 6:
        need(length >= 20, "no room for a TCP header")
        offset = (view[start + 12] >> 4) * 4
        need(20 <= offset <= length, "TCP data offset out of range")
        segment = bytearray(view[start:end])
        stored = int.from_bytes(segment[16:18], "big")
        segment[16:18] = b"\x00\x00"
        need(checksum(pseudo + segment) == stored, "TCP checksum mismatch")
        data_start = start + offset
    else:
        raise FrameError(f"protocol {protocol} is not supported")
    return dict(
        dst_mac=":".join(f"{byte:02x}" for byte in view[0:6]),
        src_mac=":".join(f"{byte:02x}" for byte in view[6:12]),
        src_ip=".".join(str(byte) for byte in view[ip + 12:ip + 16]),
        dst_ip=".".join(str(byte) for byte in view[ip + 16:ip + 20]),
        ttl=view[ip + 8],
        protocol=protocol,
        src_port=number(start, 2),
        dst_port=number(start + 2, 2),
        payload=bytes(view[data_start:end]),
    )
