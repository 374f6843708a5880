# why: walks the path from the anchor down with verify_directly_issued_by and label-by-label host matching
def verify_chain(chain: list[x509.Certificate], anchors: list[x509.Certificate],
                 hostname: str, now: datetime.datetime) -> bool:
    """True if `chain` (leaf first) leads to one of `anchors` and is valid for `hostname` at `now`."""
    from cryptography.exceptions import InvalidSignature

    def signed(child, parent):
        try:
            child.verify_directly_issued_by(parent)
            return True
        except (ValueError, TypeError, InvalidSignature):
            return False

    path = list(chain)
    if not path or not [a for a in anchors if signed(path[-1], a)]:
        return False
    intermediates_below = len(path) - 2  # of the topmost issuer in the chain
    for depth in range(len(path) - 1, -1, -1):  # top of the chain first
        cert = path[depth]
        if cert.not_valid_before_utc > now or cert.not_valid_after_utc < now:
            return False
        if depth == 0:
            break
        if not signed(path[depth - 1], cert):
            return False
        exts = {type(ext.value): ext.value for ext in cert.extensions}
        bc = exts.get(x509.BasicConstraints)
        if bc is None or bc.ca is not True:
            return False
        if bc.path_length is not None and intermediates_below > bc.path_length:
            return False
        ku = exts.get(x509.KeyUsage)
        if ku is not None and not ku.key_cert_sign:
            return False
        intermediates_below -= 1
    try:
        san = path[0].extensions.get_extension_for_oid(x509.oid.ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        return False
    wanted = hostname.lower().split(".")
    for name in san.get_values_for_type(x509.DNSName):
        labels = name.lower().split(".")
        if len(labels) != len(wanted):
            continue
        if labels[0] == "*" and labels[1:] == wanted[1:] and wanted[0]:
            return True
        if "*" not in name and labels == wanted:
            return True
    return False
