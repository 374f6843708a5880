# why: os.urandom and a 96-character verifier; base64 by the standard alphabet then translated; a set check
import base64
import hashlib
import os

_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (RFC 7636 §4.1)."""
    raw = base64.b64encode(os.urandom(72)).decode()  # 72 bytes -> 96 characters, no padding
    return raw.translate(str.maketrans("+/", "-_"))


def code_challenge(verifier: str) -> str:
    """The S256 code challenge of `verifier` (RFC 7636 §4.2); ValueError if it is not a valid verifier."""
    if not isinstance(verifier, str) or len(verifier) < 43 or len(verifier) > 128:
        raise ValueError("length")
    if any(ch not in _ALLOWED for ch in verifier):
        raise ValueError("characters")
    encoded = base64.b64encode(hashlib.sha256(verifier.encode()).digest()).decode()
    return encoded.translate(str.maketrans("+/", "-_")).rstrip("=")
