# why: delegates to cryptography's own RFC 5280 path validator (x509.verification) instead of checking by hand
def verify_chain(chain: list[x509.Certificate], anchors: list[x509.Certificate],
                 hostname: str, now: datetime.datetime) -> bool:
    """True if `chain` (leaf first) leads to one of `anchors` and is valid for `hostname` at `now`."""
    from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

    if not chain or not anchors:
        return False
    verifier = PolicyBuilder().store(Store(list(anchors))).time(now).build_server_verifier(DNSName(hostname))
    try:
        verifier.verify(chain[0], list(chain[1:]))
    except VerificationError:
        return False
    return True
