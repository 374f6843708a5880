"""Unit tests of eng101.sso_lab: the loopback identity provider, relying party and browser."""

from __future__ import annotations

import hashlib
import threading
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from eng101.sso_lab import (
    Browser,
    IdentityProvider,
    InvalidToken,
    RelyingParty,
    b64url,
    fetch_json,
    lab_key,
    public_jwk,
)


def _checked(token, *, jwks, issuer, client_id, nonce, now, leeway):
    """A test validator: signature with the key named by kid, audience, issuer, nonce (wall clock)."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    try:
        claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=client_id, issuer=issuer,
                            leeway=leeway)
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    if claims.get("nonce") != nonce:
        raise InvalidToken("nonce")
    return claims


@pytest.fixture
def provider():
    idp = IdentityProvider({"ada": "pw"})
    idp.add_key(lab_key("test-1"))
    with idp.running() as issuer:
        yield idp, issuer


def test_b64url_has_no_padding_and_is_url_safe():
    assert b64url(b"\xfb\xff") == "-_8"
    # RFC 7636 Appendix B: the S256 challenge of the example verifier
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert b64url(hashlib.sha256(verifier.encode()).digest()) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_lab_key_is_cached_and_public_jwk_has_no_private_part():
    key = lab_key("test-1")
    assert lab_key("test-1") is key and lab_key("test-other") is not key
    jwk = public_jwk(key, "k")
    assert set(jwk) == {"kty", "kid", "use", "alg", "n", "e"} and jwk["kid"] == "k"
    assert jwt.PyJWK(jwk).key.public_numbers() == key.public_key().public_numbers()


def test_provider_publishes_keys_and_signs_with_the_newest(provider):
    idp, issuer = provider
    config = fetch_json(issuer + "/.well-known/openid-configuration")
    assert config["issuer"] == issuer and config["jwks_uri"] == issuer + "/jwks"
    assert [k["kid"] for k in fetch_json(issuer + "/jwks")["keys"]] == ["key-1"]
    kid = idp.add_key(lab_key("test-2"))
    token = idp.issue_id_token("ada", "notes", nonce="n")
    assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": kid, "typ": "JWT"}
    claims = jwt.decode(token, lab_key("test-2").public_key(), algorithms=["RS256"], audience="notes")
    assert claims["iss"] == issuer and claims["exp"] - claims["iat"] == idp.token_lifetime
    idp.retire_key("key-1")
    assert [k["kid"] for k in fetch_json(issuer + "/jwks")["keys"]] == [kid]
    assert idp.jwks_requests == 2


def test_login_sso_and_refusals(provider):
    idp, issuer = provider
    notes = RelyingParty("notes", issuer, lambda kid: fetch_json(issuer + "/jwks"), _checked)
    billing = RelyingParty("billing", issuer, lambda kid: fetch_json(issuer + "/jwks"), _checked)
    with notes.running(idp) as notes_url, billing.running(idp) as billing_url:
        browser = Browser()
        assert browser.get(notes_url + "/login") == (401, {"error": "login_required"})
        assert browser.post(issuer + "/login", {"user": "ada", "password": "wrong"})[0] == 401
        assert browser.post(issuer + "/login", {"user": "ada", "password": "pw"})[0] == 200
        assert browser.get(notes_url + "/login") == (200, {"sub": "ada", "service": "notes"})
        assert browser.get(billing_url + "/login") == (200, {"sub": "ada", "service": "billing"})
        assert Browser().get(notes_url + "/whoami")[0] == 401  # another browser has no session
        # a stolen code: wrong verifier refused, and the code is then spent
        _, authorize = browser.open(notes_url + "/login")
        _, callback = browser.open(authorize)
        code = parse_qs(urlsplit(callback).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "client_id": "notes",
                "redirect_uri": notes.redirect_uri, "code_verifier": "x" * 43}
        assert Browser().post(issuer + "/token", form) == (
            400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
        assert browser.get(callback)[0] == 502 and notes.refused[-1] == "token endpoint: HTTP 400"
        # an unknown redirect_uri is never redirected to
        status, _ = browser.open(authorize.replace("callback", "evil"))
        assert status == 400
        # a callback with a state this browser did not start
        assert Browser().get(notes_url + "/callback?code=x&state=y")[0] == 400


def test_relying_party_refuses_what_the_validator_refuses(provider):
    idp, issuer = provider

    def refuse(token, **_):
        raise InvalidToken("no")

    rp = RelyingParty("notes", issuer, lambda kid: {"keys": []}, refuse)
    with rp.running(idp) as url:
        browser = Browser()
        browser.post(issuer + "/login", {"user": "ada", "password": "pw"})
        assert browser.get(url + "/login") == (401, {"error": "invalid ID token"})
    assert rp.refused == ["ID token refused: no"] and rp.sessions == {}


def test_servers_stop_with_their_block():
    before = threading.active_count()
    idp = IdentityProvider({})
    with idp.running() as issuer:
        assert threading.active_count() == before + 1
    assert threading.active_count() == before
    with pytest.raises(OSError):
        fetch_json(issuer + "/jwks")


def test_lab_talks_to_loopback_only():
    with pytest.raises(ValueError):
        fetch_json("http://example.com/jwks")


def test_pkce_plain_by_default_and_s256_only_when_given():
    def s256(verifier):
        return b64url(hashlib.sha256(verifier.encode("ascii")).digest())

    def login(idp, pkce):
        with idp.running() as issuer:
            rp = RelyingParty("notes", issuer, lambda kid: fetch_json(issuer + "/jwks"), _checked, pkce_s256=pkce)
            with rp.running(idp) as url:
                browser = Browser()
                browser.post(issuer + "/login", {"user": "ada", "password": "pw"})
                _, authorize = browser.open(url + "/login")
                query = parse_qs(urlsplit(authorize).query)
                status, _ = browser.get(authorize)
                return status, query["code_challenge_method"][0], query["code_challenge"][0], rp

    plain_idp = IdentityProvider({"ada": "pw"})
    plain_idp.add_key(lab_key("test-1"))
    status, method, challenge, _ = login(plain_idp, None)
    assert (status, method) == (200, "plain")
    assert plain_idp.token_requests[-1]["code_verifier"] == challenge  # plain: the challenge is the verifier
    pair = (lambda: "v" * 50, s256)
    status, method, _, rp = login(plain_idp, pair)  # the provider cannot check S256: refused at /authorize
    assert (status, method) == (400, "S256")
    s256_idp = IdentityProvider({"ada": "pw"}, s256=s256)
    s256_idp.add_key(lab_key("test-1"))
    status, method, challenge, _ = login(s256_idp, pair)
    assert (status, method, challenge) == (200, "S256", s256("v" * 50))
    broken = (lambda: "v" * 50, lambda verifier: s256(verifier + "x"))  # a wrong challenge: the token request fails
    status, _, _, rp = login(s256_idp, broken)
    assert status == 502 and rp.refused == ["token endpoint: HTTP 400"]
