"""Unit tests for eng101.tls_lab: the certificate factory and the loopback TLS bench of notebook 24."""

from __future__ import annotations

import datetime
import ssl
import stat
import threading

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from eng101.tls_lab import (
    Flight,
    client_context_for,
    handshake,
    handshake_flights,
    issue,
    new_key,
    round_trips,
    server_context_for,
    split_records,
    ssl_chain_verdict,
    utc_now,
    write_identity,
)

HOST = "svc.eng101.test"


@pytest.fixture(scope="module")
def pki():
    root = issue("Unit Root", ca=True)
    intermediate = issue("Unit Issuing", root, ca=True, path_length=0)
    leaf = issue(HOST, intermediate)
    return root, intermediate, leaf


def _ext(cert: x509.Certificate, kind: type):
    return cert.extensions.get_extension_for_class(kind).value


def test_issue_sets_the_extensions_a_chain_needs(pki):
    root, intermediate, leaf = pki
    assert root.certificate.issuer == root.certificate.subject
    assert intermediate.certificate.issuer == root.certificate.subject
    intermediate.certificate.verify_directly_issued_by(root.certificate)
    leaf.certificate.verify_directly_issued_by(intermediate.certificate)
    assert _ext(intermediate.certificate, x509.BasicConstraints) == x509.BasicConstraints(ca=True, path_length=0)
    assert _ext(leaf.certificate, x509.BasicConstraints).ca is False
    assert _ext(intermediate.certificate, x509.KeyUsage).key_cert_sign is True
    assert _ext(leaf.certificate, x509.KeyUsage).key_cert_sign is False
    assert _ext(leaf.certificate, x509.SubjectAlternativeName).get_values_for_type(x509.DNSName) == [HOST]
    with pytest.raises(x509.ExtensionNotFound):
        intermediate.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert leaf.name == HOST


def test_issue_options_build_broken_certificates(pki):
    root, intermediate, _ = pki
    now = utc_now()
    no_bc = issue("x", root, ca=True, basic_constraints=False, key_cert_sign=True)
    with pytest.raises(x509.ExtensionNotFound):
        no_bc.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert _ext(issue("x", root, ca=True, key_cert_sign=False).certificate, x509.KeyUsage).key_cert_sign is False
    cn_only = issue(HOST, intermediate, san=[])
    with pytest.raises(x509.ExtensionNotFound):
        cn_only.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    dates = issue("x", root, not_before=now, not_after=now + datetime.timedelta(days=2))
    assert dates.certificate.not_valid_before_utc == now
    assert dates.certificate.not_valid_after_utc == now + datetime.timedelta(days=2)
    forged = issue(HOST, intermediate, signing_key=new_key())
    with pytest.raises(InvalidSignature):
        forged.certificate.verify_directly_issued_by(intermediate.certificate)
    renamed = issue(HOST, intermediate, issuer_name=root.certificate.subject)
    assert renamed.certificate.issuer == root.certificate.subject


def test_write_identity_writes_pem_and_a_private_key_file(tmp_path, pki):
    _, intermediate, leaf = pki
    cert_path, key_path = write_identity(tmp_path, "leaf", leaf, chain=[intermediate.certificate])
    certificates = x509.load_pem_x509_certificates(open(cert_path, "rb").read())
    assert certificates == [leaf.certificate, intermediate.certificate]
    key = serialization.load_pem_private_key(open(key_path, "rb").read(), password=None)
    assert key.public_key() == leaf.key.public_key()
    assert stat.S_IMODE((tmp_path / "leaf.key").stat().st_mode) & 0o077 == 0


def test_handshake_over_loopback_and_nothing_left_running(tmp_path, pki):
    root, intermediate, leaf = pki
    threads = threading.active_count()
    result = handshake(server_context_for(leaf, [intermediate.certificate], tmp_path),
                       client_context_for([root.certificate]), HOST)
    assert result.client_ok and result.server_ok, result
    assert result.version == "TLSv1.3" and result.reply == b"ok"
    wrong = handshake(server_context_for(leaf, [intermediate.certificate], tmp_path),
                      client_context_for([root.certificate]), "other.eng101.test")
    assert not wrong.client_ok and "Hostname mismatch" in wrong.client_error
    assert threading.active_count() == threads


def test_handshake_reports_a_refused_client_on_the_server_side(tmp_path, pki):
    root, intermediate, leaf = pki
    server = server_context_for(leaf, [intermediate.certificate], tmp_path)
    server.verify_mode = ssl.CERT_REQUIRED
    server.load_verify_locations(cadata=root.certificate.public_bytes(serialization.Encoding.PEM).decode())
    result = handshake(server, client_context_for([root.certificate]), HOST)  # the client sends no certificate
    assert not result.server_ok and not result.client_ok


@pytest.mark.parametrize(("case", "accepted"), [("good", True), ("expired", False), ("leaf_as_ca", False),
                                                ("unknown_root", False), ("cn_only", False)])
def test_ssl_chain_verdict(tmp_path, pki, case, accepted):
    root, intermediate, leaf = pki
    past = utc_now() - datetime.timedelta(minutes=1)
    chains = {
        "good": (leaf, [intermediate.certificate]),
        "expired": (issue(HOST, intermediate, not_after=past), [intermediate.certificate]),
        "leaf_as_ca": (issue(HOST, leaf), [leaf.certificate, intermediate.certificate]),
        "unknown_root": (issue(HOST, issue("Other", ca=True)), []),
        "cn_only": (issue(HOST, intermediate, san=[]), [intermediate.certificate]),
    }
    got, reason = ssl_chain_verdict(*chains[case], [root.certificate], HOST, tmp_path)
    assert got is accepted, reason


def test_split_records_and_round_trips(tmp_path, pki):
    root, intermediate, leaf = pki
    assert split_records(bytes([22, 3, 3, 0, 2, 1, 2, 23, 3, 3, 0, 0])) == [("handshake", 2), ("application_data", 0)]
    counts = {}
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        server = server_context_for(leaf, [intermediate.certificate], tmp_path)
        server.minimum_version = server.maximum_version = version
        client = client_context_for([root.certificate], tls13_only=False)
        fresh = handshake_flights(server, client, HOST)
        resumed = handshake_flights(server, client, HOST, session=fresh.session)
        assert resumed.session_reused and not fresh.session_reused
        counts[version.name] = (round_trips(fresh.flights), round_trips(resumed.flights))
        assert fresh.flights[0].describe() == "ClientHello"
    assert counts == {"TLSv1_2": (2, 1), "TLSv1_3": (1, 1)}
    with pytest.raises(ValueError):
        round_trips([Flight("client", b"")])
