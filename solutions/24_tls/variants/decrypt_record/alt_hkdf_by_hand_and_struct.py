# why: builds HkdfLabel with struct and HKDF-Expand with hmac (RFC 5869 §2.3), the nonce as an integer XOR
def decrypt_record(record: bytes, traffic_secret: bytes, sequence_number: int) -> tuple[int, bytes]:
    """Decrypt one TLS 1.3 record (TLS_AES_256_GCM_SHA384); return (content_type, content)."""
    import hashlib
    import hmac
    import struct

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    def hkdf_expand_label(label: str, length: int) -> bytes:
        name = ("tls13 " + label).encode()
        info = struct.pack("!HB", length, len(name)) + name + struct.pack("!B", 0)
        output, block, counter = b"", b"", 1
        while len(output) < length:
            block = hmac.new(traffic_secret, block + info + bytes([counter]), hashlib.sha384).digest()
            output += block
            counter += 1
        return output[:length]

    if len(record) < 5:
        raise ValueError("shorter than a record header")
    content_type, _version, length = struct.unpack("!BHH", record[:5])
    if content_type != 23 or length != len(record) - 5:
        raise ValueError("not a TLS 1.3 application_data record of this length")
    nonce_value = int.from_bytes(hkdf_expand_label("iv", 12), "big") ^ sequence_number
    try:
        inner = AESGCM(hkdf_expand_label("key", 32)).decrypt(nonce_value.to_bytes(12, "big"), record[5:], record[:5])
    except InvalidTag:
        raise ValueError("authentication failed") from None
    end = len(inner)
    while end and inner[end - 1] == 0:
        end -= 1
    if end == 0:
        raise ValueError("all padding")
    return int(inner[end - 1]), bytes(inner[:end - 1])
