"""Signature providers behind one interface.

- :class:`PyhankoProvider` signs with a PKCS#12 held in memory for one signing and verifies
  detached CMS (CAdES-BES) signatures with pyhanko (RSA, ECDSA).
- :class:`CommandProvider` runs configured command lines (OpenSSL, CryptoPro ``cryptcp``, OpenSSL
  with a GOST engine…) to sign with a key in the provider's own store and to verify: the way to
  GOST R 34.10-2012, which pyhanko does not support.  See the README, «Электронная подпись».

A provider answers only "is this signature intact over these bytes, and does it chain to one of
these roots"; whose certificate it is and whether it may sign is decided in ``app.services.signing.registry_signing``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol, Sequence

from app.models.base import utcnow
from app.signing.cms import SignatureFormatError, normalise, read_facts


class SigningError(ValueError):
    """The signing could not be done (bad PKCS#12, wrong passphrase, provider failure)."""


@dataclass(frozen=True)
class Verification:
    intact: bool  # the signature matches the bytes
    trusted: bool  # the signer chains to a given root, valid at the signing time
    signer_der: Optional[bytes]
    signing_time: Optional[dt.datetime]
    problem: Optional[str] = None  # the provider's own words when not intact or not trusted


class DocumentSigner(Protocol):
    """Key material for one signing: its certificate, and signing bytes into a detached CMS."""

    certificate_der: bytes

    def sign(self, data: bytes) -> bytes: ...


class SignatureVerifier(Protocol):
    name: str

    def verify(self, data: bytes, signature: bytes, trust_roots: Sequence[bytes]) -> Verification: ...


def _facts_or_none(signature: bytes):
    try:
        return read_facts(signature)
    except SignatureFormatError:
        return None


# -- pyhanko ---------------------------------------------------------------------------------------
class Pkcs12Signer:
    """A PKCS#12 opened in memory for one signing; nothing of it is written anywhere."""

    def __init__(self, pkcs12: bytes, passphrase: Optional[str]):
        from pyhanko.sign import signers

        try:
            self._signer = signers.SimpleSigner.load_pkcs12_data(
                pkcs12, other_certs=[], passphrase=passphrase.encode() if passphrase else None
            )
        except ValueError as exc:
            raise SigningError("Не удалось открыть файл PKCS#12: неверный пароль или поврежденный файл") from exc
        self.certificate_der = self._signer.signing_cert.dump()

    def sign(self, data: bytes) -> bytes:
        async def run():
            return await self._signer.async_sign_general_data(data, "sha256", detached=True, use_cades=True)

        return asyncio.run(run()).dump()


class PyhankoProvider:
    name = "pyhanko"

    def verify(self, data: bytes, signature: bytes, trust_roots: Sequence[bytes]) -> Verification:
        from asn1crypto import cms, x509
        from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
        from pyhanko_certvalidator import ValidationContext

        facts = _facts_or_none(signature)
        if facts is None:
            return Verification(False, False, None, None, "Файл не является подписью CMS")
        signed = cms.ContentInfo.load(normalise(signature))["content"]
        roots = [x509.Certificate.load(der) for der in trust_roots]
        if not roots:
            return Verification(
                False, False, facts.signer_der, facts.signing_time, "Не настроены доверенные корневые сертификаты"
            )
        moment = (facts.signing_time or utcnow()).replace(tzinfo=dt.timezone.utc)
        context = ValidationContext(trust_roots=roots, moment=moment, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = asyncio.run(async_validate_detached_cms(data, signed, signer_validation_context=context))
        except Exception as exc:  # a malformed signature must read as a refusal, not a crash
            return Verification(False, False, facts.signer_der, facts.signing_time, f"{type(exc).__name__}: {exc}")
        problem = None
        if not status.trusted and status.trust_problem_indic is not None:
            problem = str(status.trust_problem_indic)
        return Verification(
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            signer_der=status.signing_cert.dump() if status.signing_cert else facts.signer_der,
            signing_time=facts.signing_time,
            problem=problem,
        )


# -- external commands -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CommandProvider:
    """Command lines with placeholders, run without a shell:

    - sign: ``{data}`` (the document), ``{signature}`` (where to write the DER CMS), ``{cert}``
      (the signer's registered certificate, PEM), ``{thumbprint}`` (its SHA-1, for key stores
      that find keys by it);
    - verify: ``{data}``, ``{signature}``, ``{roots}`` (the trust roots, PEM), ``{attime}`` (the
      signing time, seconds since the epoch).  Exit code 0 means intact and trusted.
    - intact (optional): the same placeholders; exit code 0 means the signature matches the
      document, whatever its chain.  Run only when the verify command refused, it tells a signer
      outside the trust roots from a changed document; without it both read as a changed document.
    """

    sign_command: str = ""
    verify_command: str = ""
    intact_command: str = ""
    timeout: int = 120
    name: str = "command"

    def _run(self, template: str, values: dict[str, str]) -> subprocess.CompletedProcess:
        args = [part.format(**values) for part in shlex.split(template)]
        try:
            return subprocess.run(args, capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SigningError(f"Внешний провайдер подписи не запустился: {exc}") from exc

    def signer(self, certificate_der: bytes, thumbprint: str) -> "CommandSigner":
        if not self.sign_command:
            raise SigningError("Команда подписи внешнего провайдера не настроена (SIGNING_SIGN_COMMAND)")
        return CommandSigner(self, certificate_der, thumbprint)

    def verify(self, data: bytes, signature: bytes, trust_roots: Sequence[bytes]) -> Verification:
        facts = _facts_or_none(signature)
        if facts is None:
            return Verification(False, False, None, None, "Файл не является подписью CMS")
        if not self.verify_command:
            raise SigningError("Команда проверки внешнего провайдера не настроена (SIGNING_VERIFY_COMMAND)")
        with tempfile.TemporaryDirectory(prefix="oms-verify-") as tmp:
            folder = Path(tmp)
            (folder / "data").write_bytes(data)
            (folder / "data.sig").write_bytes(normalise(signature))
            (folder / "roots.pem").write_bytes(b"".join(_pem(der) for der in trust_roots))
            moment = facts.signing_time or utcnow()
            values = {
                "data": str(folder / "data"),
                "signature": str(folder / "data.sig"),
                "roots": str(folder / "roots.pem"),
                "attime": str(int(moment.replace(tzinfo=dt.timezone.utc).timestamp())),
            }
            done = self._run(self.verify_command, values)
            ok = done.returncode == 0
            # refused: for the document, or only for the chain (when the region gave the command that tells)
            intact = ok or (bool(self.intact_command) and self._run(self.intact_command, values).returncode == 0)
        problem = None if ok else (done.stderr or done.stdout).decode("utf-8", "replace").strip()[:500]
        return Verification(
            intact=intact, trusted=ok, signer_der=facts.signer_der, signing_time=facts.signing_time, problem=problem
        )


class CommandSigner:
    def __init__(self, provider: CommandProvider, certificate_der: bytes, thumbprint: str):
        self.provider = provider
        self.certificate_der = certificate_der
        self.thumbprint = thumbprint

    def sign(self, data: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="oms-sign-") as tmp:
            folder = Path(tmp)
            (folder / "data").write_bytes(data)
            (folder / "cert.pem").write_bytes(_pem(self.certificate_der))
            done = self.provider._run(
                self.provider.sign_command,
                {
                    "data": str(folder / "data"),
                    "signature": str(folder / "data.sig"),
                    "cert": str(folder / "cert.pem"),
                    "thumbprint": self.thumbprint,
                },
            )
            out = folder / "data.sig"
            if done.returncode != 0 or not out.exists():
                reason = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[:500]
                raise SigningError(f"Внешний провайдер не подписал документ: {reason}")
            try:
                return normalise(out.read_bytes())
            except SignatureFormatError as exc:
                raise SigningError(f"Внешний провайдер вернул не подпись CMS: {exc}") from exc


def _pem(der: bytes) -> bytes:
    import base64

    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN CERTIFICATE-----\n" + b"\n".join(lines) + b"\n-----END CERTIFICATE-----\n"


def configured_verifier(config) -> SignatureVerifier:
    """The verifier the region configured: ``SIGNING_PROVIDER`` = pyhanko (default) or command."""
    if config.get("SIGNING_PROVIDER", "pyhanko") == "command":
        return configured_command_provider(config)
    return PyhankoProvider()


def configured_command_provider(config) -> CommandProvider:
    return CommandProvider(
        sign_command=config.get("SIGNING_SIGN_COMMAND", ""),
        verify_command=config.get("SIGNING_VERIFY_COMMAND", ""),
        intact_command=config.get("SIGNING_INTACT_COMMAND", ""),
        timeout=int(config.get("SIGNING_COMMAND_TIMEOUT", 120)),
    )
