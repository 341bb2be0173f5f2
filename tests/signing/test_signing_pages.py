"""The pages: the signing icon only for the user whose turn it is, signing through the form,
«Эл. Подпись» (users see their own certificates; the fund's administrator registers them),
the signatures ZIP, «Печать», and the demo PKI a newcomer signs with."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from app.extensions import db
from app.models.signing import Certificate, TrustRoot
from app.signing import pki
from app.signing.certificates import thumbprint_of
from tests.registries.helpers import user
from tests.signing.helpers import PASS, make_test_pki, registry_for_signing, status


@pytest.fixture(scope="module")
def test_pki(app):
    with app.app_context():
        return make_test_pki()


@pytest.fixture()
def reg_id(app, tmp_path):
    with app.app_context():
        return registry_for_signing(tmp_path)


def _has_icon(browser, reg_id):
    html = browser.get("/registries/list/?_flt_0_number=&psize_RegistryView=100").get_data(as_text=True)
    return f"/signing/{reg_id}" in html and "sign-registry" in html


def _sign_form(browser, reg_id, p12: bytes, passphrase=PASS):
    browser.fetch_csrf(f"/signing/{reg_id}")
    return browser.post(
        f"/signing/{reg_id}/pkcs12",
        data={"pkcs12": (io.BytesIO(p12), "key.p12"), "passphrase": passphrase},
        content_type="multipart/form-data",
    )


def test_icon_only_for_whose_turn_and_signing_through_the_form(app, reg_id, test_pki, browser_factory):
    executor, accountant = browser_factory("mo1_executor"), browser_factory("mo1_accountant")
    assert _has_icon(executor, reg_id)
    assert not _has_icon(accountant, reg_id)
    assert not _has_icon(browser_factory("mo1_operator"), reg_id)
    page = accountant.get(f"/signing/{reg_id}").get_data(as_text=True)
    assert 'id="sign-pkcs12"' not in page and "Исполнитель" in page
    resp = _sign_form(executor, reg_id, test_pki.p12("mo1_executor"), "wrong")
    assert resp.status_code == 302
    page = executor.get(f"/signing/{reg_id}").get_data(as_text=True)
    assert "неверный пароль" in page and "Подписей пока нет" in page
    _sign_form(executor, reg_id, test_pki.p12("mo1_executor"))
    page = executor.get(f"/signing/{reg_id}").get_data(as_text=True)
    assert "Действительна" in page and "Недействительна" not in page
    assert not _has_icon(executor, reg_id) and _has_icon(accountant, reg_id)
    registry_page = executor.get(f"/registries/documents/{reg_id}").get_data(as_text=True)
    assert 'id="signatures"' in registry_page and "Действительна" in registry_page and "Исполнитель" in registry_page
    zipped = zipfile.ZipFile(io.BytesIO(executor.get(f"/registries/documents/{reg_id}.zip").data))
    assert sum(n.endswith(".1_executor.sig") for n in zipped.namelist()) >= 4
    from tests.api.helpers import Api

    api = Api.with_key(app, browser_factory, "mo1_executor")
    api_zip = zipfile.ZipFile(io.BytesIO(api.get(f"/api/v1/mis/registries/{reg_id}/documents.zip").data)).namelist()
    assert sorted(api_zip) == sorted(zipped.namelist())
    printed = executor.get(f"/signing/{reg_id}/print").get_data(as_text=True)
    assert "Лист подписания" in printed and "Исполнитель" in printed


def test_foreign_mo_cannot_open_or_post_the_signing_page(app, reg_id, test_pki, browser_factory):
    other = browser_factory("mo2_operator")
    assert other.get(f"/signing/{reg_id}").status_code == 404
    assert _sign_form(other, reg_id, test_pki.p12("mo1_executor")).status_code == 404
    with app.app_context():
        assert status(reg_id) == "На подпись МО"


def test_paper_form_for_the_signer_of_the_step(app, reg_id, browser_factory, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_PAPER_ALLOWED", True)
    assert 'id="sign-paper"' not in browser_factory("smo1_specialist").get(f"/signing/{reg_id}").get_data(as_text=True)
    smo = browser_factory("mo1_executor")
    page = smo.get(f"/signing/{reg_id}").get_data(as_text=True)
    assert 'id="sign-paper"' in page
    smo.fetch_csrf(f"/signing/{reg_id}")
    smo.post(f"/signing/{reg_id}/paper", data={"comment": "Счет подписан на бумаге 01.02"})
    with app.app_context():
        assert status(reg_id) == "На подпись СМО"
    mo_page = browser_factory("mo1_operator").get(f"/signing/{reg_id}").get_data(as_text=True)
    assert 'id="sign-paper"' not in mo_page
    payer_page = browser_factory("smo1_signer").get(f"/signing/{reg_id}").get_data(as_text=True)
    assert 'id="sign-paper"' in payer_page


def test_users_see_their_own_certificates_the_admin_all(app, test_pki, browser_factory):
    mine = thumbprint_of(test_pki.signers["mo1_executor"].der)
    theirs = thumbprint_of(test_pki.signers["mo1_accountant"].der)
    page = browser_factory("mo1_executor").get("/certificates/list/?psize_CertificateView=100").get_data(as_text=True)
    assert mine in page and theirs not in page
    page = browser_factory("tfoms_admin").get("/certificates/list/?psize_CertificateView=100").get_data(as_text=True)
    assert mine in page and theirs in page and "Исполнитель" in page


def test_only_the_admin_registers_certificates_and_roots(app, test_pki, browser_factory):
    issued = pki.issue(test_pki.root, "Новый сертификат")
    with app.app_context():
        target = user("mo1_operator").id
    operator = browser_factory("mo1_operator")
    operator.fetch_csrf("/certificates/list/")
    resp = operator.post(
        "/certificates/upload",
        data={"user_id": str(target), "certificate": (io.BytesIO(issued.pem), "c.pem")},
        content_type="multipart/form-data",
    )
    assert resp.status_code in (302, 403)
    with app.app_context():
        assert db.session.query(Certificate).filter_by(thumbprint=thumbprint_of(issued.der)).count() == 0
    admin = browser_factory("tfoms_admin")
    admin.fetch_csrf("/certificates/upload")
    resp = admin.post(
        "/certificates/upload",
        data={"user_id": str(target), "certificate": (io.BytesIO(issued.der), "c.cer")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    bad = admin.post(
        "/certificates/upload",
        data={"user_id": str(target), "certificate": (io.BytesIO(b"junk"), "c.cer")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "не является сертификатом" in bad.get_data(as_text=True)
    root = pki.make_ca("Ещё один УЦ")
    admin.post(
        "/trust-roots/upload",
        data={"name": "Ещё один УЦ", "certificate": (io.BytesIO(root.pem), "r.pem")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        cert = db.session.query(Certificate).filter_by(thumbprint=thumbprint_of(issued.der)).one()
        assert cert.user_id == target and "Новый сертификат" in cert.subject
        assert db.session.query(TrustRoot).filter_by(thumbprint=thumbprint_of(root.der)).one().name == "Ещё один УЦ"


def test_demo_signers_sign_with_the_demo_pkcs12(app, reg_id):
    from app.services.signing import registry_signing as signing

    with app.app_context():
        folder = Path(app.config["DEMO_PKI_DIR"])
        password = app.config["DEMO_PASSWORD"]
        assert (folder / "ca.pem").exists() and (folder / "README.txt").exists()
        for login in ("mo1_executor", "mo1_accountant", "mo1_head"):
            result = signing.sign_with_pkcs12(user(login), reg_id, (folder / f"{login}.p12").read_bytes(), password)
            assert result.ok, result.message
        assert status(reg_id) == "На подпись СМО"
        result = signing.sign_with_pkcs12(
            user("smo1_signer"), reg_id, (folder / "smo1_signer.p12").read_bytes(), password
        )
        assert result.ok and status(reg_id) == "Закрыт"
        demo_root = db.session.query(TrustRoot).filter_by(name="Демо УЦ ОМС").one()
        assert re.fullmatch(r"[0-9A-F]{40}", demo_root.thumbprint)
