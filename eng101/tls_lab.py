"""A TLS test bench for notebook 24: a certificate factory (a test CA) and real TLS on loopback.

Everything here is *test machinery*: it makes certificates with chosen defects (expired, wrong
host, unknown CA, a leaf acting as a CA, a wrong signature, ...) so the notebook can ask whether a
verifier rejects them, and it runs real handshakes with the stdlib ``ssl`` module:

- ``new_key`` / ``issue``: EC P-256 keys and X.509 v3 certificates built with ``cryptography.x509``;
  every option a chain test needs (validity, SAN, basicConstraints, pathLen, keyUsage, a forced
  issuer name or signing key) is a keyword;
- ``write_identity``: PEM files (certificate chain + unencrypted PKCS#8 key) in a directory you
  choose, for ``SSLContext.load_cert_chain`` and ``load_verify_locations``;
- ``handshake``: one real TLS connection over TCP on 127.0.0.1 between two contexts, both sides
  bounded by timeouts, with what each side saw;
- ``ssl_chain_verdict``: OpenSSL's verdict (through ``ssl``) on a chain a server presents;
- ``handshake_flights``: a handshake over memory BIOs, returning the bytes of each flight, so the
  records on the wire can be read and the round trips counted.

Keys are generated at run time and never leave the temporary directory the caller gives.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = datetime.UTC
KEEP = object()  # "use the default" marker for options whose meaningful values include None

# TLS record content types (RFC 8446 §5.1)
RECORD_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
# Handshake message types (RFC 8446 §4), read from the first byte of a plaintext handshake record
HANDSHAKE_TYPES = {1: "ClientHello", 2: "ServerHello", 4: "NewSessionTicket", 8: "EncryptedExtensions",
                   11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone",
                   15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished"}


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh EC P-256 private key (fast to generate, unlike RSA)."""
    return ec.generate_private_key(ec.SECP256R1())


def utc_now() -> datetime.datetime:
    """The current time in UTC, to the second (X.509 validity has one-second resolution)."""
    return datetime.datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Identity:
    """A certificate and its private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def name(self) -> str:
        """The subject's common name (for printing)."""
        values = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else "(no CN)"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Eng101 test PKI"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue(
    common_name: str,
    issuer: Identity | None = None,
    *,
    ca: bool = False,
    path_length: int | None = None,
    basic_constraints: bool = True,
    key_cert_sign: bool | None = None,
    san: Sequence[str] | None = None,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    issuer_name: x509.Name | None = None,
    signing_key: ec.EllipticCurvePrivateKey | None = None,
    key: ec.EllipticCurvePrivateKey | None = None,
) -> Identity:
    """Issue a certificate for ``common_name``, signed by ``issuer`` (self-signed when None).

    - ``ca``: basicConstraints CA flag (critical); ``path_length`` its pathLenConstraint;
      ``basic_constraints=False`` leaves the extension out altogether;
    - ``key_cert_sign``: keyUsage keyCertSign (with cRLSign) when True, a keyUsage with only
      digitalSignature when False, and the usual one for ``ca`` when None;
    - ``san``: DNS names for subjectAltName; None means ``[common_name]`` for a leaf, none for a CA;
      an empty list leaves the extension out;
    - ``not_before`` / ``not_after``: default one hour before ``now`` and 30 days (leaf) or
      a year (CA) after it; ``now`` defaults to the current time;
    - ``issuer_name`` / ``signing_key``: override the issuer field or the key that signs, to build
      a broken link (name that does not chain, signature by the wrong key).
    Leaves get extendedKeyUsage serverAuth and clientAuth; every certificate gets a subject key
    identifier, and issued ones an authority key identifier.
    """
    now = now or utc_now()
    key = key or new_key()
    subject = _name(common_name)
    sign_with = signing_key or (issuer.key if issuer else key)
    issued_by = issuer_name or (issuer.certificate.subject if issuer else subject)
    default_days = 365 if ca else 30
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issued_by)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(hours=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=default_days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    authority_key = issuer.key.public_key() if issuer else key.public_key()
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key),
                                    critical=False)
    if basic_constraints:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None),
                                        critical=True)
    cert_sign = ca if key_cert_sign is None else key_cert_sign
    builder = builder.add_extension(
        x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                      data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                      crl_sign=cert_sign, encipher_only=False, decipher_only=False),
        critical=True)
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False)
    names = ([common_name] if not ca else []) if san is None else list(san)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                                        critical=False)
    return Identity(builder.sign(sign_with, hashes.SHA256()), key)


def pem(certificates: Iterable[x509.Certificate]) -> bytes:
    """The certificates as concatenated PEM blocks."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def write_identity(directory: str | Path, stem: str, identity: Identity,
                   chain: Sequence[x509.Certificate] = ()) -> tuple[str, str]:
    """Write ``stem.crt`` (the certificate, then ``chain``) and ``stem.key`` into ``directory``.

    Returns the two paths as strings, ready for ``SSLContext.load_cert_chain(certfile, keyfile)``.
    The key file is unencrypted PKCS#8 PEM, readable by its owner only: test material, never commit it.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_path.write_bytes(pem([identity.certificate, *chain]))
    key_path.touch(mode=0o600)
    key_path.write_bytes(identity.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def load_identity(context: ssl.SSLContext, identity: Identity, chain: Sequence[x509.Certificate] = (),
                  directory: str | Path = ".") -> None:
    """``context.load_cert_chain`` for an in-memory identity (ssl only loads from files)."""
    stem = f"identity-{identity.certificate.serial_number:x}"
    cert_path, key_path = write_identity(directory, stem, identity, chain)
    try:
        context.load_cert_chain(cert_path, key_path)
    finally:
        Path(cert_path).unlink()
        Path(key_path).unlink()


@dataclass
class HandshakeResult:
    """What each side of one TLS connection saw. ``*_error`` is None when that side succeeded."""

    client_error: str | None = None
    server_error: str | None = None
    version: str | None = None
    cipher: str | None = None
    server_saw_client: str | None = None  # the client certificate's CN, as the server verified it
    reply: bytes = b""  # what the client read after the handshake (b"ok" when the server accepted it)

    @property
    def client_ok(self) -> bool:
        return self.client_error is None

    @property
    def server_ok(self) -> bool:
        return self.server_error is None


def _describe(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return error.reason or str(error)
    return f"{type(error).__name__}: {error}"


def _common_name(peer: dict | None) -> str | None:
    for rdn in (peer or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


def handshake(server_context: ssl.SSLContext, client_context: ssl.SSLContext, server_hostname: str | None,
              timeout: float = 2.0) -> HandshakeResult:
    """One TLS connection over TCP on 127.0.0.1 between the two contexts; nothing is left open.

    The server thread accepts, completes its handshake, and writes b"ok"; the client handshakes,
    then reads that reply: in TLS 1.3 the client finishes its handshake *before* the server has
    checked the client's certificate, so a rejection of the client shows up on this read.
    """
    result = HandshakeResult()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(timeout)

    def serve_one() -> None:
        try:
            raw, _ = listener.accept()
        except OSError as error:
            result.server_error = _describe(error)
            return
        raw.settimeout(timeout)
        try:
            with server_context.wrap_socket(raw, server_side=True) as tls:
                result.server_saw_client = _common_name(tls.getpeercert())
                tls.sendall(b"ok")
                try:
                    tls.recv(16)  # wait for the client's close (bounded by the timeout)
                except (OSError, ssl.SSLError):
                    pass
        except (OSError, ssl.SSLError) as error:
            result.server_error = _describe(error)
        finally:
            raw.close()

    server = threading.Thread(target=serve_one, name="tls_lab-handshake-server", daemon=True)
    server.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=timeout) as raw:
            try:
                with client_context.wrap_socket(raw, server_hostname=server_hostname) as tls:
                    result.version, result.cipher = tls.version(), tls.cipher()[0]
                    result.reply = tls.recv(16)
                    if result.reply != b"ok":
                        result.client_error = "the server closed the connection without a reply"
            except (OSError, ssl.SSLError) as error:
                result.client_error = _describe(error)
    finally:
        server.join(timeout=timeout + 1)
        listener.close()
    return result


def client_context_for(anchors: Iterable[x509.Certificate], *, tls13_only: bool = True) -> ssl.SSLContext:
    """A client context that trusts exactly ``anchors``, checks the host name against the SAN only."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname by default
    context.hostname_checks_common_name = False  # RFC 9525: no fallback to the subject CN
    context.load_verify_locations(cadata=pem(anchors).decode())
    if tls13_only:
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def server_context_for(identity: Identity, chain: Sequence[x509.Certificate] = (),
                       directory: str | Path = ".") -> ssl.SSLContext:
    """A TLS 1.3 server context presenting ``identity`` followed by ``chain``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    load_identity(context, identity, chain, directory)
    return context


def ssl_chain_verdict(leaf: Identity, intermediates: Sequence[x509.Certificate],
                      anchors: Iterable[x509.Certificate], hostname: str,
                      directory: str | Path = ".") -> tuple[bool, str]:
    """OpenSSL's verdict, through ``ssl``, on a server presenting ``leaf`` + ``intermediates``.

    A real TLS 1.3 handshake (over memory BIOs, so no thread and no socket) whose client trusts
    exactly ``anchors``, asks for ``hostname`` and does not fall back to the subject CN; returns
    ``(accepted, reason)``. OpenSSL checks the dates against the current time.
    """
    server = server_context_for(leaf, intermediates, directory)
    try:
        log = handshake_flights(server, client_context_for(anchors), hostname)
    except ssl.SSLCertVerificationError as error:
        return False, _describe(error)
    return log.version is not None, "ok"


@dataclass
class Flight:
    """The bytes one side sent in one go during a handshake, split into TLS records."""

    sender: str  # "client" or "server"
    data: bytes
    records: list[tuple[str, int]] = field(default_factory=list)  # (content type, length)
    carries_request: bool = False  # the client's first request went out in this flight

    def raw_records(self) -> list[bytes]:
        """The flight's records, each with its 5-byte header, as sent."""
        records, offset = [], 0
        for _, length in self.records:
            records.append(self.data[offset: offset + 5 + length])
            offset += 5 + length
        return records

    def describe(self) -> str:
        """The records, with the handshake messages named where they travel in plaintext."""
        parts, offset, encrypted = [], 0, False
        for kind, length in self.records:
            body = self.data[offset + 5: offset + 5 + length]
            if kind == "handshake" and body and not encrypted:
                parts.append(HANDSHAKE_TYPES.get(body[0], f"handshake type {body[0]}"))
            elif kind == "handshake":
                parts.append("handshake (encrypted)")  # TLS 1.2: after this sender's ChangeCipherSpec
            else:
                parts.append(kind)
            encrypted = encrypted or kind == "change_cipher_spec"
            offset += 5 + length
        return ", ".join(parts)


def split_records(data: bytes) -> list[tuple[str, int]]:
    """Split a byte stream into TLS records (RFC 8446 §5.1: type, version, 2-byte length)."""
    records, offset = [], 0
    while offset + 5 <= len(data):
        length = int.from_bytes(data[offset + 3: offset + 5], "big")
        records.append((RECORD_TYPES.get(data[offset], f"type {data[offset]}"), length))
        offset += 5 + length
    return records


@dataclass
class FlightLog:
    """A whole handshake as flights, and the session the client may reuse next time."""

    flights: list[Flight]
    session: ssl.SSLSession | None
    session_reused: bool
    version: str | None


def handshake_flights(server_context: ssl.SSLContext, client_context: ssl.SSLContext, server_hostname: str,
                      session: ssl.SSLSession | None = None) -> FlightLog:
    """Run a handshake over memory BIOs and record each flight; the client then sends one request.

    The client's request travels with its last handshake flight when the protocol allows it, which
    is how the round trips before the first request byte are counted (``round_trips``).
    """
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_context.wrap_bio(c_in, c_out, server_hostname=server_hostname, session=session)
    server = server_context.wrap_bio(s_in, s_out, server_side=True)
    flights: list[Flight] = []
    client_done = server_done = request_sent = False
    for _ in range(10):  # a handshake is a handful of flights
        if not client_done:
            try:
                client.do_handshake()
                client_done = True
                client.write(b"GET /model HTTP/1.1\r\n\r\n")  # the first request, as early as allowed
            except ssl.SSLWantReadError:
                pass
        data = c_out.read()
        if data:
            flights.append(Flight("client", data, split_records(data), client_done and not request_sent))
            request_sent = request_sent or client_done
            s_in.write(data)
        if not server_done:
            try:
                server.do_handshake()
                server_done = True
            except ssl.SSLWantReadError:
                pass
        if server_done:
            try:
                server.read(1024)
            except ssl.SSLWantReadError:
                pass
        data = s_out.read()
        if data:
            flights.append(Flight("server", data, split_records(data)))
            c_in.write(data)
        if client_done and server_done and not data:
            break
    try:
        client.read(1024)  # process post-handshake messages (TLS 1.3 session tickets)
    except ssl.SSLWantReadError:
        pass
    return FlightLog(flights, client.session, client.session_reused, client.version())


def round_trips(flights: Sequence[Flight]) -> int:
    """Round trips before the client's first request: its flights before the one that carries it.

    Every client flight before that one had to wait for an answer from the server.
    """
    count = 0
    for flight in flights:
        if flight.sender == "client":
            if flight.carries_request:
                return count
            count += 1
    raise ValueError("the client never sent its request: the handshake did not complete")


def read_keylog(path: str | Path) -> dict[str, bytes]:
    """The secrets of a key log file (NSS key log format), by label, for a file of ONE connection.

    Each line is ``LABEL <client_random hex> <secret hex>``; comment lines start with ``#``.
    """
    secrets: dict[str, bytes] = {}
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            secrets[fields[0]] = bytes.fromhex(fields[2])
    return secrets


def logged_handshake(server_context: ssl.SSLContext, client_context: ssl.SSLContext, server_hostname: str,
                     directory: str | Path = ".") -> tuple[FlightLog, dict[str, bytes]]:
    """``handshake_flights`` with the client's key log on: the flights and the connection's secrets.

    Sets ``client_context.keylog_filename`` for the handshake and turns it off (closing the file)
    afterwards; the file is deleted.
    """
    path = Path(directory) / f"keylog-{threading.get_ident()}-{id(client_context):x}.txt"
    client_context.keylog_filename = str(path)
    try:
        log = handshake_flights(server_context, client_context, server_hostname)
    finally:
        client_context.keylog_filename = None
    try:
        return log, read_keylog(path)
    finally:
        path.unlink(missing_ok=True)
