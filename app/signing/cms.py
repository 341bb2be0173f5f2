"""Reading a detached CMS signature without checking it: the signer's certificate and the
signing time it reports.  Used for signatures of any provider (GOST included: no crypto here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import pyhanko.sign.general  # noqa: F401,E402

# asn1crypto caches its OID name maps on first use: the modules that add the CAdES attribute
# names (signing_certificate_v2, …) must be imported before any signature is parsed
from asn1crypto import (
    cms,
    tsp,  # noqa: F401,E402
)


class SignatureFormatError(ValueError):
    """Not a CMS SignedData we can read."""


@dataclass(frozen=True)
class SignatureFacts:
    signer_der: Optional[bytes]
    signing_time: Optional[dt.datetime]  # UTC, naive
    detached: bool


def _load(signature: bytes) -> cms.SignedData:
    data = signature or b""
    if data.lstrip().startswith(b"-----BEGIN"):  # PEM; DER bytes are never stripped
        import base64

        lines = [ln for ln in data.splitlines() if ln and not ln.startswith(b"-----")]
        data = base64.b64decode(b"".join(lines))
    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native != "signed_data":
            raise SignatureFormatError("Файл подписи не содержит подписанных данных CMS (SignedData)")
        signed = info["content"]
        signed.native  # noqa: B018 - parse everything now, so a damaged file fails here
        return signed
    except SignatureFormatError:
        raise
    except Exception as exc:
        raise SignatureFormatError("Файл подписи не является подписью CMS (PKCS#7) в формате DER или PEM") from exc


def normalise(signature: bytes) -> bytes:
    """The DER bytes of a signature given as DER or PEM."""
    signed = _load(signature)
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def read_facts(signature: bytes) -> SignatureFacts:
    signed = _load(signature)
    infos = signed["signer_infos"]
    if len(infos) != 1:
        raise SignatureFormatError(f"Ожидалась одна подпись в файле, найдено: {len(infos)}")
    info = infos[0]
    sid = info["sid"]
    signer_der = None
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if cert.issuer == sid.chosen["issuer"] and cert.serial_number == sid.chosen["serial_number"].native:
                signer_der = cert.dump()
        elif cert.key_identifier == sid.chosen.native:
            signer_der = cert.dump()
    signing_time = None
    for attr in info["signed_attrs"] or []:
        if attr["type"].native == "signing_time":
            value = attr["values"][0].native
            signing_time = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    detached = signed["encap_content_info"]["content"].native is None
    return SignatureFacts(signer_der=signer_der, signing_time=signing_time, detached=detached)
