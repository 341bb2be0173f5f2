"""The signature providers: pyhanko, and the external-command provider run with the real
``openssl cms`` and RSA keys (the way a GOST provider such as CryptoPro is plugged in)."""

from __future__ import annotations

import shutil

import pytest

from app.extensions import db
from app.models.signing import RegistrySigning
from app.security.roles import ROLE_MO
from app.services.signing import certificates
from app.services.signing import registry_signing as signing
from app.signing import pki
from app.signing.certificates import CertificateError, parse_certificate, thumbprint_of
from app.signing.cms import SignatureFormatError, read_facts
from app.signing.providers import CommandProvider, Pkcs12Signer, PyhankoProvider, SigningError
from tests.factories import make_user, org_by_code
from tests.signing.helpers import PASS, make_test_pki, registry_for_signing, status

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

SIGN = (
    "openssl cms -sign -binary -md sha256 -nosmimecap -in {data} -signer {cert} "
    "-inkey %s/{thumbprint}.key -outform DER -out {signature}"
)
VERIFY = (
    "openssl cms -verify -binary -inform DER -in {signature} -content {data} -CAfile {roots} "
    "-purpose any -attime {attime} -out /dev/null"
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """A CA and a signer whose key sits in the provider's own key store (a folder here)."""
    store = tmp_path_factory.mktemp("keystore")
    root = pki.make_ca("УЦ провайдера")
    signer = pki.issue(root, "Подписант провайдера")
    (store / f"{thumbprint_of(signer.der)}.key").write_bytes(signer.key_pem())
    return root, signer, store


def _provider(store):
    return CommandProvider(sign_command=SIGN % store, verify_command=VERIFY)


def test_certificate_fields_from_pem_and_der(keys):
    root, signer, _ = keys
    pem, der = parse_certificate(signer.pem), parse_certificate(signer.der)
    assert pem == der
    assert "Подписант провайдера" in pem.subject and "УЦ провайдера" in pem.issuer
    assert pem.thumbprint == thumbprint_of(signer.der) and len(pem.thumbprint) == 40
    assert pem.serial == format(signer.cert.serial_number, "X") and pem.not_before < pem.not_after
    with pytest.raises(CertificateError):
        parse_certificate(b"garbage")


def test_openssl_signs_and_verifies_and_pyhanko_agrees(keys):
    root, signer, store = keys
    provider = _provider(store)
    signature = provider.signer(signer.der, thumbprint_of(signer.der)).sign(b"document bytes")
    facts = read_facts(signature)
    assert facts.detached and facts.signer_der == signer.der and facts.signing_time is not None
    ok = provider.verify(b"document bytes", signature, [root.der])
    assert ok.intact and ok.trusted and ok.signer_der == signer.der
    assert PyhankoProvider().verify(b"document bytes", signature, [root.der]).trusted
    tampered = provider.verify(b"document bytez", signature, [root.der])
    assert not tampered.intact and tampered.problem
    stranger = pki.make_ca("Чужой")
    assert not provider.verify(b"document bytes", signature, [stranger.der]).trusted


def test_openssl_verifies_a_pyhanko_signature(keys):
    root, signer, store = keys
    signature = Pkcs12Signer(signer.pkcs12(PASS), PASS).sign(b"abc")
    assert _provider(store).verify(b"abc", signature, [root.der]).trusted
    assert not _provider(store).verify(b"abd", signature, [root.der]).intact


def test_a_failing_sign_command_is_a_clear_error(keys):
    _, signer, _ = keys
    provider = CommandProvider(sign_command="openssl cms -sign -in {data} -signer /nonexistent -out {signature}")
    with pytest.raises(SigningError, match="не подписал"):
        provider.signer(signer.der, "X").sign(b"x")
    with pytest.raises(SignatureFormatError):
        read_facts(b"\x30\x03\x02\x01\x01")


def test_registry_signed_through_the_command_provider(app_ctx, tmp_path, keys):
    root, signer, store = keys
    make_test_pki()  # the other signers of the registry
    certificates.add_trust_root(root.pem, "УЦ провайдера")
    executor = make_user(org_by_code("140001"), ROLE_MO, rights=("executor",))
    certificates.register_certificate(executor, signer.der)
    db.session.commit()
    reg_id = registry_for_signing(tmp_path)
    app_ctx.config.update(SIGNING_PROVIDER="command", SIGNING_SIGN_COMMAND=SIGN % store, SIGNING_VERIFY_COMMAND=VERIFY)
    try:
        result = signing.sign_with_provider(executor, reg_id)
        assert result.ok, result.message
        step = db.session.query(RegistrySigning).filter_by(registry_id=reg_id).one()
        assert step.method == "provider" and step.role == "executor"
        checks = signing.verify_registry(reg_id)
        assert checks and all(c.ok for c in checks), [c.result for c in checks]
    finally:
        app_ctx.config.update(SIGNING_PROVIDER="pyhanko", SIGNING_SIGN_COMMAND="", SIGNING_VERIFY_COMMAND="")
    assert status(reg_id) == "На подпись МО"
