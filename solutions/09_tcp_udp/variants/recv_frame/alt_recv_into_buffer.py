# why: reads into one preallocated bytearray with recv_into (after the length check) and returns bytes of it
def recv_frame(sock: socket.socket, max_length: int = 1 << 20) -> bytes | None:
    """Read one frame (4-byte big-endian length + message) from `sock`; None at a clean end of stream."""
    header = bytearray(4)
    view = memoryview(header)
    got = 0
    while got < 4:
        n = sock.recv_into(view[got:], 4 - got)
        if n == 0:
            if got == 0:
                return None
            raise ConnectionError("closed inside a frame header")
        got += n
    length = int.from_bytes(header, "big")
    if length > max_length:
        raise ValueError("frame too long")
    body = bytearray(length)
    view = memoryview(body)
    got = 0
    while got < length:
        n = sock.recv_into(view[got:], length - got)
        if n == 0:
            raise ConnectionAbortedError("closed inside a frame body")  # a subclass of ConnectionError
        got += n
    return bytes(body)
