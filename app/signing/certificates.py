"""Reading certificates: PEM or DER in, the fields the pages show out (subject, issuer, serial,
validity, SHA-1 thumbprint)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


class CertificateError(ValueError):
    """Not a certificate we can read."""


@dataclass(frozen=True)
class CertInfo:
    der: bytes
    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime  # UTC, naive
    not_after: dt.datetime
    thumbprint: str  # SHA-1 of the DER, hex, upper case

    def valid_at(self, moment: dt.datetime) -> bool:
        return self.not_before <= moment <= self.not_after


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def thumbprint_of(der: bytes) -> str:
    return hashlib.sha1(der).hexdigest().upper()


def parse_certificate(data: bytes) -> CertInfo:
    """A certificate from PEM or DER bytes; CertificateError with a clear message otherwise."""
    data = data or b""
    try:
        if b"-----BEGIN" in data[:200] or data.lstrip().startswith(b"-----BEGIN"):
            cert = x509.load_pem_x509_certificate(data)
        else:
            cert = x509.load_der_x509_certificate(data)
    except Exception as exc:  # cryptography raises ValueError or its own errors
        raise CertificateError("Файл не является сертификатом X.509 в формате PEM или DER") from exc
    der = cert.public_bytes(Encoding.DER)
    return CertInfo(
        der=der,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "X"),
        not_before=_naive_utc(cert.not_valid_before_utc),
        not_after=_naive_utc(cert.not_valid_after_utc),
        thumbprint=thumbprint_of(der),
    )
