"""Signing a registry: the order executor → chief accountant → head → СМО signer, the PKCS#12 and
the .sig ways, each verification failure, a tampered document, paper, and the whole flow to «Закрыт»."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.extensions import db
from app.models.registry import RegistryDocument, RegistryStatusChange
from app.models.signing import RegistrySigning
from app.security.roles import ROLE_MO, ROLE_TFOMS
from app.services.registries.documents import documents_of
from app.services.signing import certificates
from app.services.signing import registry_signing as signing
from app.signing.providers import Pkcs12Signer
from tests.factories import make_user, org_by_code
from tests.registries.helpers import user
from tests.signing.helpers import PASS, make_test_pki, registry_for_signing, status


@pytest.fixture(scope="module")
def test_pki(app):
    with app.app_context():
        return make_test_pki()


@pytest.fixture()
def reg_id(app_ctx, tmp_path):
    return registry_for_signing(tmp_path)


def _sign(login, reg_id, test_pki, p12_login=None):
    return signing.sign_with_pkcs12(user(login), reg_id, test_pki.p12(p12_login or login), PASS)


def _sig_files(reg_id, issued, passphrase=PASS, tamper: str | None = None):
    """Detached signatures made outside the system (the user's own tool), named <file>.sig."""
    signer = Pkcs12Signer(issued.pkcs12(passphrase), passphrase)
    out = {}
    for doc in documents_of(reg_id):
        data = Path(doc.path).read_bytes()
        if tamper == doc.kind:
            data = data + b"\x00"
        out[doc.file_name + ".sig"] = signer.sign(data)
    return out


def test_whole_flow_to_closed(reg_id, test_pki):
    assert signing.turn(db.session.get(signing.Registry, reg_id)) == "executor"
    for login in ("mo1_executor", "mo1_accountant"):
        result = _sign(login, reg_id, test_pki)
        assert result.ok, result.message
        assert status(reg_id) == "На подпись МО"
    result = _sign("mo1_head", reg_id, test_pki)
    assert result.ok and result.status == "На подпись СМО"
    assert status(reg_id) == "На подпись СМО"
    result = _sign("smo1_signer", reg_id, test_pki)
    assert result.ok and result.status == "Закрыт", result.message
    assert status(reg_id) == "Закрыт"
    steps = db.session.query(RegistrySigning).filter_by(registry_id=reg_id).order_by(RegistrySigning.id).all()
    assert [s.role for s in steps] == ["executor", "chief_accountant", "head", "smo_signer"]
    docs = documents_of(reg_id)
    assert all(len(s.signatures) == len(docs) for s in steps)
    checks = signing.verify_registry(reg_id)
    assert len(checks) == 4 * len(docs) and all(c.ok for c in checks), [c.result for c in checks if not c.ok]
    history = [h.to_status for h in db.session.query(RegistryStatusChange).filter_by(registry_id=reg_id)]
    assert history[-2:] == ["На подпись СМО", "Закрыт"]


def test_head_before_executor_is_refused(reg_id, test_pki):
    result = _sign("mo1_head", reg_id, test_pki)
    assert not result.ok and "Исполнитель" in result.message
    result = _sign("mo1_accountant", reg_id, test_pki)
    assert not result.ok
    assert db.session.query(RegistrySigning).filter_by(registry_id=reg_id).count() == 0
    assert status(reg_id) == "На подпись МО"


def test_wrong_passphrase_is_refused(reg_id, test_pki):
    result = signing.sign_with_pkcs12(user("mo1_executor"), reg_id, test_pki.p12("mo1_executor"), "не тот")
    assert not result.ok and "PKCS#12" in result.message
    assert db.session.query(RegistrySigning).filter_by(registry_id=reg_id).count() == 0


def test_certificate_of_another_user_is_refused(reg_id, test_pki):
    # the executor signs with the accountant's key: intact, trusted, but not the executor's certificate
    result = _sign("mo1_executor", reg_id, test_pki, p12_login="mo1_accountant")
    assert not result.ok and "не зарегистрирован" in result.message
    files = _sig_files(reg_id, test_pki.signers["mo1_accountant"])
    result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
    assert not result.ok and "не зарегистрирован за пользователем mo1_executor" in result.message
    assert status(reg_id) == "На подпись МО"


def test_expired_certificate_is_refused(reg_id, test_pki):
    p12 = test_pki.expired.pkcs12(PASS)
    result = signing.sign_with_pkcs12(user("mo1_executor"), reg_id, p12, PASS)
    assert not result.ok and "не действовал на момент подписания" in result.message, result.message


def test_certificate_of_unknown_ca_is_refused(reg_id, test_pki):
    p12 = test_pki.unknown_ca_signer.pkcs12(PASS)
    result = signing.sign_with_pkcs12(user("mo1_executor"), reg_id, p12, PASS)
    assert not result.ok and "доверенным корневым" in result.message, result.message


def test_detached_sig_files_are_verified_and_accepted(reg_id, test_pki):
    files = _sig_files(reg_id, test_pki.signers["mo1_executor"])
    result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
    assert result.ok, result.message
    step = db.session.query(RegistrySigning).filter_by(registry_id=reg_id).one()
    assert step.method == "detached" and step.role == "executor"


def test_sig_of_a_tampered_document_is_refused(reg_id, test_pki):
    files = _sig_files(reg_id, test_pki.signers["mo1_executor"], tamper="invoice")
    result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
    assert not result.ok and "Счет" in result.message and "не соответствует документу" in result.message
    assert db.session.query(RegistrySigning).filter_by(registry_id=reg_id).count() == 0


def test_missing_and_garbage_sig_files_are_refused(reg_id, test_pki):
    files = _sig_files(reg_id, test_pki.signers["mo1_executor"])
    first = sorted(files)[0]
    partial = dict(files)
    del partial[first]
    result = signing.sign_with_files(user("mo1_executor"), reg_id, partial)
    assert not result.ok and first in result.message
    garbage = {**files, first: b"not a signature"}
    result = signing.sign_with_files(user("mo1_executor"), reg_id, garbage)
    assert not result.ok and "CMS" in result.message


def test_document_changed_on_disk_blocks_signing_and_shows_invalid(reg_id, test_pki):
    assert _sign("mo1_executor", reg_id, test_pki).ok
    doc = db.session.query(RegistryDocument).filter_by(registry_id=reg_id, kind="summary").one()
    path = Path(doc.path)
    content = path.read_bytes()
    path.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))  # one byte changed
    checks = signing.verify_registry(reg_id)
    bad = [c for c in checks if not c.ok]
    assert [c.document for c in bad] == ["Сводный реестр"] and "не соответствует" in bad[0].result
    result = _sign("mo1_accountant", reg_id, test_pki)
    assert not result.ok and "изменен" in result.message
    path.write_bytes(content)
    assert all(c.ok for c in signing.verify_registry(reg_id))


def test_one_person_cannot_sign_in_two_roles_unless_allowed(app_ctx, reg_id, test_pki):
    both = make_user(org_by_code("140001"), ROLE_MO, rights=("executor", "chief_accountant"))
    from app.signing import pki

    cert = pki.issue(test_pki.root, "Двойная роль")
    certificates.register_certificate(both, cert.der)
    db.session.commit()
    p12 = cert.pkcs12(PASS)
    assert signing.sign_with_pkcs12(both, reg_id, p12, PASS).ok
    refused = signing.sign_with_pkcs12(both, reg_id, p12, PASS)
    assert not refused.ok and "в двух ролях" in refused.message
    app_ctx.config["SIGNING_SAME_PERSON_ROLES"] = True
    try:
        assert signing.sign_with_pkcs12(both, reg_id, p12, PASS).ok
    finally:
        app_ctx.config["SIGNING_SAME_PERSON_ROLES"] = False
    assert [
        s.role for s in db.session.query(RegistrySigning).filter_by(registry_id=reg_id).order_by(RegistrySigning.id)
    ] == ["executor", "chief_accountant"]


def test_user_without_the_right_or_of_another_side_cannot_sign(reg_id, test_pki):
    assert not signing.can_sign(user("mo1_operator"), db.session.get(signing.Registry, reg_id))
    result = signing.sign_with_pkcs12(user("mo1_operator"), reg_id, test_pki.p12("mo1_executor"), PASS)
    assert not result.ok and "нет этого права" in result.message
    result = signing.sign_with_pkcs12(user("smo1_signer"), reg_id, test_pki.p12("smo1_signer"), PASS)
    assert not result.ok
    result = signing.sign_with_pkcs12(user("mo2_operator"), reg_id, test_pki.p12("mo1_executor"), PASS)
    assert not result.ok and result.message == "Реестр не найден"


def test_inactive_certificate_is_not_accepted(app_ctx, reg_id, test_pki):
    from app.models.signing import Certificate
    from app.signing.certificates import thumbprint_of

    cert = (
        db.session.query(Certificate)
        .filter_by(user_id=user("mo1_executor").id, thumbprint=thumbprint_of(test_pki.signers["mo1_executor"].der))
        .one()
    )
    cert.active = False
    db.session.commit()
    try:
        result = _sign("mo1_executor", reg_id, test_pki)
        assert not result.ok and "не зарегистрирован" in result.message
    finally:
        cert.active = True
        db.session.commit()


def test_paper_signing_where_allowed(app_ctx, reg_id, monkeypatch):
    """Only the signer of the current step, or a ТФОМС user with the explicit right, records a
    paper signing; any other СМО or МО user is refused; the audit names who recorded it."""
    from app.models.audit import AuditEvent

    monkeypatch.setitem(app_ctx.config, "SIGNING_PAPER_ALLOWED", True)
    refused = signing.mark_signed_on_paper(user("mo1_operator"), reg_id, "подписано")
    assert not refused.ok and status(reg_id) == "На подпись МО"
    for outsider in ("smo1_specialist", "smo1_signer", "mo1_accountant"):  # not the step, not its right
        assert not signing.mark_signed_on_paper(user(outsider), reg_id, "подписано на бумаге").ok
    no_comment = signing.mark_signed_on_paper(user("tfoms_admin"), reg_id, " ")
    assert not no_comment.ok
    monkeypatch.setitem(app_ctx.config, "SIGNING_PAPER_ALLOWED", False)
    off = signing.mark_signed_on_paper(user("tfoms_admin"), reg_id, "подписано на бумаге")
    assert not off.ok and "не разрешено" in off.message
    monkeypatch.setitem(app_ctx.config, "SIGNING_PAPER_ALLOWED", True)
    assert signing.mark_signed_on_paper(user("mo1_executor"), reg_id, "Бумажный счет от 01.02.2019").ok
    assert status(reg_id) == "На подпись СМО"
    assert not signing.mark_signed_on_paper(user("smo2_specialist"), reg_id, "чужая СМО").ok
    assert not signing.mark_signed_on_paper(user("smo1_specialist"), reg_id, "без права подписи").ok
    assert signing.mark_signed_on_paper(user("smo1_signer"), reg_id, "Подписано СМО на бумаге").ok
    assert status(reg_id) == "Закрыт"
    checks = signing.verify_registry(reg_id)
    assert [c.role for c in checks] == ["paper_mo", "paper_smo"] and all(c.ok for c in checks)
    recorded = [
        e.username
        for e in db.session.query(AuditEvent)
        .filter_by(event="registry_signed", object_id=str(reg_id))
        .order_by(AuditEvent.id)
    ]
    assert recorded == ["mo1_executor", "smo1_signer"]


def test_the_fund_records_paper_signing_with_its_explicit_right(app_ctx, reg_id, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "SIGNING_PAPER_ALLOWED", True)
    assert signing.mark_signed_on_paper(user("tfoms_admin"), reg_id, "Бумажный счет от 01.02.2019").ok
    fund_user = make_user(org_by_code("14"), ROLE_TFOMS)  # no paper right
    assert not signing.mark_signed_on_paper(fund_user, reg_id, "без права").ok
    assert status(reg_id) == "На подпись СМО"


def test_paper_signing_is_off_by_default_in_production():
    import subprocess
    import sys

    code = "import config; print(config.Config.SIGNING_PAPER_ALLOWED)"
    env = {**__import__("os").environ, "DATABASE_URL": "postgresql://x/y"}
    env.pop("SIGNING_PAPER_ALLOWED", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    env = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_signed_zip_has_each_document_and_its_signatures(reg_id, test_pki):
    import io
    import zipfile

    assert _sign("mo1_executor", reg_id, test_pki).ok
    buffer = io.BytesIO()
    signing.write_documents_zip(reg_id, buffer)
    names = zipfile.ZipFile(buffer).namelist()
    docs = documents_of(reg_id)
    for doc in docs:
        assert doc.file_name in names and f"{doc.file_name}.1_executor.sig" in names
    assert len(names) == 2 * len(docs)


def test_passphrase_is_not_recorded(reg_id, test_pki):
    from app.models.audit import AuditEvent

    assert _sign("mo1_executor", reg_id, test_pki).ok
    details = " ".join(e.details or "" for e in db.session.query(AuditEvent).filter_by(event="registry_signed"))
    assert "executor" in details and PASS not in details


def test_the_fund_signs_the_nonresident_registry_it_pays(app_ctx, tmp_path, test_pki):
    """«Иногородние» go to the ТФОМС: its login with the payer's signing right closes them."""
    from app.security.roles import ROLE_TFOMS
    from app.services.accounts.users import UserRuleError, validate_user_organisation
    from app.signing import pki

    fund_signer = make_user(org_by_code("14"), ROLE_TFOMS, rights=("smo_signer",))
    validate_user_organisation(fund_signer)  # allowed for the fund
    with pytest.raises(UserRuleError):
        validate_user_organisation(make_user(org_by_code("140001"), ROLE_MO, rights=("smo_signer",)))
    issued = pki.issue(test_pki.root, "Подписант ТФОМС")
    certificates.register_certificate(fund_signer, issued.der)
    db.session.commit()
    reg_id = registry_for_signing(tmp_path, reg_type="Иногородние", payer="14", payer_login="tfoms_admin")
    for login in ("mo1_executor", "mo1_accountant", "mo1_head"):
        assert _sign(login, reg_id, test_pki).ok
    refused = _sign("smo1_signer", reg_id, test_pki)  # an СМО is not the payer here
    assert not refused.ok and status(reg_id) == "На подпись СМО"
    result = signing.sign_with_pkcs12(fund_signer, reg_id, issued.pkcs12(PASS), PASS)
    assert result.ok and status(reg_id) == "Закрыт", result.message
