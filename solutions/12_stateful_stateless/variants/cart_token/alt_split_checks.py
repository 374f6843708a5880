# why: written differently: local base64url helper, rpartition, staleness checked before expiry, a fresh dict
def sign_cart(items: dict[str, int], version: int, expires_at: int, key: bytes) -> str:
    """The token b64(payload).b64(HMAC-SHA256(key, b64(payload)))."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    body = b64(json.dumps({"v": version, "items": items, "exp": expires_at},
                          sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return body + "." + b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def open_cart(token: str, key: bytes, now: int, min_version: int = 0) -> dict:
    """{"items", "version", "expires_at"} of a genuine, unexpired, current token; ValueError otherwise."""
    import base64
    import binascii
    import hashlib
    import hmac
    import json

    if not isinstance(token, str) or token.count(".") != 1:
        raise ValueError("a token is payload.mac")
    body, _, signature = token.rpartition(".")
    try:
        given = base64.urlsafe_b64decode(signature + "==="[: (4 - len(signature) % 4) % 4])
        wanted = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError("not base64url") from error
    if not hmac.compare_digest(given, wanted):
        raise ValueError("signature mismatch")
    try:
        fields = json.loads(base64.urlsafe_b64decode(body + "===" [: (4 - len(body) % 4) % 4]))
        result = {"items": dict(fields["items"]), "version": int(fields["v"]), "expires_at": int(fields["exp"])}
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ValueError("bad payload") from error
    if result["version"] < min_version:
        raise ValueError("stale")
    if not now < result["expires_at"]:
        raise ValueError("expired")
    return result
