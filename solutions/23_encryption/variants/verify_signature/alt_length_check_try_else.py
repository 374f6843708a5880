# why: checks the key length itself before loading, then try/except/else
def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True if signature is a valid Ed25519 signature of message under public_key, else False."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519

    if len(public_key) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(public_key)}")
    verifier = ed25519.Ed25519PublicKey.from_public_bytes(public_key)
    try:
        verifier.verify(signature, message)
    except InvalidSignature:
        valid = False
    else:
        valid = True
    return valid
