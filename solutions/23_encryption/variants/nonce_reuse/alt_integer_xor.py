# why: XORs the three byte strings as big integers in one step (c2 xor c1 xor p1), lengths checked first
def recover_plaintext(known_plaintext: bytes, known_ciphertext: bytes, target_ciphertext: bytes) -> bytes:
    """Recover the target's plaintext from a known plaintext encrypted under the same key and nonce."""
    n = len(target_ciphertext) - 16
    if len(known_ciphertext) - 16 != len(known_plaintext) or n < 0 or n > len(known_plaintext):
        raise ValueError("lengths do not fit two AES-GCM outputs and a known plaintext")
    if n == 0:
        return b""
    target = int.from_bytes(target_ciphertext[:n], "big")
    known_c = int.from_bytes(known_ciphertext[:n], "big")
    known_p = int.from_bytes(known_plaintext[:n], "big")
    return (target ^ known_c ^ known_p).to_bytes(n, "big")
