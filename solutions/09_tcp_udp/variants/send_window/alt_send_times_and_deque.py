# why: keeps the unacknowledged packets in a deque with their send times and times out on the oldest
def send_window(sock: socket.socket, peer: tuple[str, int], data: bytes, *, window: int = 8,
                chunk_size: int = 64, rto: float = 0.03, deadline: float = 10.0) -> int:
    """Go-Back-N: up to `window` chunks in flight, cumulative ACKs, resend all after `rto`; then the FIN."""
    import collections
    import time

    from eng101.netlab import SEQ_SPACE, data_packet, fin_packet, parse_packet

    give_up = time.monotonic() + deadline
    pieces = [data[offset:offset + chunk_size] for offset in range(0, len(data), chunk_size)]
    to_send = collections.deque(data_packet(k % SEQ_SPACE, piece) for k, piece in enumerate(pieces))
    in_flight = collections.deque()  # (packet, seq), oldest first
    oldest_seq = 0
    last_progress = time.monotonic()
    count = 0
    fin_queued = False
    old = sock.gettimeout()
    try:
        while True:
            now = time.monotonic()
            if now > give_up:
                raise TimeoutError("transfer not complete before the deadline")
            if not to_send and not in_flight:
                if fin_queued:
                    return count
                to_send.append(fin_packet(len(pieces) % SEQ_SPACE))
                fin_queued = True
            while to_send and len(in_flight) < (window if not fin_queued else 1):
                packet = to_send.popleft()
                if not in_flight:
                    last_progress = time.monotonic()
                sock.sendto(packet, peer)
                count += 1
                in_flight.append(packet)
            if time.monotonic() - last_progress >= rto:
                for packet in in_flight:
                    sock.sendto(packet, peer)
                    count += 1
                last_progress = time.monotonic()
                continue
            sock.settimeout(max(0.0005, min(last_progress + rto, give_up) - time.monotonic()))
            try:
                kind, number, _ = parse_packet(sock.recv(4096))
            except (TimeoutError, ValueError):
                continue
            distance = (number - oldest_seq) % SEQ_SPACE
            if kind != "A" or distance == 0 or distance > len(in_flight):
                continue
            for _ in range(distance):
                in_flight.popleft()
            oldest_seq = number
            last_progress = time.monotonic()
    finally:
        sock.settimeout(old)
