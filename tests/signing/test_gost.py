"""GOST R 34.10-2012 (256 bit) signatures with the real ``openssl`` and the GOST engine (Debian's
``libengine-gost-openssl``) through the external-command provider, configured with the command
lines of the README: a registry signed by executor, chief accountant and head (by the provider's
key store and by ``.sig`` files) goes on to «На подпись СМО» and is closed by the СМО's signer; a
tampered document, a signer of a foreign CA and the default pyhanko provider are refused.

Without the engine these tests skip (in CI they fail: .ci/run installs it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from app.models.registry import RegistryDocument
from app.models.signing import RegistrySigning
from app.security.roles import ROLE_MO
from app.services.registries.documents import documents_of
from app.services.signing import certificates
from app.services.signing import registry_signing as signing
from app.signing import pki
from app.signing.certificates import parse_certificate, thumbprint_of
from app.signing.cms import read_facts
from app.signing.providers import CommandProvider, PyhankoProvider
from tests.factories import make_user, org_by_code
from tests.registries.helpers import user
from tests.signing.gost_helpers import (
    GOST_INTACT_COMMAND,
    GOST_SIGN_COMMAND,
    GOST_VERIFY_COMMAND,
    command_provider,
    gost_registry,
    make_gost_pki,
    require_gost_engine,
    sig_files,
    switch_off,
)
from tests.signing.helpers import status

README = Path(__file__).resolve().parents[2] / "README.md"
UNTRUSTED = "certificate verify error"  # openssl cms -verify: the signer does not chain to -CAfile
NOT_TRUSTED = "сертификат не связан с доверенным корневым сертификатом региона"
CHANGED = "подпись не соответствует документу"


@pytest.fixture(scope="module")
def gost(app, tmp_path_factory):
    require_gost_engine()
    with app.app_context():
        made = make_gost_pki(tmp_path_factory.mktemp("gost-keystore"))
    yield made
    with app.app_context():
        switch_off(made.thumbprints(), [made.root.der])


@pytest.fixture(scope="module")
def refused_reg(app, tmp_path_factory, gost):
    """One registry in «На подпись МО» for the refusals: a refused signing changes nothing."""
    with app.app_context():
        return gost_registry(tmp_path_factory.mktemp("gost-refused"))


def _steps(reg_id):
    return db.session.query(RegistrySigning).filter_by(registry_id=reg_id).order_by(RegistrySigning.id).all()


def test_the_readme_gives_the_tested_gost_command_lines():
    """The README's OpenSSL + GOST lines are the ones these tests run (the key store as /keys)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Электронная подпись") :]
    section = section[: section.index("\n## ", 1)]
    assert f"SIGNING_SIGN_COMMAND='{GOST_SIGN_COMMAND % '/keys'}'" in section
    assert f"SIGNING_VERIFY_COMMAND='{GOST_VERIFY_COMMAND}'" in section
    assert f"SIGNING_INTACT_COMMAND='{GOST_INTACT_COMMAND}'" in section
    assert "DEMO_PKI_ALGORITHM=gost2012_256" in section and "cryptcp" in section


def test_gost_certificates_and_signatures_are_read(gost):
    signer = gost.signers["mo1_executor"]
    info = parse_certificate(signer.pem)
    assert info == parse_certificate(signer.der)
    assert "ГОСТ mo1_executor" in info.subject and "Тестовый УЦ ГОСТ" in info.issuer
    assert re.fullmatch(r"[0-9A-F]{40}", info.thumbprint) and info.thumbprint == thumbprint_of(signer.der)
    assert pki.algorithm_of(signer.cert) == pki.GOST2012_256
    assert signer.cert.signature_algorithm_oid.dotted_string == pki.GOST2012_256_SIGNATURE_OID
    signature = CommandProvider(sign_command=gost.sign_command).signer(signer.der, info.thumbprint).sign(b"doc")
    facts = read_facts(signature)
    assert facts.detached and facts.signer_der == signer.der and facts.signing_time is not None


def test_the_gost_provider_verdicts(gost):
    signer = gost.signers["mo1_head"]
    provider = CommandProvider(sign_command=gost.sign_command, verify_command=GOST_VERIFY_COMMAND)
    signature = provider.signer(signer.der, thumbprint_of(signer.der)).sign(b"registry bytes")
    ok = provider.verify(b"registry bytes", signature, [gost.root.der])
    assert ok.intact and ok.trusted and ok.problem is None and ok.signer_der == signer.der
    tampered = provider.verify(b"registry bytez", signature, [gost.root.der])
    assert not tampered.intact and not tampered.trusted and "verification failure" in tampered.problem
    foreign = provider.verify(b"registry bytes", signature, [gost.foreign_root.der])
    assert not foreign.trusted and UNTRUSTED in foreign.problem and "unable to get local issuer" in foreign.problem
    assert not foreign.intact  # one command, one verdict: the chain and the document cannot be told apart
    # with the integrity-only command the two refusals differ
    telling = CommandProvider(verify_command=GOST_VERIFY_COMMAND, intact_command=GOST_INTACT_COMMAND)
    assert telling.verify(b"registry bytes", signature, [gost.root.der]).trusted
    foreign = telling.verify(b"registry bytes", signature, [gost.foreign_root.der])
    assert foreign.intact and not foreign.trusted and UNTRUSTED in foreign.problem
    tampered = telling.verify(b"registry bytez", signature, [gost.foreign_root.der])
    assert not tampered.intact and not tampered.trusted
    # pyhanko has no GOST: the default provider cannot verify these signatures
    assert not PyhankoProvider().verify(b"registry bytes", signature, [gost.root.der]).intact


def test_a_registry_signed_with_gost_goes_on_and_closes(app_ctx, tmp_path, gost):
    reg_id = gost_registry(tmp_path)
    docs = documents_of(reg_id)
    assert len(docs) >= 4
    with command_provider(app_ctx, gost.sign_command):
        for login in ("mo1_executor", "mo1_head"):
            newest = certificates.active_certificates(user(login))[0]
            assert newest.thumbprint == thumbprint_of(gost.signers[login].der)
        result = signing.sign_with_provider(user("mo1_executor"), reg_id)
        assert result.ok and result.status == "На подпись МО", result.message
        accountant = gost.signers["mo1_accountant"]
        result = signing.sign_with_files(
            user("mo1_accountant"), reg_id, sig_files(reg_id, accountant.pem, accountant.key_pem())
        )
        assert result.ok and result.status == "На подпись МО", result.message
        result = signing.sign_with_provider(user("mo1_head"), reg_id)
        assert result.ok and result.status == "На подпись СМО", result.message
        assert status(reg_id) == "На подпись СМО"
        smo = gost.signers["smo1_signer"]
        result = signing.sign_with_files(user("smo1_signer"), reg_id, sig_files(reg_id, smo.pem, smo.key_pem()))
        assert result.ok and result.status == "Закрыт", result.message
        steps = _steps(reg_id)
        assert [(s.role, s.method) for s in steps] == [
            ("executor", "provider"),
            ("chief_accountant", "detached"),
            ("head", "provider"),
            ("smo_signer", "detached"),
        ]
        assert [s.certificate.thumbprint for s in steps] == [
            thumbprint_of(gost.signers[login].der)
            for login in ("mo1_executor", "mo1_accountant", "mo1_head", "smo1_signer")
        ]
        assert all(len(s.signatures) == len(docs) for s in steps)
        checks = signing.verify_registry(reg_id)
        assert len(checks) == 4 * len(docs) and all(c.ok for c in checks), [c.result for c in checks if not c.ok]
        # one byte of a stored document changed: its four signatures read as invalid, the others stay valid
        doc = db.session.query(RegistryDocument).filter_by(registry_id=reg_id, kind="invoice").one()
        path = Path(doc.path)
        content = path.read_bytes()
        path.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))
        checks = signing.verify_registry(reg_id)
        bad = [c for c in checks if not c.ok]
        assert [c.document for c in bad] == ["Счет"] * 4, [c.result for c in bad]
        assert all("не соответствует документу" in c.result for c in bad)
    assert status(reg_id) == "Закрыт"


def test_a_gost_signature_of_a_tampered_document_is_refused(app_ctx, refused_reg, gost):
    reg_id = refused_reg
    executor = gost.signers["mo1_executor"]
    with command_provider(app_ctx, gost.sign_command):
        files = sig_files(reg_id, executor.pem, executor.key_pem(), tamper="invoice")
        result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
    assert not result.ok and "«Счет»" in result.message and "не соответствует документу" in result.message
    assert "verification failure" in result.message  # openssl's own words
    assert _steps(reg_id) == [] and status(reg_id) == "На подпись МО"


def test_a_gost_signer_of_a_foreign_ca_is_refused(app_ctx, refused_reg, gost):
    reg_id = refused_reg
    foreign = gost.foreign_signer
    with command_provider(app_ctx, gost.sign_command):
        # .sig files of mo1_executor's registered certificate from the foreign CA
        files = sig_files(reg_id, foreign.pem, foreign.key_pem())
        result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
        # refused for the chain (SIGNING_INTACT_COMMAND tells it from a changed document), in openssl's words
        assert not result.ok and NOT_TRUSTED in result.message and UNTRUSTED in result.message, result.message
        assert CHANGED not in result.message
        # the provider signs for an executor whose only certificate is of the foreign CA
        stranger = make_user(org_by_code("140001"), ROLE_MO, rights=("executor",))
        certificates.register_certificate(stranger, foreign.der)
        db.session.commit()
        result = signing.sign_with_provider(stranger, reg_id)
        assert not result.ok and NOT_TRUSTED in result.message and UNTRUSTED in result.message, result.message
    with command_provider(app_ctx, gost.sign_command, intact_command=""):
        # without it the refusal reads as a changed document, openssl's words naming the chain
        result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
        assert not result.ok and CHANGED in result.message and UNTRUSTED in result.message, result.message
        certificates.active_certificates(stranger)[0].active = False
        db.session.commit()
    assert _steps(reg_id) == [] and status(reg_id) == "На подпись МО"


def test_gost_signatures_need_the_command_provider(app_ctx, refused_reg, gost):
    """With the default provider (pyhanko) an intact GOST signature cannot be verified: refused."""
    reg_id = refused_reg
    assert app_ctx.config["SIGNING_PROVIDER"] == "pyhanko"
    executor = gost.signers["mo1_executor"]
    result = signing.sign_with_files(user("mo1_executor"), reg_id, sig_files(reg_id, executor.pem, executor.key_pem()))
    assert not result.ok and "не соответствует документу" in result.message, result.message
    assert _steps(reg_id) == [] and status(reg_id) == "На подпись МО"
