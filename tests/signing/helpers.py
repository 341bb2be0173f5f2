"""A test PKI made with ``cryptography`` and registries brought to «На подпись МО» through the
real pipeline and workflow."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from app.extensions import db
from app.models.registry import Registry
from app.services.registries import workflow as wf
from app.services.registries.formation import form_registries
from app.services.signing import certificates
from app.signing import pki
from tests.registries.helpers import demo, load, user

PASS = "Test-P12-pass"
# periods no other test forms registries for (2022-11 is the browser test's)
_periods = iter(
    [(2022, m) for m in range(1, 11)]
    + [(2023, m) for m in range(5, 13)]
    + [(2024, m) for m in range(9, 13)]
    + [(2025, m) for m in range(7, 13)]
)


@dataclass
class TestPki:
    """A root, one signer per demo signing login, an expired certificate, one of an unknown CA."""

    root: pki.Issued
    signers: dict[str, pki.Issued] = field(default_factory=dict)
    expired: pki.Issued | None = None
    unknown_ca_signer: pki.Issued | None = None

    def p12(self, login: str) -> bytes:
        return self.signers[login].pkcs12(PASS, login, self.root)


def make_test_pki() -> TestPki:
    """Call inside an app context: registers the root as a trust root and each signer's
    certificate for its demo login (besides the demo ones)."""
    root = pki.make_ca("Тестовый УЦ")
    out = TestPki(root=root)
    certificates.add_trust_root(root.pem, "Тестовый УЦ")
    for login in ("mo1_executor", "mo1_accountant", "mo1_head", "smo1_signer"):
        out.signers[login] = pki.issue(root, f"Тест {login}")
        certificates.register_certificate(user(login), out.signers[login].der)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    out.expired = pki.issue(root, "Просроченный", not_before=start, not_after=start + dt.timedelta(days=365))
    certificates.register_certificate(user("mo1_executor"), out.expired.der)
    stranger = pki.make_ca("Неизвестный УЦ")
    out.unknown_ca_signer = pki.issue(stranger, "Чужой УЦ")
    certificates.register_certificate(user("mo1_executor"), out.unknown_ca_signer.der)
    db.session.commit()
    return out


def registry_for_signing(
    tmp: Path, reg_type: str = "АПП", payer: str = "14001", payer_login: str = "smo1_specialist"
) -> int:
    """A registry of mo1 (by default the АПП one paid by 14001) in «На подпись МО» with its documents."""
    year, month = next(_periods)
    load(demo(tmp, seed=year + month, cases=30, year=year, month=month).path)
    result = form_registries(user("mo1_operator"), f"{year}-{month:02d}", reg_type)
    assert result.ok, result.message
    reg_id = next(r for r in result.registries if r["payer"] == payer)["id"]
    assert wf.change_status(user("mo1_operator"), reg_id, "Отправлен").ok
    assert wf.change_status(user(payer_login), reg_id, "Выгружен").ok
    assert wf.change_status(user(payer_login), reg_id, "На подпись МО").ok
    return reg_id


def status(reg_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Registry, reg_id).status
