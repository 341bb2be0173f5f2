"""A small PKI: a root CA and signer certificates.  RSA (the default) is made with ``cryptography``,
with a PKCS#12 per signer; GOST R 34.10-2012 (``gost2012_256``) by the ``openssl`` command with the
GOST engine, with a PEM key per signer.  The demo data uses it (a demo CA and one certificate per
demo signer, ``DEMO_PKI_ALGORITHM``), and so do the tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: the key algorithms of :func:`make_ca` (and of the demo PKI, ``DEMO_PKI_ALGORITHM``)
RSA = "rsa"
GOST2012_256 = "gost2012_256"
ALGORITHMS = (RSA, GOST2012_256)


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def pkcs12(self, passphrase: str, name: str = "signer", ca: Optional["Issued"] = None) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            name.encode(),
            self.key,
            self.cert,
            [ca.cert] if ca else None,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )


def _name(common_name: str, organisation: str = "ОМС") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def make_ca(common_name: str = "Демо УЦ ОМС", days: int = 3650, *, algorithm: str = RSA) -> Union[Issued, "GostIssued"]:
    """A root CA: RSA 2048 with SHA-256, or with ``algorithm="gost2012_256"`` a GOST one
    (:func:`make_gost_ca`)."""
    if algorithm == GOST2012_256:
        return make_gost_ca(common_name, days)
    if algorithm != RSA:
        raise ValueError(f"Неизвестный алгоритм ключей {algorithm!r}: {', '.join(ALGORITHMS)}")
    key = _key()
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - dt.timedelta(days=1))
        .not_valid_after(_now() + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, cert)


def issue(
    ca: Union[Issued, "GostIssued"],
    common_name: str,
    organisation: str = "ОМС",
    *,
    days: int = 730,
    not_before: Optional[dt.datetime] = None,
    not_after: Optional[dt.datetime] = None,
) -> Union[Issued, "GostIssued"]:
    """A signer certificate issued by ``ca`` (digital signature + non-repudiation), of the CA's
    algorithm (a GOST CA issues GOST certificates, valid from now: no explicit dates)."""
    if isinstance(ca, GostIssued):
        if not_before or not_after:
            raise ValueError("Сертификат ГОСТ выпускается от текущего момента на days дней")
        return issue_gost(ca, common_name, organisation, days=days)
    key = _key()
    start = not_before or (_now() - dt.timedelta(days=1))
    end = not_after or (start + dt.timedelta(days=days))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(key, cert)


# -- GOST R 34.10-2012: OpenSSL with the GOST engine ---------------------------------------------------
# ``cryptography`` (and so pyhanko) has no GOST: keys and certificates are made by the ``openssl``
# command with the engine of the Debian package ``libengine-gost-openssl`` (``-engine gost``).
GOST_ENGINE_PACKAGE = "libengine-gost-openssl"
#: GOST R 34.10-2012 public keys (256 and 512 bit) and the 256-bit signature with GOST R 34.11-2012
GOST_KEY_OIDS = ("1.2.643.7.1.1.1.1", "1.2.643.7.1.1.1.2")
GOST2012_256_SIGNATURE_OID = "1.2.643.7.1.1.3.2"

_CA_CONFIG = """[req]
distinguished_name = dn
x509_extensions = ca
string_mask = utf8only
utf8 = yes
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""
_SIGNER_EXTENSIONS = """basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


class PkiError(RuntimeError):
    """The ``openssl`` command (or its GOST engine) is missing or failed."""


def gost_engine_problem() -> Optional[str]:
    """None when ``openssl`` with the GOST engine works on this machine, else why not."""
    exe = shutil.which("openssl")
    if exe is None:
        return f"не найдена команда openssl (пакеты openssl и {GOST_ENGINE_PACKAGE})"
    try:
        done = subprocess.run([exe, "engine", "gost", "-t"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"openssl engine gost -t не выполнилась: {exc}"
    if done.returncode != 0 or b"[ available ]" not in done.stdout:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        return (
            f"у OpenSSL нет GOST-движка (openssl engine gost -t: {said[-1] if said else done.returncode}); "
            f"установите пакет {GOST_ENGINE_PACKAGE}"
        )
    return None


def openssl(args: Sequence[str], *, passphrase: Optional[str] = None, timeout: int = 60) -> bytes:
    """Run ``openssl`` with ``args`` (no shell) and return its output; PkiError with its message when it
    fails.  A passphrase goes through the environment (``env:OMS_PKI_PASS``), never the command line."""
    exe = shutil.which("openssl")
    if exe is None:
        raise PkiError(f"не найдена команда openssl (пакеты openssl и {GOST_ENGINE_PACKAGE})")
    env = dict(os.environ)
    if passphrase is not None:
        env["OMS_PKI_PASS"] = passphrase
    try:
        done = subprocess.run([exe, *args], capture_output=True, timeout=timeout, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PkiError(f"openssl {args[0]} не выполнилась: {exc}") from exc
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise PkiError(f"openssl {args[0]} завершилась с кодом {done.returncode}: {said[-800:]}")
    return done.stdout


def is_gost(cert: x509.Certificate) -> bool:
    return cert.public_key_algorithm_oid.dotted_string in GOST_KEY_OIDS


def algorithm_of(cert: x509.Certificate) -> str:
    """``gost2012_256`` for a GOST R 34.10-2012 256-bit key, ``rsa`` for RSA, else the key's OID."""
    oid = cert.public_key_algorithm_oid.dotted_string
    if oid == GOST_KEY_OIDS[0]:
        return GOST2012_256
    return RSA if oid == "1.2.840.113549.1.1.1" else oid


@dataclass
class GostIssued:
    """A GOST R 34.10-2012 (256 bit) key with its certificate.  The key is a PKCS#8 PEM: only the
    ``openssl`` command with the GOST engine can use it."""

    cert: x509.Certificate
    key: bytes

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key

    def encrypted_key_pem(self, passphrase: str) -> bytes:
        """The key as an encrypted PKCS#8 PEM (AES-256), for ``openssl … -inkey F -passin pass:…``."""
        with tempfile.TemporaryDirectory(prefix="oms-pki-") as tmp:
            plain = Path(tmp) / "key.pem"
            plain.write_bytes(self.key)
            return openssl(
                ["pkey", "-engine", "gost", "-in", str(plain), "-aes256", "-passout", "env:OMS_PKI_PASS"],
                passphrase=passphrase,
            )

    def pkcs12(self, passphrase: str, name: str = "signer", ca: Optional["GostIssued"] = None) -> bytes:
        raise PkiError(
            "PKCS#12 с ключом ГОСТ здесь не делается: pyhanko не подписывает ГОСТ; "
            "подписывайте внешним провайдером или файлами .sig"
        )


def _subject(common_name: str, organisation: str) -> str:
    """The ``-subj`` argument of ``openssl req`` (``/``, ``+``, ``=`` and ``\\`` escaped)."""

    def esc(value: str) -> str:
        return "".join("\\" + ch if ch in "/+=\\" else ch for ch in value)

    return f"/C=RU/O={esc(organisation)}/CN={esc(common_name)}"


def _gost_key(folder: Path) -> Path:
    path = folder / "key.pem"
    openssl(["genpkey", "-engine", "gost", "-algorithm", GOST2012_256, "-pkeyopt", "paramset:A", "-out", str(path)])
    return path


def _serial() -> str:
    return format(x509.random_serial_number(), "#x")


def make_gost_ca(common_name: str = "Демо УЦ ОМС", days: int = 3650, organisation: str = "ОМС") -> GostIssued:
    """A self-signed GOST R 34.10-2012 (256 bit, parameters TC26 A) root, signed with GOST R 34.11-2012."""
    with tempfile.TemporaryDirectory(prefix="oms-pki-") as tmp:
        folder = Path(tmp)
        key = _gost_key(folder)
        (folder / "ca.cnf").write_text(_CA_CONFIG, encoding="utf-8")
        openssl(
            [
                "req",
                "-engine",
                "gost",
                "-config",
                str(folder / "ca.cnf"),
                "-x509",
                "-new",
                "-utf8",
                "-key",
                str(key),
                "-md_gost12_256",
                "-days",
                str(days),
                "-set_serial",
                _serial(),
                "-subj",
                _subject(common_name, organisation),
                "-out",
                str(folder / "ca.pem"),
            ]
        )
        return GostIssued(x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes()), key.read_bytes())


def issue_gost(ca: GostIssued, common_name: str, organisation: str = "ОМС", *, days: int = 730) -> GostIssued:
    """A GOST signer certificate issued by the GOST ``ca`` (digital signature + non-repudiation),
    valid from now for ``days`` (``openssl x509 -req`` cannot date it otherwise)."""
    with tempfile.TemporaryDirectory(prefix="oms-pki-") as tmp:
        folder = Path(tmp)
        key = _gost_key(folder)
        (folder / "ca.pem").write_bytes(ca.pem)
        (folder / "ca.key").write_bytes(ca.key)
        (folder / "ext.cnf").write_text(_SIGNER_EXTENSIONS, encoding="utf-8")
        openssl(
            [
                "req",
                "-engine",
                "gost",
                "-new",
                "-utf8",
                "-key",
                str(key),
                "-md_gost12_256",
                "-subj",
                _subject(common_name, organisation),
                "-out",
                str(folder / "req.pem"),
            ]
        )
        openssl(
            [
                "x509",
                "-engine",
                "gost",
                "-req",
                "-in",
                str(folder / "req.pem"),
                "-CA",
                str(folder / "ca.pem"),
                "-CAkey",
                str(folder / "ca.key"),
                "-set_serial",
                _serial(),
                "-md_gost12_256",
                "-days",
                str(days),
                "-extfile",
                str(folder / "ext.cnf"),
                "-out",
                str(folder / "cert.pem"),
            ]
        )
        return GostIssued(x509.load_pem_x509_certificate((folder / "cert.pem").read_bytes()), key.read_bytes())
