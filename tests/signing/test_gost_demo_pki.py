"""The demo PKI with ``DEMO_PKI_ALGORITHM=gost2012_256`` (``oms init-demo`` → ``ensure_demo_signatures``):
a GOST demo CA and signers made by the real ``openssl`` with the GOST engine, registered, and a
registry signed with them the two ways a GOST demo signs (``.sig`` files and the external provider
with the command lines the folder's README.txt gives).  RSA stays the default.

Without the engine the GOST tests skip (in CI they fail: .ci/run installs it)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from app.demo import signatures as demo_pki
from app.extensions import db
from app.models.signing import Certificate, RegistrySigning, TrustRoot
from app.services.signing import certificates
from app.services.signing import registry_signing as signing
from app.signing import pki
from app.signing.certificates import thumbprint_of
from tests.registries.helpers import user
from tests.signing.gost_helpers import command_provider, gost_registry, require_gost_engine, sig_files
from tests.signing.helpers import status

SIGNERS = ["mo1_executor", "mo1_accountant", "mo1_head", "smo1_signer"]


@pytest.fixture()
def demo_config(app_ctx):
    """``DEMO_PKI_ALGORITHM`` and ``DEMO_PASSWORD`` as a test sets them; afterwards the settings are
    restored, the certificates the test registered switched off and its trust roots removed (the
    session's own demo CA stays the only «Демо УЦ ОМС»)."""
    before = {name: app_ctx.config.get(name) for name in ("DEMO_PKI_ALGORITHM", "DEMO_PASSWORD")}
    certs = {c for (c,) in db.session.query(Certificate.id)}
    roots = {r for (r,) in db.session.query(TrustRoot.id)}
    yield app_ctx.config
    app_ctx.config.update(before)
    db.session.rollback()
    db.session.query(Certificate).filter(Certificate.id.notin_(certs)).update(
        {Certificate.active: False}, synchronize_session=False
    )
    db.session.query(TrustRoot).filter(TrustRoot.id.notin_(roots)).delete(synchronize_session=False)
    db.session.commit()


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _thumbprints(folder: Path) -> dict[str, str]:
    return {name: thumbprint_of(_certificate(folder / f"{name}.pem").public_bytes(Encoding.DER)) for name in SIGNERS}


def _readme_setting(folder: Path, name: str) -> str:
    line = next(
        ln for ln in (folder / "README.txt").read_text(encoding="utf-8").splitlines() if ln.startswith(f"{name}=")
    )
    return shlex.split(line.split("=", 1)[1])[0]


def test_rsa_is_the_default_and_an_unknown_algorithm_is_refused(demo_config, tmp_path, monkeypatch):
    monkeypatch.delenv("DEMO_PKI_ALGORITHM", raising=False)
    demo_config.pop("DEMO_PKI_ALGORITHM", None)
    assert demo_pki.demo_algorithm() == pki.RSA
    monkeypatch.setenv("DEMO_PKI_ALGORITHM", "GOST2012_256")  # the environment, any case
    assert demo_pki.demo_algorithm() == pki.GOST2012_256
    demo_config["DEMO_PKI_ALGORITHM"] = "gost2012_512"
    with pytest.raises(demo_pki.DemoPkiError, match="допустимые значения — rsa, gost2012_256"):
        demo_pki.ensure_demo_signatures(tmp_path / "demo-pki")
    assert not (tmp_path / "demo-pki").exists()


def test_the_gost_demo_pki_is_made_registered_and_signs(app_ctx, demo_config, tmp_path):
    require_gost_engine()
    demo_config["DEMO_PKI_ALGORITHM"] = pki.GOST2012_256
    password = demo_config["DEMO_PASSWORD"]
    folder = tmp_path / "demo-pki"
    assert demo_pki.ensure_demo_signatures(folder) == {
        "folder": str(folder),
        "signers": 4,
        "algorithm": pki.GOST2012_256,
    }
    assert demo_pki.signers() == SIGNERS  # tfoms_admin only marks paper
    ca = _certificate(folder / "ca.pem")
    assert pki.algorithm_of(ca) == pki.GOST2012_256 and "Демо УЦ ОМС" in ca.subject.rfc4514_string()
    assert not list(folder.glob("*.p12"))  # pyhanko cannot use GOST keys
    prints = _thumbprints(folder)
    for name in SIGNERS:
        cert = _certificate(folder / f"{name}.pem")
        assert pki.algorithm_of(cert) == pki.GOST2012_256
        assert cert.signature_algorithm_oid.dotted_string == pki.GOST2012_256_SIGNATURE_OID
        assert (folder / f"{name}.key").read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert (folder / "keys" / f"{prints[name]}.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert (folder / "keys" / f"{prints[name]}.key").stat().st_mode & 0o077 == 0
        registered = db.session.query(Certificate).filter_by(user_id=user(name).id, thumbprint=prints[name]).one()
        assert registered.active
    root = db.session.query(TrustRoot).filter_by(thumbprint=thumbprint_of(ca.public_bytes(Encoding.DER))).one()
    assert root.active and root.name == "Демо УЦ ОМС"
    # the folder's README gives the provider's command lines with this key store
    sign_command = _readme_setting(folder, "SIGNING_SIGN_COMMAND")
    assert sign_command == demo_pki.GOST_SIGN_COMMAND % (folder / "keys").resolve()
    assert _readme_setting(folder, "SIGNING_VERIFY_COMMAND") == demo_pki.GOST_VERIFY_COMMAND
    assert _readme_setting(folder, "SIGNING_INTACT_COMMAND") == demo_pki.GOST_INTACT_COMMAND
    # a second run keeps the keys
    demo_pki.ensure_demo_signatures(folder)
    assert _thumbprints(folder) == prints

    reg_id = gost_registry(tmp_path / "files")
    with command_provider(app_ctx, sign_command):
        # the executor signs with their own openssl: <login>.pem and <login>.key with the demo password
        files = sig_files(
            reg_id,
            (folder / "mo1_executor.pem").read_bytes(),
            (folder / "mo1_executor.key").read_bytes(),
            passphrase=password,
        )
        result = signing.sign_with_files(user("mo1_executor"), reg_id, files)
        assert result.ok, result.message
        # the chief accountant and the head by the provider's key store (keys/<THUMBPRINT>.key)
        for name, expected in (("mo1_accountant", "На подпись МО"), ("mo1_head", "На подпись СМО")):
            assert certificates.active_certificates(user(name))[0].thumbprint == prints[name]
            result = signing.sign_with_provider(user(name), reg_id)
            assert result.ok and result.status == expected, result.message
        checks = signing.verify_registry(reg_id)
        assert checks and all(c.ok for c in checks), [c.result for c in checks if not c.ok]
    steps = db.session.query(RegistrySigning).filter_by(registry_id=reg_id).order_by(RegistrySigning.id).all()
    assert [(s.role, s.method, s.certificate.thumbprint) for s in steps] == [
        ("executor", "detached", prints["mo1_executor"]),
        ("chief_accountant", "provider", prints["mo1_accountant"]),
        ("head", "provider", prints["mo1_head"]),
    ]
    assert status(reg_id) == "На подпись СМО"


def test_the_demo_pki_is_made_again_for_a_new_password_or_algorithm(demo_config, tmp_path):
    require_gost_engine()
    folder = tmp_path / "demo-pki"
    demo_config["DEMO_PKI_ALGORITHM"] = pki.GOST2012_256
    demo_pki.ensure_demo_signatures(folder)
    first = _thumbprints(folder)
    demo_config["DEMO_PASSWORD"] = "Другой-Пароль-2026"  # the old keys do not open with it
    demo_pki.ensure_demo_signatures(folder)
    second = _thumbprints(folder)
    assert set(first.values()).isdisjoint(second.values())
    assert sorted(p.stem for p in (folder / "keys").iterdir()) == sorted(second.values())
    demo_config["DEMO_PKI_ALGORITHM"] = pki.RSA  # back to RSA: PKCS#12, no GOST keys
    assert demo_pki.ensure_demo_signatures(folder)["algorithm"] == pki.RSA
    assert pki.algorithm_of(_certificate(folder / "ca.pem")) == pki.RSA
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["README.txt", "ca.pem"] + [f"{n}.{ext}" for n in SIGNERS for ext in ("p12", "pem")]
    )
    assert "<логин>.p12" in (folder / "README.txt").read_text(encoding="utf-8")
