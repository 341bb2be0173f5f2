"""Signing a registry's documents (the regional manual, step 8).

In «На подпись МО» the executor, the chief accountant and the head sign, in this order; in
«На подпись СМО» the payer's signer.  Each signing covers every document of the registry (the
registry file included) with one detached CMS per document, made either here from a PKCS#12
held in memory for this signing, or by the user's own tool and uploaded as ``.sig`` files, or by
the configured external provider.  Every signature is verified the same way before it is
accepted, in this order:

1. it is intact over the stored bytes of the document;
2. its certificate is registered for this user, and the user holds the signing right of the role;
3. the certificate was valid at the signing time;
4. the certificate chains to one of the region's trust roots.

The head's signature moves the registry to «На подпись СМО», the payer's signer's to «Закрыт».
Where the region allows it, the ТФОМС or the payer marks a registry as signed on paper instead.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Optional, Union

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.bulk_update import in_values
from app.core.outcome import Outcome
from app.extensions import db
from app.models.base import utcnow
from app.models.registry import Registry, RegistryDocument
from app.models.signing import Certificate, DocumentSignature, RegistrySigning
from app.models.user import OmsUser
from app.models.vocabulary import (
    MO_SIGNING_ORDER,
    OrgKind,
    PaperRole,
    RegistryStatus,
    Resource,
    SigningMethod,
    SigningRight,
)
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message
from app.security.scope import Scope
from app.services.accounts.people import person_name
from app.services.registries.workflow import move
from app.services.signing.certificates import active_certificates, trust_roots
from app.signing import order
from app.signing.certificates import thumbprint_of
from app.signing.cms import SignatureFormatError, normalise
from app.signing.providers import (
    DocumentSigner,
    Pkcs12Signer,
    SigningError,
    Verification,
    configured_command_provider,
    configured_verifier,
)

NEXT_STATUS = {RegistryStatus.MO_SIGNING: RegistryStatus.SMO_SIGNING, RegistryStatus.SMO_SIGNING: RegistryStatus.CLOSED}
PAPER_ROLE = {RegistryStatus.MO_SIGNING: PaperRole.MO, RegistryStatus.SMO_SIGNING: PaperRole.SMO}
ROLE_NAMES = {**{r.value: r.label for r in SigningRight}, **{r.value: r.label for r in PaperRole}}
SIG_SUFFIXES = (".sig", ".p7s")


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


# -- whose turn -------------------------------------------------------------------------------------
def _signings(registry_ids: Iterable[int]) -> dict[int, list[tuple[str, Optional[int]]]]:
    """(role, user id) of the signing steps made so far, per registry, in their order."""
    ids = list(registry_ids)
    out: dict[int, list[tuple[str, Optional[int]]]] = {i: [] for i in ids}
    if ids:
        for reg_id, role, user_id in db.session.execute(
            select(RegistrySigning.registry_id, RegistrySigning.role, RegistrySigning.user_id)
            .where(in_values(RegistrySigning.registry_id, ids))
            .order_by(RegistrySigning.id)
        ):
            out[reg_id].append((role, user_id))
    return out


def signed_roles(registry_id: int) -> list[str]:
    return [role for role, _ in _signings([registry_id])[registry_id]]


def turn(reg: Registry) -> Optional[str]:
    """The role whose turn it is to sign the registry now (None: nobody signs in this status)."""
    return order.next_role(reg.status, signed_roles(reg.id))


def _side_matches(user: OmsUser, reg: Registry, role: str) -> bool:
    org = getattr(user, "organisation", None)
    if org is None or not Scope.of(user).allows(reg):
        return False
    if role == SigningRight.SMO_SIGNER:
        return reg.payer_id == org.id and org.kind in (OrgKind.SMO, OrgKind.TFOMS)
    return role in MO_SIGNING_ORDER and reg.organisation_id == org.id


def refusal_to_sign(
    user: OmsUser,
    reg: Registry,
    *,
    signings: Optional[list[tuple[str, Optional[int]]]] = None,
    has_certificate: Optional[bool] = None,
) -> Optional[str]:
    """Why this user cannot sign the registry now, or None when it is their turn.  ``signings`` and
    ``has_certificate`` may be given when known (a list page asks for many registries at once)."""
    if signings is None:
        signings = _signings([reg.id])[reg.id]
    role = order.next_role(reg.status, [r for r, _ in signings])
    if role is None:
        return f"Реестр в статусе «{reg.status}» не подписывается"
    if not can(user, PERM_WRITE, Resource.REGISTRY) or not _side_matches(user, reg, role):
        return f"Сейчас подписывает {role_name(role)}; вы не можете подписать этот реестр"
    if not user.has_signature_right(role):
        return f"Сейчас подписывает {role_name(role)}; у вас нет этого права подписи"
    if not current_app.config["SIGNING_SAME_PERSON_ROLES"]:
        mine = next((r for r, user_id in signings if user_id == user.id), None)
        if mine is not None:
            return f"Вы уже подписали этот реестр как {role_name(mine)}; одно лицо не подписывает в двух ролях"
    if has_certificate is None:
        has_certificate = bool(active_certificates(user))
    if not has_certificate:
        return "У вас нет действующего зарегистрированного сертификата"
    return None


def can_sign(user: OmsUser, reg: Registry) -> bool:
    return refusal_to_sign(user, reg) is None


def signing_turns(user: OmsUser, registries: Iterable[Registry]) -> dict[int, bool]:
    """For a page of registries: whether it is this user's turn to sign each (two queries)."""
    registries = list(registries)
    signing = [r.id for r in registries if r.status in order.ORDER_BY_STATUS]
    if not signing:
        return {r.id: False for r in registries}
    steps = _signings(signing)
    has_certificate = bool(active_certificates(user))
    return {
        r.id: r.id in steps and refusal_to_sign(user, r, signings=steps[r.id], has_certificate=has_certificate) is None
        for r in registries
    }


# -- the checks of a signature ---------------------------------------------------------------------------
def _registered(user_id: int, der: Optional[bytes], *, active_only: bool) -> Optional[Certificate]:
    if der is None:
        return None
    q = select(Certificate).where(Certificate.user_id == user_id, Certificate.thumbprint == thumbprint_of(der))
    if active_only:
        q = q.where(Certificate.active.is_(True))
    return db.session.execute(q).scalars().first()


def check_signature(
    user: OmsUser, role: str, verification: Verification, *, active_only: bool = True
) -> tuple[Optional[str], Optional[Certificate]]:
    """(the reason to refuse or None, the registered certificate) — the four checks, in order."""
    if not verification.intact:
        why = f" ({verification.problem})" if verification.problem else ""
        return "подпись не соответствует документу: документ изменен или подпись сделана для другого файла" + why, None
    cert = _registered(user.id, verification.signer_der, active_only=active_only)
    if cert is None:
        return f"сертификат подписи не зарегистрирован за пользователем {user.username}", None
    if role in SigningRight.values() and not user.has_signature_right(role):
        return f"у пользователя {user.username} нет права подписи «{role_name(role)}»", cert
    moment = verification.signing_time
    if moment is None:
        return "в подписи нет времени подписания (signingTime)", cert
    if not (cert.not_before <= moment <= cert.not_after):
        return (
            f"сертификат не действовал на момент подписания {moment:%d.%m.%Y %H:%M} UTC "
            f"(действует с {cert.not_before:%d.%m.%Y} по {cert.not_after:%d.%m.%Y})"
        ), cert
    if not verification.trusted:
        why = f" ({verification.problem})" if verification.problem else ""
        return "сертификат не связан с доверенным корневым сертификатом региона" + why, cert
    return None, cert


# -- signing -------------------------------------------------------------------------------------------
@dataclass
class _Prepared:
    reg: Registry
    role: str
    documents: list[tuple[RegistryDocument, bytes]]
    status: str = ""

    def __post_init__(self) -> None:
        self.status = self.status or self.reg.status  # as seen before the row lock


def _prepare(user: OmsUser, registry_id: int) -> _Prepared | Outcome:
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry))
    why = refusal_to_sign(user, reg)
    if why:
        return Outcome(False, why, status=reg.status)
    docs = db.session.query(RegistryDocument).filter_by(registry_id=reg.id).order_by(RegistryDocument.id).all()
    if not docs:
        return Outcome(False, "У реестра нет документов для подписи", status=reg.status)
    contents = []
    for doc in docs:
        content = Path(doc.path).read_bytes() if Path(doc.path).exists() else None
        if content is None or hashlib.sha256(content).hexdigest() != doc.sha256:
            return Outcome(
                False,
                f"Документ «{doc.title}» изменен или утрачен после формирования; подписание невозможно",
                status=reg.status,
            )
        contents.append((doc, content))
    return _Prepared(reg, turn(reg), contents)


def _sign_all(
    user: OmsUser, registry_id: int, method: str, make_signer: Callable[[OmsUser], DocumentSigner]
) -> Outcome:
    ready = _prepare(user, registry_id)
    if isinstance(ready, Outcome):
        return ready
    try:
        signer: DocumentSigner = make_signer(user)
        cert = _registered(user.id, signer.certificate_der, active_only=True)
        if cert is None:
            return Outcome(
                False,
                "Сертификат ключа подписи не зарегистрирован за вами (Администрирование → «Эл. Подпись»)",
                status=ready.reg.status,
            )
        signatures = {doc.id: signer.sign(content) for doc, content in ready.documents}
    except SigningError as exc:
        return Outcome(False, str(exc), status=ready.reg.status)
    return _accept(user, ready, method, signatures)


def sign_with_pkcs12(user: OmsUser, registry_id: int, pkcs12: bytes, passphrase: Optional[str]) -> Outcome:
    """Sign with a PKCS#12 and its passphrase: both live in memory for this call only."""
    return _sign_all(user, registry_id, SigningMethod.PKCS12, lambda _user: Pkcs12Signer(pkcs12, passphrase))


def sign_with_provider(user: OmsUser, registry_id: int) -> Outcome:
    """Sign with the external provider's key store, by the user's registered certificate."""

    def make(u: OmsUser) -> DocumentSigner:
        certs = active_certificates(u)
        if not certs:
            raise SigningError("У вас нет действующего зарегистрированного сертификата")
        return configured_command_provider(current_app.config).signer(certs[0].der, certs[0].thumbprint)

    return _sign_all(user, registry_id, SigningMethod.PROVIDER, make)


def expected_signature_name(doc: RegistryDocument) -> str:
    return doc.file_name + ".sig"


SIG_MAX_BYTES = 1024 * 1024  # a detached CMS is a few kilobytes
SIG_TOO_BIG = "Файл подписи «{}» больше {} КБ: это не отсоединенная подпись"
SIG_TOO_MANY = "Файлов подписи больше, чем документов реестра"


def sign_with_uploads(user: OmsUser, registry_id: int, uploads: list[tuple[str, BinaryIO]]) -> Outcome:
    """:func:`sign_with_files` of uploaded files: whether the user may sign now is decided before
    any file is read, and each file is read up to :data:`SIG_MAX_BYTES` only."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry))
    why = refusal_to_sign(user, reg)
    if why:
        return Outcome(False, why, status=reg.status)
    documents = db.session.query(RegistryDocument).filter_by(registry_id=reg.id).count()
    if len(uploads) > documents * len(SIG_SUFFIXES):
        return Outcome(False, SIG_TOO_MANY, status=reg.status)
    files: dict[str, bytes] = {}
    for name, stream in uploads:
        data = stream.read(SIG_MAX_BYTES + 1)
        if len(data) > SIG_MAX_BYTES:
            return Outcome(False, SIG_TOO_BIG.format(Path(name).name, SIG_MAX_BYTES // 1024), status=reg.status)
        files[name] = data
    return sign_with_files(user, registry_id, files)


def sign_with_files(user: OmsUser, registry_id: int, files: dict[str, bytes]) -> Outcome:
    """Accept detached signatures made elsewhere: one ``<document file name>.sig`` per document."""
    ready = _prepare(user, registry_id)
    if isinstance(ready, Outcome):
        return ready
    by_name = {Path(name).name: data for name, data in files.items()}
    signatures, missing = {}, []
    for doc, _content in ready.documents:
        data = next((by_name[doc.file_name + sfx] for sfx in SIG_SUFFIXES if doc.file_name + sfx in by_name), None)
        if data is None:
            missing.append(expected_signature_name(doc))
            continue
        try:
            signatures[doc.id] = normalise(data)
        except SignatureFormatError as exc:
            return Outcome(False, f"Подпись документа «{doc.title}» отклонена: {exc}", status=ready.reg.status)
    if missing:
        return Outcome(False, "Нет файлов подписи: " + ", ".join(missing), status=ready.reg.status)
    return _accept(user, ready, SigningMethod.DETACHED, signatures)


def _accept(user: OmsUser, ready: _Prepared, method: str, signatures: dict[int, bytes]) -> Outcome:
    reg, role = ready.reg, ready.role
    verifier = configured_verifier(current_app.config)
    roots = trust_roots()
    certificate = None
    for doc, content in ready.documents:
        try:
            verification = verifier.verify(content, signatures[doc.id], roots)
        except SigningError as exc:
            return Outcome(False, str(exc), status=reg.status)
        why, cert = check_signature(user, role, verification)
        if why:
            return Outcome(False, f"Подпись документа «{doc.title}» отклонена: {why}", status=reg.status)
        if certificate is not None and cert.id != certificate.id:
            return Outcome(False, "Документы подписаны разными сертификатами", status=reg.status)
        certificate = cert
    return _store(user, ready, method, certificate, signatures)


def _lock(registry_id: int) -> Optional[Registry]:
    return db.session.execute(
        select(Registry).where(Registry.id == registry_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _store(
    user: OmsUser,
    ready: _Prepared,
    method: str,
    certificate: Optional[Certificate],
    signatures: dict[int, bytes],
    comment: Optional[str] = None,
) -> Outcome:
    """Record the signing step and move the registry on when it completes the status; the expected
    status and the turn are checked again under the registry's row lock."""
    reg = _lock(ready.reg.id)
    expected_role = ready.role
    if (
        reg is None
        or reg.status != ready.status
        or (method != SigningMethod.PAPER and order.next_role(reg.status, signed_roles(reg.id)) != expected_role)
    ):
        db.session.rollback()
        return Outcome(
            False, "Реестр уже подписан или его статус изменен. Обновите страницу", status=getattr(reg, "status", None)
        )
    status = reg.status
    step = RegistrySigning(
        registry_id=reg.id,
        role=expected_role,
        method=method,
        user_id=user.id,
        username=user.username,
        certificate_id=getattr(certificate, "id", None),
        signed_at=utcnow(),
        comment=comment,
    )
    digests = {doc.id: doc.sha256 for doc, _ in ready.documents}
    step.signatures = [
        DocumentSignature(document_id=doc_id, document_sha256=digests[doc_id], signature=sig)
        for doc_id, sig in signatures.items()
    ]
    db.session.add(step)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return Outcome(False, "Реестр уже подписан в этой роли", status=status)
    completes = method == SigningMethod.PAPER or order.is_last(status, expected_role)
    new_status = NEXT_STATUS[status] if completes else status
    if completes and not move(
        reg.id,
        status,
        new_status,
        user=user,
        comment=f"Подписано: {role_name(expected_role)} ({SigningMethod.label_of(method)})",
    ):
        db.session.rollback()
        return Outcome(False, "Статус реестра уже изменен другим пользователем. Обновите страницу", status=status)
    audit.record(
        "registry_signed",
        user=user,
        object_type="Registry",
        object_id=reg.id,
        details={
            "number": reg.number,
            "role": expected_role,
            "method": method,
            "certificate": getattr(certificate, "thumbprint", None),
            "comment": comment,
        },
    )
    db.session.commit()
    return Outcome(
        True,
        f"Реестр {reg.number} подписан: {role_name(expected_role)}" + (f"; статус «{new_status}»" if completes else ""),
        status=new_status,
    )


def mark_signed_on_paper(user: OmsUser, registry_id: int, comment: Optional[str]) -> Outcome:
    """Record that the current signing stage (the МО's signatures, or the СМО's) was done on paper;
    the audit and the history name who recorded it."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry))
    why = paper_refusal(user, reg)
    if why:
        return Outcome(False, why, status=reg.status)
    if not (comment or "").strip():
        return Outcome(False, "Укажите комментарий: кто и когда подписал документы на бумаге", status=reg.status)
    ready = _Prepared(reg, PAPER_ROLE[reg.status], [])
    return _store(user, ready, SigningMethod.PAPER, None, {}, comment=comment.strip())


PAPER_NOT_ALLOWED = "Подписание на бумаге не разрешено настройками региона"
PAPER_WHO = (
    "Отметить подписание на бумаге может подписант текущего этапа (с его правом подписи) "
    "или специалист ТФОМС с правом «{}»".format(SigningRight.PAPER.label)
)


def paper_refusal(user: OmsUser, reg: Registry) -> Optional[str]:
    """Why this user cannot record the current stage as signed on paper (None: they can).  Allowed
    where the region allows it, to the user who holds the signing right of the step whose turn it
    is (on the registry's side), or to a ТФОМС user with the explicit right to record it."""
    if not current_app.config["SIGNING_PAPER_ALLOWED"]:
        return PAPER_NOT_ALLOWED
    if reg.status not in PAPER_ROLE:
        return f"Реестр в статусе «{reg.status}» не подписывается"
    org = getattr(user, "organisation", None)
    if org is None or not can(user, PERM_WRITE, Resource.REGISTRY):
        return PAPER_WHO
    if org.kind == OrgKind.TFOMS and user.has_signature_right(SigningRight.PAPER):
        return None
    role = turn(reg)
    if role is not None and _side_matches(user, reg, role) and user.has_signature_right(role):
        return None
    return PAPER_WHO


# -- verification and downloads ------------------------------------------------------------------------------
@dataclass
class SignatureCheck:
    signing_id: int
    role: str
    role_name: str
    username: str
    method: str
    signed_at: object
    certificate: str
    document: str
    ok: bool
    result: str
    who: str = ""  # the signer's name (ФИО)
    sha256: str = ""  # of the document as it was signed


def verify_registry(registry_id: int) -> list[SignatureCheck]:
    """A fresh verification of every signature of the registry against the stored document bytes."""
    verifier = configured_verifier(current_app.config)
    roots = trust_roots()
    out = []
    steps = db.session.query(RegistrySigning).filter_by(registry_id=registry_id).order_by(RegistrySigning.id).all()
    for step in steps:
        user = db.session.get(OmsUser, step.user_id) if step.user_id else None
        cert_text = f"{step.certificate.subject}, {step.certificate.thumbprint}" if step.certificate else ""
        common = dict(
            signing_id=step.id,
            role=step.role,
            role_name=role_name(step.role),
            username=step.username,
            method=SigningMethod.label_of(step.method),
            signed_at=step.signed_at,
            certificate=cert_text,
            who=person_name(user, step.username),
        )
        if step.method == SigningMethod.PAPER:
            out.append(
                SignatureCheck(
                    **common, document="—", ok=True, result=f"Подписано на бумаге: {step.comment or ''}".strip()
                )
            )
            continue
        for sig in sorted(step.signatures, key=lambda s: s.document_id):
            doc = sig.document
            path = Path(doc.path)
            if user is None or not path.exists():
                out.append(
                    SignatureCheck(
                        **common,
                        document=doc.title,
                        ok=False,
                        result="Недействительна: документ или пользователь удален",
                        sha256=sig.document_sha256 or "",
                    )
                )
                continue
            try:
                why, cert = check_signature(
                    user, step.role, verifier.verify(path.read_bytes(), sig.signature, roots), active_only=False
                )
            except SigningError as exc:
                why, cert = str(exc), None
            if why is None and step.certificate_id and cert.id != step.certificate_id:
                why = "подпись сделана другим сертификатом, чем записано при подписании"
            out.append(
                SignatureCheck(
                    **common,
                    document=doc.title,
                    ok=why is None,
                    result="Действительна" if why is None else f"Недействительна: {why}",
                    sha256=sig.document_sha256 or "",
                )
            )
    return out


@dataclass(frozen=True)
class SignatureRow:
    """One signature (a signing step) as the pages show it: the documents it covers grouped in
    it, valid when every one of them is."""

    signing_id: int
    role: str
    role_name: str
    who: str
    method: str
    signed_at: object
    certificate: str
    ok: bool
    result: str
    documents: tuple[SignatureCheck, ...]


def signature_rows(checks: list[SignatureCheck]) -> list[SignatureRow]:
    """The checks of :func:`verify_registry` grouped: one row per signature, in the signing order."""
    groups: dict[int, list[SignatureCheck]] = {}
    for c in checks:
        groups.setdefault(c.signing_id, []).append(c)
    rows = []
    for items in groups.values():
        first = items[0]
        bad = [c for c in items if not c.ok]
        docs = tuple(c for c in items if c.document != "—")
        if bad:
            result = "; ".join(f"{c.document}: {c.result}" for c in bad)
        elif docs:
            result = f"Действительна (документов: {len(docs)})"
        else:
            result = first.result
        rows.append(
            SignatureRow(
                signing_id=first.signing_id,
                role=first.role,
                role_name=first.role_name,
                who=first.who or first.username,
                method=first.method,
                signed_at=first.signed_at,
                certificate=first.certificate,
                ok=not bad,
                result=result,
                documents=docs,
            )
        )
    return rows


STEP_DONE, STEP_CURRENT, STEP_WAITING = "done", "current", "waiting"
STEP_STATE_NAMES = {STEP_DONE: "подписано", STEP_CURRENT: "сейчас подписывает", STEP_WAITING: "ожидает"}
TRACKED_ROLES = (*MO_SIGNING_ORDER, SigningRight.SMO_SIGNER)
PAPER_COVERS = {PaperRole.MO: set(MO_SIGNING_ORDER), PaperRole.SMO: {SigningRight.SMO_SIGNER}}


@dataclass(frozen=True)
class Step:
    """A step of the signing tracker: исполнитель → главный бухгалтер → руководитель → СМО."""

    role: str
    title: str
    state: str  # done, current, waiting
    who: str = ""
    at: object = None
    method: str = ""
    ok: bool = True

    @property
    def state_name(self) -> str:
        return STEP_STATE_NAMES[self.state]


def signing_steps(reg: Registry, checks: Optional[list[SignatureCheck]] = None) -> list[Step]:
    """The four steps of the registry's signing: who signed and when, whose turn it is now, which
    wait (a stage marked as signed on paper covers its steps)."""
    rows = signature_rows(verify_registry(reg.id) if checks is None else checks)
    done: dict[str, SignatureRow] = {}
    for row in rows:
        for role in PAPER_COVERS.get(row.role, {row.role}):
            done.setdefault(role, row)
    now = turn(reg)
    steps = []
    for role in TRACKED_ROLES:
        title = "СМО" if role == SigningRight.SMO_SIGNER else role_name(role)
        row = done.get(role)
        if row is not None:
            steps.append(Step(role, title, STEP_DONE, row.who, row.signed_at, row.method, row.ok))
        else:
            steps.append(Step(role, title, STEP_CURRENT if role == now else STEP_WAITING))
    return steps


def write_documents_zip(registry_id: int, target: Union[str, Path, BinaryIO]) -> None:
    """The documents into the ZIP ``target`` (a path or a binary file) and, next to each, its
    signatures: ``<file>.<n>_<role>.sig`` (n: the order of the signing)."""
    docs = db.session.query(RegistryDocument).filter_by(registry_id=registry_id).order_by(RegistryDocument.id).all()
    steps = db.session.query(RegistrySigning).filter_by(registry_id=registry_id).order_by(RegistrySigning.id).all()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for doc in docs:
            if Path(doc.path).exists():
                zf.write(doc.path, doc.file_name)
        for n, step in enumerate(steps, 1):
            for sig in step.signatures:
                zf.writestr(f"{sig.document.file_name}.{n}_{step.role}.sig", sig.signature)


@dataclass(frozen=True)
class SigningPage:
    registry: Registry
    documents: list[RegistryDocument]
    turn: Optional[str]  # whose turn it is
    refusal: Optional[str]  # why this user cannot sign now (None: they can)
    paper_refusal: Optional[str]  # why they cannot mark it signed on paper
    checks: list[SignatureCheck]  # the signatures so far, verified afresh
    provider: bool  # an external signing command is configured
    signatures: list[SignatureRow]  # one row per signature
    steps: list[Step]  # the tracker


def signing_page(user: OmsUser, registry_id: int) -> Optional[SigningPage]:
    """The signing page of a registry, or None outside the user's scope."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return None
    docs = db.session.query(RegistryDocument).filter_by(registry_id=reg.id).order_by(RegistryDocument.id).all()
    checks = verify_registry(reg.id)
    return SigningPage(
        registry=reg,
        documents=docs,
        turn=turn(reg),
        refusal=refusal_to_sign(user, reg),
        paper_refusal=paper_refusal(user, reg),
        checks=checks,
        provider=bool(current_app.config.get("SIGNING_SIGN_COMMAND")),
        signatures=signature_rows(checks),
        steps=signing_steps(reg, checks),
    )
