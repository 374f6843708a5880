# why: raw bytes through serialization's Encoding.Raw, the derived key and the output built with join
def hybrid_encrypt(recipient_public_key: bytes, plaintext: bytes) -> bytes:
    """Encrypt plaintext to an X25519 public key: ephemeral_public || nonce || AES-GCM ciphertext."""
    import secrets

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import x25519
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    peer = x25519.X25519PublicKey.from_public_bytes(recipient_public_key)
    mine = x25519.X25519PrivateKey.generate()
    mine_raw = mine.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"".join([b"eng101 hybrid v1", mine_raw, recipient_public_key]))
    aead = AESGCM(hkdf.derive(mine.exchange(peer)))
    nonce = secrets.token_bytes(12)
    return b"".join([mine_raw, nonce, aead.encrypt(nonce, plaintext, mine_raw)])
