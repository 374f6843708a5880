# why: the MAC check lives in a helper of its own and uses secrets.compare_digest (the same function)
import secrets


def sign_cart(items: dict[str, int], version: int, expires_at: int, key: bytes) -> str:
    """The token b64(payload).b64(HMAC-SHA256(key, b64(payload)))."""
    payload = json.dumps({"exp": expires_at, "items": items, "v": version},
                         sort_keys=True, separators=(",", ":")).encode()
    encoded = base64.urlsafe_b64encode(payload).rstrip(b"=")
    mac = hmac.new(key, encoded, hashlib.sha256).digest()
    return (encoded + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode("ascii")


def _signed_by(key: bytes, encoded: str, mac: bytes) -> bool:
    """Constant-time MAC check, kept apart from the parsing."""
    expected = hmac.new(key, encoded.encode("ascii", "replace"), hashlib.sha256).digest()
    return secrets.compare_digest(mac, expected)


def open_cart(token: str, key: bytes, now: int, min_version: int = 0) -> dict:
    """{"items", "version", "expires_at"} of a genuine, unexpired, current token; ValueError otherwise."""
    def unb64(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    try:
        encoded, mac_text = token.split(".")
        mac = unb64(mac_text)
    except (ValueError, TypeError) as error:  # binascii.Error is a ValueError
        raise ValueError("malformed token") from error
    if not _signed_by(key, encoded, mac):
        raise ValueError("bad signature")
    try:
        payload = json.loads(unb64(encoded))
        items, version, expires_at = payload["items"], payload["v"], payload["exp"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError("malformed payload") from error
    if now >= expires_at:
        raise ValueError("expired")
    if version < min_version:
        raise ValueError("stale token: an older version of the cart")
    return {"items": items, "version": version, "expires_at": expires_at}
