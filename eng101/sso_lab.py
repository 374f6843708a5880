"""A tiny OpenID Connect lab on loopback for notebook 10_sso.

* ``IdentityProvider``: an OpenID provider (OIDC Core 1.0) as a real HTTP server on 127.0.0.1 with
  the authorization-code flow with PKCE (RFC 7636), ID tokens signed RS256 with RSA keys generated
  at run time (never stored), and a JWK Set endpoint (RFC 7517) that publishes every key by ``kid``.
  It supports the ``plain`` PKCE method; ``S256`` only with a transform passed in (``s256=``), since
  computing it is an exercise of the notebook.
* ``RelyingParty``: a web service that logs its users in through the provider. It does not validate
  ID tokens itself: the notebook passes the validator in (that is an exercise), the JWK Set getter,
  and the PKCE S256 functions (without them it uses ``plain``).
* ``Browser``: a user agent with a cookie jar that follows redirects, so a login is real HTTP.

Every server binds port 0 on 127.0.0.1 and stops when its ``with`` block ends.
"""

from __future__ import annotations

import base64
import functools
import hmac
import http.client
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from eng101.netlab import serve

__all__ = [
    "Browser",
    "IdentityProvider",
    "InvalidToken",
    "RelyingParty",
    "b64url",
    "fetch_json",
    "lab_key",
    "new_rsa_key",
    "public_jwk",
    "serve",
]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]
Validator = Callable[..., dict[str, Any]]


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


class InvalidToken(Exception):
    """A token was refused. Deliberately not a ValueError: a token check that raises by accident
    (ValueError, KeyError, TypeError) is a bug, not a refusal."""


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2, "Base64url Encoding")."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pkce_shaped(text: str) -> bool:
    """True if ``text`` has the shape of a PKCE verifier or challenge: 43-128 unreserved characters
    (RFC 7636 §4.1, ALPHA / DIGIT / "-" / "." / "_" / "~")."""
    return 43 <= len(text) <= 128 and all(c in _UNRESERVED for c in text)


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """A fresh RSA private key (public exponent 65537), generated now, never written to disk."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def lab_key(name: str) -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key for ``name``, generated at first use in this process and then reused.

    Generating RSA keys costs ~50-100 ms each, so the notebook makes its few keys once."""
    return new_rsa_key(2048)


def public_jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    """The public half of ``private_key`` as a JWK (RFC 7517 §4, RFC 7518 §6.3) for RS256 signing."""
    jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": jwk["n"], "e": jwk["e"]}


# --- a WSGI server on loopback ----------------------------------------------------------------------




def _request(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 5.0
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1":
        raise ValueError(f"the lab only talks to http://127.0.0.1, not {url!r}")
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target or "/", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def fetch_json(url: str) -> Any:
    """GET ``url`` (http://127.0.0.1 only) and decode its JSON body; raise on a status other than 200."""
    status, _, body = _request("GET", url)
    if status != 200:
        raise OSError(f"GET {url}: HTTP {status}")
    return json.loads(body)


def _respond(start_response: Callable[..., Any], status: str, body: Any = None,
             headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = b"" if body is None else json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), *(headers or [])])
    return [data]


def _form(environ: dict[str, Any]) -> dict[str, str]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length).decode() if length else ""
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _query(environ: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def _cookies(environ: dict[str, Any]) -> dict[str, str]:
    jar = {}
    for part in environ.get("HTTP_COOKIE", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar[name] = value
    return jar


# --- the identity provider ----------------------------------------------------------------------------


class IdentityProvider:
    """An OpenID provider: login, authorization code + PKCE S256, token endpoint, JWK Set.

    ``clients`` maps a client_id to its one registered redirect URI (exact match, RFC 9700 §2.1);
    ``users`` maps a user name to a password (a toy: a real provider stores a password hash).
    """

    def __init__(self, users: dict[str, str], token_lifetime: int = 300, clock: Callable[[], float] = time.time,
                 s256: Callable[[str], str] | None = None):
        self.users = dict(users)
        self.pkce_methods: dict[str, Callable[[str], str]] = {"plain": lambda verifier: verifier}
        if s256 is not None:
            self.pkce_methods["S256"] = s256
        self.clients: dict[str, str] = {}
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.issuer = ""  # set by running(): http://127.0.0.1:<port>
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self._published: list[str] = []  # kids in the JWK Set, oldest first
        self.signing_kid = ""
        self._sessions: dict[str, str] = {}  # provider session id -> user
        self._codes: dict[str, dict[str, Any]] = {}  # one-time authorization codes
        self.jwks_requests = 0
        self.token_requests: list[dict[str, str]] = []
        self._lock = threading.Lock()

    # keys ---------------------------------------------------------------------------------------------
    def add_key(self, private_key: rsa.RSAPrivateKey | None = None) -> str:
        """Publish a new key and sign with it from now on (rotation); return its kid."""
        with self._lock:
            kid = f"key-{len(self._keys) + 1}"
            self._keys[kid] = private_key if private_key is not None else new_rsa_key()
            self._published.append(kid)
            self.signing_kid = kid
        return kid

    def retire_key(self, kid: str) -> None:
        """Stop publishing ``kid`` (after rotation, once its tokens have expired)."""
        with self._lock:
            self._published.remove(kid)

    def jwks(self) -> dict[str, Any]:
        """The JWK Set document (RFC 7517 §5): the public keys, never the private ones."""
        with self._lock:
            return {"keys": [public_jwk(self._keys[kid], kid) for kid in self._published]}

    def issue_id_token(self, sub: str, client_id: str, nonce: str | None, **extra: Any) -> str:
        """An ID token (OIDC Core §2) for ``sub`` and ``client_id``, signed RS256 with the current key."""
        now = int(self.clock())
        claims: dict[str, Any] = {"iss": self.issuer, "sub": sub, "aud": client_id, "iat": now,
                                  "exp": now + self.token_lifetime}
        if nonce is not None:
            claims["nonce"] = nonce
        claims.update(extra)
        return jwt.encode(claims, self._keys[self.signing_kid], algorithm="RS256",
                          headers={"kid": self.signing_kid})

    # HTTP ---------------------------------------------------------------------------------------------
    @contextmanager
    def running(self) -> Iterator[str]:
        """Serve the provider on 127.0.0.1; yield its issuer URL; stop on exit."""
        if not self._keys:
            self.add_key()
        with serve(self.app) as port:
            self.issuer = f"http://127.0.0.1:{port}"
            yield self.issuer

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/.well-known/openid-configuration":
            return _respond(start_response, "200 OK", {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": sorted(self.pkce_methods),
            })
        if path == "/jwks":
            with self._lock:
                self.jwks_requests += 1
            return _respond(start_response, "200 OK", self.jwks(), [("Cache-Control", "max-age=300")])
        if path == "/login" and method == "POST":
            form = _form(environ)
            if self.users.get(form.get("user", "")) != form.get("password") or not form.get("password"):
                return _respond(start_response, "401 Unauthorized", {"error": "bad credentials"})
            session = secrets.token_urlsafe(16)
            with self._lock:
                self._sessions[session] = form["user"]
            return _respond(start_response, "200 OK", {"logged_in": form["user"]},
                            [("Set-Cookie", f"idp_session={session}; HttpOnly; Path=/")])
        if path == "/authorize":
            return self._authorize(environ, start_response)
        if path == "/token" and method == "POST":
            return self._token(_form(environ), start_response)
        return _respond(start_response, "404 Not Found", {"error": "not found"})

    def _authorize(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        q = _query(environ)
        redirect_uri = self.clients.get(q.get("client_id", ""))
        if redirect_uri is None or q.get("redirect_uri") != redirect_uri:  # never redirect to an unknown URI
            return _respond(start_response, "400 Bad Request", {"error": "unknown client or redirect_uri"})
        method = q.get("code_challenge_method", "plain")  # RFC 7636 §4.3: plain when absent
        if q.get("response_type") != "code" or method not in self.pkce_methods \
                or not _pkce_shaped(q.get("code_challenge", "")):
            return _respond(start_response, "400 Bad Request", {"error": "code flow with PKCE required"})
        user = self._sessions.get(_cookies(environ).get("idp_session", ""))
        if user is None:
            return _respond(start_response, "401 Unauthorized", {"error": "login_required"})
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = {"user": user, "client_id": q["client_id"], "redirect_uri": redirect_uri,
                                 "challenge": q["code_challenge"], "method": method, "nonce": q.get("nonce"),
                                 "expires": self.clock() + 60}
        location = redirect_uri + "?" + urlencode({"code": code, "state": q.get("state", "")})
        return _respond(start_response, "302 Found", None, [("Location", location)])

    def _token(self, form: dict[str, str], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            self.token_requests.append(dict(form))
            grant = self._codes.pop(form.get("code", ""), None)  # one use only (RFC 6749 §4.1.2)
        if grant is None or form.get("grant_type") != "authorization_code" or grant["expires"] < self.clock():
            return _respond(start_response, "400 Bad Request", {"error": "invalid_grant"})
        if form.get("client_id") != grant["client_id"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return _respond(start_response, "400 Bad Request", {"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        if not _pkce_shaped(verifier) or not hmac.compare_digest(
                self.pkce_methods[grant["method"]](verifier).encode(), grant["challenge"].encode()):
            return _respond(start_response, "400 Bad Request", {"error": "invalid_grant",
                                                                 "error_description": "PKCE verification failed"})
        id_token = self.issue_id_token(grant["user"], grant["client_id"], grant["nonce"])
        return _respond(start_response, "200 OK", {"id_token": id_token, "token_type": "Bearer",
                                                   "access_token": secrets.token_urlsafe(24),
                                                   "expires_in": self.token_lifetime},
                        [("Cache-Control", "no-store")])


# --- a relying party -------------------------------------------------------------------------------------


class RelyingParty:
    """A web service that logs users in with the provider at ``issuer`` (code flow + PKCE + nonce).

    ``key_set(kid)`` returns the JWK Set to check a token whose header names ``kid``;
    ``validate(token, *, jwks, issuer, client_id, nonce, now, leeway)`` returns the claims or raises.
    """

    def __init__(self, client_id: str, issuer: str, key_set: Callable[[str | None], dict[str, Any]],
                 validate: Validator, clock: Callable[[], float] = time.time, leeway: int = 60,
                 pkce_s256: tuple[Callable[[], str], Callable[[str], str]] | None = None):
        self.client_id, self.issuer = client_id, issuer
        self.pkce_s256 = pkce_s256  # (new verifier, its S256 challenge), else the plain method
        self.key_set, self.validate, self.clock, self.leeway = key_set, validate, clock, leeway
        self.redirect_uri = ""
        self._pending: dict[str, dict[str, str]] = {}  # state -> nonce, code_verifier
        self.sessions: dict[str, dict[str, Any]] = {}  # session id -> claims of the ID token
        self.refused: list[str] = []  # why logins failed

    @contextmanager
    def running(self, provider: IdentityProvider) -> Iterator[str]:
        """Serve the service on 127.0.0.1, register it with ``provider``; yield its base URL."""
        with serve(self.app) as port:
            base = f"http://127.0.0.1:{port}"
            self.redirect_uri = base + "/callback"
            provider.clients[self.client_id] = self.redirect_uri
            try:
                yield base
            finally:
                provider.clients.pop(self.client_id, None)

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/login":
            state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            if self.pkce_s256 is None:
                verifier = secrets.token_urlsafe(48)
                challenge, method = verifier, "plain"
            else:
                verifier = self.pkce_s256[0]()
                challenge, method = self.pkce_s256[1](verifier), "S256"
            self._pending[state] = {"nonce": nonce, "verifier": verifier}
            query = urlencode({"response_type": "code", "client_id": self.client_id, "scope": "openid",
                               "redirect_uri": self.redirect_uri, "state": state, "nonce": nonce,
                               "code_challenge": challenge, "code_challenge_method": method})
            return _respond(start_response, "302 Found", None,
                            [("Location", f"{self.issuer}/authorize?{query}"), ("Set-Cookie", f"rp_state={state}")])
        if path == "/callback":
            return self._callback(environ, start_response)
        if path == "/whoami":
            claims = self.sessions.get(_cookies(environ).get("rp_session", ""))
            if claims is None:
                return _respond(start_response, "401 Unauthorized", {"error": "not logged in"})
            return _respond(start_response, "200 OK", {"sub": claims["sub"], "service": self.client_id})
        return _respond(start_response, "404 Not Found", {"error": "not found"})

    def _callback(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        q = _query(environ)
        state = q.get("state", "")
        pending = self._pending.pop(state, None)
        if pending is None or _cookies(environ).get("rp_state") != state:  # CSRF (RFC 6749 §10.12)
            self.refused.append("unknown state")
            return _respond(start_response, "400 Bad Request", {"error": "unknown state"})
        status, _, body = _request("POST", self.issuer + "/token", urlencode({
            "grant_type": "authorization_code", "code": q.get("code", ""), "redirect_uri": self.redirect_uri,
            "client_id": self.client_id, "code_verifier": pending["verifier"]}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            self.refused.append(f"token endpoint: HTTP {status}")
            return _respond(start_response, "502 Bad Gateway", {"error": "token exchange failed"})
        id_token = json.loads(body)["id_token"]
        try:
            kid = jwt.get_unverified_header(id_token).get("kid")
            claims = self.validate(id_token, jwks=self.key_set(kid), issuer=self.issuer, client_id=self.client_id,
                                   nonce=pending["nonce"], now=int(self.clock()), leeway=self.leeway)
        except InvalidToken as error:
            self.refused.append(f"ID token refused: {error}")
            return _respond(start_response, "401 Unauthorized", {"error": "invalid ID token"})
        session = secrets.token_urlsafe(16)
        self.sessions[session] = dict(claims)
        return _respond(start_response, "302 Found", None,
                        [("Location", "/whoami"), ("Set-Cookie", f"rp_session={session}; HttpOnly; Path=/")])


# --- a browser ------------------------------------------------------------------------------------------


class Browser:
    """A user agent: one cookie jar per origin, follows up to ``max_redirects`` redirects."""

    def __init__(self, max_redirects: int = 10):
        self.cookies: dict[str, dict[str, str]] = {}
        self.max_redirects = max_redirects
        self.visited: list[str] = []

    def _send(self, method: str, url: str, form: dict[str, str] | None) -> tuple[int, dict[str, str], bytes]:
        origin = urlsplit(url).netloc
        jar = self.cookies.setdefault(origin, {})
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, response_headers, data = _request(method, url, body, headers)
        cookie = response_headers.get("set-cookie")
        if cookie:
            name, _, value = cookie.split(";")[0].partition("=")
            jar[name.strip()] = value.strip()
        self.visited.append(f"{method} {url.split('?')[0]} -> {status}")
        return status, response_headers, data

    def post(self, url: str, form: dict[str, str]) -> tuple[int, Any]:
        status, _, data = self._send("POST", url, form)
        return status, json.loads(data or b"null")

    def open(self, url: str) -> tuple[int, str]:
        """GET ``url`` without following a redirect; ``(status, Location header or "")``."""
        status, headers, _ = self._send("GET", url, None)
        return status, headers.get("location", "")

    def get(self, url: str) -> tuple[int, Any]:
        """GET ``url`` and follow redirects; ``(final status, decoded JSON body)``."""
        for _ in range(self.max_redirects + 1):
            status, headers, data = self._send("GET", url, None)
            if status not in (301, 302, 303, 307, 308):
                return status, json.loads(data or b"null")
            location = headers["location"]
            if location.startswith("/"):
                location = f"http://{urlsplit(url).netloc}{location}"
            url = location
        raise OSError("too many redirects")
