"""The demo PKI: a demo CA (a trust root of the region) and, for each demo signer, a registered
certificate and its key in ``DEMO_PKI_DIR`` (``instance/demo-pki/`` by default), so a newcomer can
sign at once.  Re-running keeps the files that exist and registers them again.

``DEMO_PKI_ALGORITHM`` chooses the keys:

- ``rsa`` (the default): RSA made with ``cryptography``, one PKCS#12 per signer (passphrase =
  ``DEMO_PASSWORD``), signed on the page with the PKCS#12 (pyhanko);
- ``gost2012_256``: GOST R 34.10-2012 (256 bit) made by ``openssl`` with the GOST engine (package
  ``libengine-gost-openssl``).  pyhanko cannot sign or verify GOST, so there is no PKCS#12: each
  signer has ``<login>.pem`` (its certificate) and ``<login>.key`` (its key, encrypted with
  ``DEMO_PASSWORD``) for ``.sig`` files made with ``openssl cms -sign -engine gost``, and
  ``keys/<THUMBPRINT>.key`` (the same key, not encrypted) as the key store of the external provider
  (``SIGNING_PROVIDER=command``, the command lines are in the folder's README.txt).  The region then
  verifies with ``SIGNING_PROVIDER=command`` as well."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from flask import current_app

from app.demo.accounts import DEMO_LOGINS
from app.extensions import db
from app.models.user import OmsUser
from app.models.vocabulary import SigningRight
from app.services.signing.certificates import add_trust_root, register_certificate
from app.signing import pki
from app.signing.certificates import thumbprint_of

CA_NAME = "Демо УЦ ОМС"
README = """Демонстрационные ключи электронной подписи (не для реальной работы).

ca.pem            — корневой сертификат демо-УЦ (настроен как доверенный корневой сертификат)
<логин>.p12       — сертификат и закрытый ключ подписанта, пароль — значение DEMO_PASSWORD
<логин>.pem       — сертификат подписанта (зарегистрирован за пользователем)

Подписать реестр в статусе «На подпись МО»: войти как mo1_executor, затем mo1_accountant, затем
mo1_head; в «На подпись СМО» — smo1_signer. На вкладке «Текущие реестры» в столбце «Действие»
нажать значок подписи и выбрать файл <логин>.p12.
"""
GOST_README = """Демонстрационные ключи электронной подписи ГОСТ Р 34.10-2012 (256 бит) — не для реальной работы.
Сделаны командой openssl с GOST-движком (пакет libengine-gost-openssl); pyhanko ГОСТ не
подписывает, поэтому файлов PKCS#12 нет.

ca.pem                 — корневой сертификат демо-УЦ (настроен как доверенный корневой сертификат)
<логин>.pem            — сертификат подписанта (зарегистрирован за пользователем)
<логин>.key            — закрытый ключ подписанта, зашифрован паролем DEMO_PASSWORD
keys/<отпечаток>.key   — те же ключи без пароля: хранилище ключей внешнего провайдера подписи

Проверка подписей ГОСТ и подписание «средством электронной подписи» на сервере — внешним
провайдером (переменные окружения сервера):

SIGNING_PROVIDER=command
SIGNING_SIGN_COMMAND='{sign}'
SIGNING_VERIFY_COMMAND='{verify}'
SIGNING_INTACT_COMMAND='{intact}'

Подписать реестр в статусе «На подпись МО»: войти как mo1_executor, затем mo1_accountant, затем
mo1_head; в «На подпись СМО» — smo1_signer; на странице подписи — «Подписать средством электронной
подписи», или загрузить файлы <имя документа>.sig, сделанные так:

openssl cms -sign -engine gost -binary -md md_gost12_256 -nosmimecap -cades -in <документ> \\
    -signer <логин>.pem -inkey <логин>.key -passin pass:<DEMO_PASSWORD> -outform DER -out <документ>.sig
"""
#: the command lines of the external provider with OpenSSL and the GOST engine (README, «Электронная подпись»)
GOST_SIGN_COMMAND = (
    "openssl cms -sign -engine gost -binary -md md_gost12_256 -nosmimecap -cades -in {data} "
    "-signer {cert} -inkey %s/{thumbprint}.key -outform DER -out {signature}"
)
GOST_VERIFY_COMMAND = (
    "openssl cms -verify -engine gost -binary -inform DER -in {signature} -content {data} "
    "-CAfile {roots} -purpose any -attime {attime} -out /dev/null"
)
# the signature against the document only (-noverify: the signer's chain is not checked)
GOST_INTACT_COMMAND = (
    "openssl cms -verify -engine gost -binary -inform DER -in {signature} -content {data} -noverify -out /dev/null"
)
_KEY_RIGHTS = {r.value for r in SigningRight} - {SigningRight.PAPER.value}  # the paper mark needs no key


class DemoPkiError(click.ClickException):
    """The demo PKI cannot be made as configured (an unknown algorithm, no GOST engine)."""


def signers() -> list[str]:
    """The demo logins that sign with a key (not those who only record a signing on paper)."""
    return [login.username for login in DEMO_LOGINS if set(login.rights) & _KEY_RIGHTS]


def demo_algorithm() -> str:
    """``DEMO_PKI_ALGORITHM`` from the app's configuration or the environment: ``rsa`` (the
    default) or ``gost2012_256``."""
    value = (
        (current_app.config.get("DEMO_PKI_ALGORITHM") or os.environ.get("DEMO_PKI_ALGORITHM") or pki.RSA)
        .strip()
        .lower()
    )
    if value not in pki.ALGORITHMS:
        raise DemoPkiError(f"DEMO_PKI_ALGORITHM={value!r}: допустимые значения — {', '.join(pki.ALGORITHMS)}")
    return value


def _user(name: str) -> OmsUser:
    return db.session.query(OmsUser).filter_by(username=name).one()


def _subject(name: str) -> tuple[str, str]:
    user = _user(name)
    return f"{user.last_name} {user.first_name} ({name})", user.organisation.name if user.organisation else "ОМС"


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    """Whether ``cert`` names ``ca``'s key as its issuer's (AKI = SKI): the demo CAs share a name."""
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return False
    return aki == ski


def _ca(folder: Path, algorithm: str) -> x509.Certificate | None:
    try:
        ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    except (OSError, ValueError):
        return None
    return ca if pki.algorithm_of(ca) == algorithm else None


# -- RSA: PKCS#12 ------------------------------------------------------------------------------------
def _generate(folder: Path, names: list[str], password: str) -> None:
    ca = pki.make_ca(CA_NAME)
    (folder / "ca.pem").write_bytes(ca.pem)
    for name in names:
        issued = pki.issue(ca, *_subject(name))
        (folder / f"{name}.p12").write_bytes(issued.pkcs12(password, name, ca))
        (folder / f"{name}.pem").write_bytes(issued.pem)
        (folder / f"{name}.key").unlink(missing_ok=True)  # left by a GOST demo PKI
    shutil.rmtree(folder / "keys", ignore_errors=True)
    (folder / "README.txt").write_text(README, encoding="utf-8")


def _certificates(folder: Path, names: list[str], password: str) -> dict[str, bytes] | None:
    """Each signer's certificate (DER) from its PKCS#12, or None when a file is missing, does not
    open with the current DEMO_PASSWORD or was not issued by the RSA CA of ca.pem."""
    ca = _ca(folder, pki.RSA)
    if ca is None:
        return None
    out = {}
    for name in names:
        try:
            _key, cert, _others = pkcs12.load_key_and_certificates(
                (folder / f"{name}.p12").read_bytes(), password.encode()
            )
        except (OSError, ValueError):
            return None
        if cert is None or not _issued_by(cert, ca):
            return None
        out[name] = cert.public_bytes(Encoding.DER)
    return out


# -- GOST R 34.10-2012: openssl with the GOST engine ----------------------------------------------------
def _private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _generate_gost(folder: Path, names: list[str], password: str) -> None:
    problem = pki.gost_engine_problem()
    if problem:
        raise DemoPkiError(f"DEMO_PKI_ALGORITHM={pki.GOST2012_256}: {problem}")
    keys = folder / "keys"
    shutil.rmtree(keys, ignore_errors=True)
    keys.mkdir(mode=0o700)
    ca = pki.make_gost_ca(CA_NAME)
    (folder / "ca.pem").write_bytes(ca.pem)
    for name in names:
        issued = pki.issue_gost(ca, *_subject(name))
        (folder / f"{name}.pem").write_bytes(issued.pem)
        _private(folder / f"{name}.key", issued.encrypted_key_pem(password))
        _private(keys / f"{thumbprint_of(issued.der)}.key", issued.key_pem())
        (folder / f"{name}.p12").unlink(missing_ok=True)  # left by an RSA demo PKI
    readme = GOST_README.format(
        sign=GOST_SIGN_COMMAND % keys.resolve(), verify=GOST_VERIFY_COMMAND, intact=GOST_INTACT_COMMAND
    )
    (folder / "README.txt").write_text(readme, encoding="utf-8")


def _gost_certificates(folder: Path, names: list[str], password: str) -> dict[str, bytes] | None:
    """Each signer's certificate (DER) of a GOST demo PKI, or None when a file is missing, a key does
    not open with the current DEMO_PASSWORD or a certificate was not issued by the GOST CA."""
    ca = _ca(folder, pki.GOST2012_256)
    if ca is None:
        return None
    out = {}
    for name in names:
        try:
            cert = x509.load_pem_x509_certificate((folder / f"{name}.pem").read_bytes())
        except (OSError, ValueError):
            return None
        der = cert.public_bytes(Encoding.DER)
        if (
            pki.algorithm_of(cert) != pki.GOST2012_256
            or not _issued_by(cert, ca)
            or not (folder / "keys" / f"{thumbprint_of(der)}.key").exists()
        ):
            return None
        try:
            pki.openssl(
                [
                    "pkey",
                    "-engine",
                    "gost",
                    "-in",
                    str(folder / f"{name}.key"),
                    "-passin",
                    "env:OMS_PKI_PASS",
                    "-noout",
                ],
                passphrase=password,
            )
        except pki.PkiError:
            return None
        out[name] = der
    return out


def ensure_demo_signatures(folder: Path | None = None) -> dict:
    folder = Path(folder or current_app.config["DEMO_PKI_DIR"])
    password = current_app.config["DEMO_PASSWORD"]
    algorithm = demo_algorithm()
    folder.mkdir(parents=True, exist_ok=True)
    names = signers()
    read, generate = (
        (_gost_certificates, _generate_gost) if algorithm == pki.GOST2012_256 else (_certificates, _generate)
    )
    certs = read(folder, names, password)
    if certs is None:
        generate(folder, names, password)
        certs = read(folder, names, password)
    if certs is None:
        raise DemoPkiError(f"Демо-ключи в {folder} не читаются после создания")
    add_trust_root((folder / "ca.pem").read_bytes(), CA_NAME)
    for name, der in certs.items():
        register_certificate(_user(name), der)
    db.session.commit()
    return {"folder": str(folder), "signers": len(names), "algorithm": algorithm}
