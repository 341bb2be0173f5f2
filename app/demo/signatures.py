"""The demo PKI: a demo CA (a trust root of the region) and, for each demo signer, a registered
certificate and its PKCS#12 file (passphrase = ``DEMO_PASSWORD``) in ``DEMO_PKI_DIR``
(``instance/demo-pki/`` by default), so a newcomer can sign at once.  Re-running keeps the files
that exist and registers them again."""
from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from flask import current_app

from app.extensions import db
from app.models.user import OmsUser
from app.demo.accounts import DEMO_LOGINS
from app.services.signing.certificates import add_trust_root, register_certificate
from app.signing import pki

CA_NAME = "Демо УЦ ОМС"
README = """Демонстрационные ключи электронной подписи (не для реальной работы).

ca.pem            — корневой сертификат демо-УЦ (настроен как доверенный корневой сертификат)
<логин>.p12       — сертификат и закрытый ключ подписанта, пароль — значение DEMO_PASSWORD
<логин>.pem       — сертификат подписанта (зарегистрирован за пользователем)

Подписать реестр в статусе «На подпись МО»: войти как mo1_executor, затем mo1_accountant, затем
mo1_head; в «На подпись СМО» — smo1_signer. На вкладке «Текущие реестры» в столбце «Действие»
нажать значок подписи и выбрать файл <логин>.p12.
"""


def signers() -> list[str]:
    return [login.username for login in DEMO_LOGINS if login.rights]


def _generate(folder: Path, names: list[str], password: str) -> None:
    ca = pki.make_ca(CA_NAME)
    (folder / "ca.pem").write_bytes(ca.pem)
    for name in names:
        user = db.session.query(OmsUser).filter_by(username=name).one()
        org = user.organisation.name if user.organisation else "ОМС"
        issued = pki.issue(ca, f"{user.last_name} {user.first_name} ({name})", org)
        (folder / f"{name}.p12").write_bytes(issued.pkcs12(password, name, ca))
        (folder / f"{name}.pem").write_bytes(issued.pem)
    (folder / "README.txt").write_text(README, encoding="utf-8")


def _certificates(folder: Path, names: list[str], password: str) -> dict[str, bytes] | None:
    """Each signer's certificate (DER) from its PKCS#12, or None when a file is missing or does not
    open with the current DEMO_PASSWORD."""
    if not (folder / "ca.pem").exists():
        return None
    out = {}
    for name in names:
        try:
            _key, cert, _others = pkcs12.load_key_and_certificates((folder / f"{name}.p12").read_bytes(),
                                                                   password.encode())
        except (OSError, ValueError):
            return None
        out[name] = cert.public_bytes(Encoding.DER)
    return out


def ensure_demo_signatures(folder: Path | None = None) -> dict:
    folder = Path(folder or current_app.config["DEMO_PKI_DIR"])
    password = current_app.config["DEMO_PASSWORD"]
    folder.mkdir(parents=True, exist_ok=True)
    names = signers()
    certs = _certificates(folder, names, password)
    if certs is None:
        _generate(folder, names, password)
        certs = _certificates(folder, names, password)
    add_trust_root((folder / "ca.pem").read_bytes(), CA_NAME)
    for name, der in certs.items():
        register_certificate(db.session.query(OmsUser).filter_by(username=name).one(), der)
    db.session.commit()
    return {"folder": str(folder), "signers": len(names)}
