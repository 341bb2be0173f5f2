"""GOST R 34.10-2012 for the signing tests: the engine check (skip locally, fail in CI), a GOST PKI
made by the real ``openssl`` with the GOST engine, ``.sig`` files made by ``openssl cms -sign`` (the
user's own tool) and the external provider configured with the command lines of the README."""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import pytest

from app.demo.signatures import GOST_INTACT_COMMAND, GOST_SIGN_COMMAND, GOST_VERIFY_COMMAND
from app.extensions import db
from app.models.signing import Certificate, TrustRoot
from app.services.registries import workflow as wf
from app.services.registries.documents import documents_of
from app.services.registries.formation import form_registries
from app.services.signing import certificates
from app.signing import pki
from app.signing.certificates import thumbprint_of
from tests.conftest import _ci
from tests.registries.helpers import demo, load, user

SIGNERS = ("mo1_executor", "mo1_accountant", "mo1_head", "smo1_signer")
#: what a signer runs to make ``<document>.sig`` (the README's line with the file names filled in)
SIG_COMMAND = (
    "openssl cms -sign -engine gost -binary -md md_gost12_256 -nosmimecap -cades -in {data} "
    "-signer {cert} -inkey {key} -outform DER -out {signature}"
)
# periods no other test forms registries for (tests/signing/helpers.py has its own)
_periods = iter([(2022, 12), (2025, 1), (2025, 2), (2026, 3), (2026, 4), (2026, 5)])


def require_gost_engine() -> None:
    """Skip the test when ``openssl`` has no GOST engine here; in CI (``CI`` set) fail instead,
    since CI installs it (.ci/run) and must test GOST."""
    problem = pki.gost_engine_problem()
    if problem is None:
        return
    if _ci():
        pytest.fail(f"CI must test GOST R 34.10-2012 signatures, but {problem}", pytrace=False)
    pytest.skip(f"GOST R 34.10-2012 is not testable here: {problem} (CI installs it)")


@dataclass
class GostPki:
    """A GOST root (a trust root), one GOST signer per demo signing login, the key store of the
    external provider (a folder of ``<THUMBPRINT>.key``), and a signer of a foreign GOST CA."""

    root: pki.GostIssued
    store: Path
    signers: dict[str, pki.GostIssued] = field(default_factory=dict)
    foreign_root: Optional[pki.GostIssued] = None
    foreign_signer: Optional[pki.GostIssued] = None

    @property
    def sign_command(self) -> str:
        return GOST_SIGN_COMMAND % self.store

    def keep(self, issued: pki.GostIssued) -> None:
        key = self.store / f"{thumbprint_of(issued.der)}.key"
        key.write_bytes(issued.key_pem())
        key.chmod(0o600)

    def thumbprints(self) -> list[str]:
        issued = [*self.signers.values(), self.foreign_signer]
        return [thumbprint_of(i.der) for i in issued if i is not None]


def make_gost_pki(store: Path) -> GostPki:
    """Call inside an app context.  The demo signers' GOST certificates are valid for ten years, so
    they are the newest of each login (the one ``sign_with_provider`` takes); the foreign signer's
    certificate is registered for mo1_executor too (valid for less)."""
    out = GostPki(root=pki.make_ca("Тестовый УЦ ГОСТ", algorithm=pki.GOST2012_256), store=store)
    certificates.add_trust_root(out.root.pem, "Тестовый УЦ ГОСТ")
    for login in SIGNERS:
        issued = pki.issue(out.root, f"ГОСТ {login}", days=3650)
        out.signers[login] = issued
        out.keep(issued)
        certificates.register_certificate(user(login), issued.der)
    out.foreign_root = pki.make_gost_ca("Чужой УЦ ГОСТ")
    out.foreign_signer = pki.issue_gost(out.foreign_root, "Подписант чужого УЦ ГОСТ", days=1000)
    out.keep(out.foreign_signer)
    certificates.register_certificate(user("mo1_executor"), out.foreign_signer.der)
    db.session.commit()
    return out


def switch_off(thumbprints: list[str], roots: list[bytes]) -> None:
    """After a module: its certificates switched off (signings refer to them) and its trust roots
    removed, so later tests see the demo users' certificates and roots as before (call inside an
    app context)."""
    db.session.query(Certificate).filter(Certificate.thumbprint.in_(thumbprints)).update(
        {Certificate.active: False}, synchronize_session=False
    )
    root_prints = [thumbprint_of(der) for der in roots]
    db.session.query(TrustRoot).filter(TrustRoot.thumbprint.in_(root_prints)).delete(synchronize_session=False)
    db.session.commit()


@contextmanager
def command_provider(
    app, sign_command: str, verify_command: str = GOST_VERIFY_COMMAND, intact_command: str = GOST_INTACT_COMMAND
) -> Iterator[None]:
    """``SIGNING_PROVIDER=command`` with these command lines for the duration of the block."""
    names = ("SIGNING_PROVIDER", "SIGNING_SIGN_COMMAND", "SIGNING_VERIFY_COMMAND", "SIGNING_INTACT_COMMAND")
    before = {name: app.config.get(name) for name in names}
    app.config.update(
        SIGNING_PROVIDER="command",
        SIGNING_SIGN_COMMAND=sign_command,
        SIGNING_VERIFY_COMMAND=verify_command,
        SIGNING_INTACT_COMMAND=intact_command,
    )
    try:
        yield
    finally:
        app.config.update(before)


def openssl_sign(data: bytes, cert_pem: bytes, key_pem: bytes, passphrase: Optional[str] = None) -> bytes:
    """A detached GOST CMS made by ``openssl cms -sign -engine gost`` (the signer's own tool)."""
    with tempfile.TemporaryDirectory(prefix="oms-gost-sig-") as tmp:
        folder = Path(tmp)
        (folder / "doc").write_bytes(data)
        (folder / "cert.pem").write_bytes(cert_pem)
        (folder / "key.pem").write_bytes(key_pem)
        line = SIG_COMMAND.format(
            data=folder / "doc", cert=folder / "cert.pem", key=folder / "key.pem", signature=folder / "doc.sig"
        )
        if passphrase is not None:
            line += f" -passin pass:{passphrase}"
        done = subprocess.run(shlex.split(line), capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        return (folder / "doc.sig").read_bytes()


def sig_files(
    reg_id: int, cert_pem: bytes, key_pem: bytes, *, passphrase: Optional[str] = None, tamper: Optional[str] = None
) -> dict[str, bytes]:
    """``<document file name>.sig`` for every document of the registry; with ``tamper`` (a document
    kind) that document's signature is made over changed bytes."""
    out = {}
    for doc in documents_of(reg_id):
        data = Path(doc.path).read_bytes()
        if tamper == doc.kind:
            data += b"\x00"
        out[doc.file_name + ".sig"] = openssl_sign(data, cert_pem, key_pem, passphrase)
    return out


def gost_registry(tmp: Path) -> int:
    """An АПП registry of mo1 paid by 14001 in «На подпись МО» with its documents (as
    ``tests.signing.helpers.registry_for_signing``, on periods of its own)."""
    year, month = next(_periods)
    load(demo(tmp, seed=7000 + year + month, cases=30, year=year, month=month).path)
    result = form_registries(user("mo1_operator"), f"{year}-{month:02d}", "АПП")
    assert result.ok, result.message
    reg_id = next(r for r in result.registries if r["payer"] == "14001")["id"]
    for login, to in (
        ("mo1_operator", "Отправлен"),
        ("smo1_specialist", "Выгружен"),
        ("smo1_specialist", "На подпись МО"),
    ):
        changed = wf.change_status(user(login), reg_id, to)
        assert changed.ok, changed.message
    return reg_id
