# why: fresh values from the secrets module, one AESGCM object per key, the envelope read by unpacking
def seal_envelope(kek: bytes, plaintext: bytes, aad: bytes) -> dict[str, bytes]:
    """Encrypt plaintext under a fresh data key; wrap the data key with kek; bind aad into both."""
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data_key = secrets.token_bytes(32)
    envelope = {"nonce": secrets.token_bytes(12), "wrap_nonce": secrets.token_bytes(12)}
    envelope["ciphertext"] = AESGCM(data_key).encrypt(envelope["nonce"], plaintext, aad)
    envelope["wrapped_key"] = AESGCM(kek).encrypt(envelope["wrap_nonce"], data_key, aad)
    del data_key
    return envelope


def open_envelope(kek: bytes, envelope: dict[str, bytes], aad: bytes) -> bytes:
    """Unwrap the data key with kek and decrypt; raise InvalidTag if anything was changed."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    wrap_nonce, wrapped_key = envelope["wrap_nonce"], envelope["wrapped_key"]
    nonce, ciphertext = envelope["nonce"], envelope["ciphertext"]
    key_cipher = AESGCM(kek)
    data_cipher = AESGCM(key_cipher.decrypt(wrap_nonce, wrapped_key, aad))
    return data_cipher.decrypt(nonce, ciphertext, aad)
