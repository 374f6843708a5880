# why: by hand with `cryptography` (no PyJWT): split the JWS, key by kid, RSA PKCS#1 v1.5 + SHA-256, claims
def validate_id_token(token: str, *, jwks: dict, issuer: str, client_id: str, nonce: str, now: int,
                      leeway: int = 60) -> dict:
    """The claims of `token` if it is a valid ID token for `client_id` at time `now`; else raise InvalidToken."""
    import base64
    import binascii
    import json

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    def unb64(text):
        try:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise InvalidToken("bad base64url") from None

    def as_int(text):
        return int.from_bytes(unb64(text), "big")

    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("not a compact JWS")
    try:
        header = json.loads(unb64(parts[0]))
        claims = json.loads(unb64(parts[1]))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidToken("header or payload is not JSON") from None
    if type(header) is not dict or type(claims) is not dict:
        raise InvalidToken("header and payload must be JSON objects")
    if header.get("alg") != "RS256":
        raise InvalidToken("only RS256")
    if "kid" not in header:
        raise InvalidToken("no kid")
    keys = [k for k in jwks["keys"] if k.get("kid") == header["kid"]]
    if len(keys) != 1 or keys[0].get("kty") != "RSA":
        raise InvalidToken("unknown kid")
    public_key = rsa.RSAPublicNumbers(as_int(keys[0]["e"]), as_int(keys[0]["n"])).public_key()
    try:
        public_key.verify(unb64(parts[2]), (parts[0] + "." + parts[1]).encode("ascii"),
                          padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, UnicodeEncodeError):
        raise InvalidToken("bad signature") from None

    if any(name not in claims for name in ("iss", "sub", "aud", "exp", "iat")):
        raise InvalidToken("a required claim is missing")
    if any(name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], (int, float)))
           for name in ("exp", "iat", "nbf")):
        raise InvalidToken("times must be numbers")
    if claims["iss"] != issuer:
        raise InvalidToken("issuer")
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if client_id not in audience:
        raise InvalidToken("audience")
    if now >= claims["exp"] + leeway:
        raise InvalidToken("expired")
    if now + leeway < claims.get("nbf", now):
        raise InvalidToken("not yet valid")
    if claims["iat"] - leeway > now:
        raise InvalidToken("from the future")
    if "nonce" not in claims or claims["nonce"] != nonce:
        raise InvalidToken("nonce")
    return claims
