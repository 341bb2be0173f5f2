"""Certificates of the users and the region's trust roots («Администрирование» → «Эл. Подпись»,
«Корневые сертификаты»): registration from PEM or DER, audited; the certificates valid now."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import select

from app.core import audit
from app.core.outcome import Outcome
from app.extensions import db
from app.models.base import utcnow
from app.models.signing import Certificate, TrustRoot
from app.models.user import OmsUser
from app.security.scope import Scope
from app.signing.certificates import CertificateError, parse_certificate

NO_FILE = "Выберите пользователя и файл сертификата (PEM или DER)"
NO_ROOT_FILE = "Выберите файл сертификата (PEM или DER)"


def active_certificates(user: OmsUser, at: Optional[dt.datetime] = None) -> list[Certificate]:
    """The user's registered certificates that are switched on and valid at ``at`` (now)."""
    at = at or utcnow()
    return list(
        db.session.execute(
            select(Certificate)
            .where(
                Certificate.user_id == user.id,
                Certificate.active.is_(True),
                Certificate.not_before <= at,
                Certificate.not_after >= at,
            )
            .order_by(Certificate.not_after.desc())
        ).scalars()
    )


def trust_roots() -> list[bytes]:
    return list(db.session.execute(select(TrustRoot.der).where(TrustRoot.active.is_(True))).scalars())


def certificate_holders(actor: OmsUser) -> list[OmsUser]:
    """The users whose certificates ``actor`` may register (within the actor's scope)."""
    return db.session.query(OmsUser).filter(Scope.of(actor).clause(OmsUser)).order_by(OmsUser.username).all()


def upload_certificate(actor: OmsUser, holder_id: object, data: Optional[bytes]) -> Outcome:
    """«Зарегистрировать сертификат» for a user of the actor's scope."""
    holder = next((u for u in certificate_holders(actor) if str(u.id) == str(holder_id)), None)
    if holder is None or data is None:
        return Outcome(False, NO_FILE)
    try:
        cert = register_certificate(holder, data, uploaded_by=actor)
    except CertificateError as exc:
        db.session.rollback()
        return Outcome(False, str(exc))
    db.session.commit()
    return Outcome(True, f"Сертификат {cert.thumbprint} зарегистрирован для {holder.username}")


def upload_trust_root(actor: OmsUser, data: Optional[bytes], name: Optional[str]) -> Outcome:
    if data is None:
        return Outcome(False, NO_ROOT_FILE)
    try:
        root = add_trust_root(data, name or None, user=actor)
    except CertificateError as exc:
        db.session.rollback()
        return Outcome(False, str(exc))
    db.session.commit()
    return Outcome(True, f"Корневой сертификат «{root.name}» добавлен")


def register_certificate(user: OmsUser, data: bytes, *, uploaded_by: Optional[OmsUser] = None) -> Certificate:
    """Parse and register a certificate for a user (CertificateError when it is not one)."""
    info = parse_certificate(data)
    cert = db.session.execute(
        select(Certificate).where(Certificate.user_id == user.id, Certificate.thumbprint == info.thumbprint)
    ).scalar()
    if cert is None:
        cert = Certificate(user_id=user.id, organisation_id=user.organisation_id, thumbprint=info.thumbprint)
        db.session.add(cert)
    cert.der, cert.subject, cert.issuer, cert.serial = info.der, info.subject[:500], info.issuer[:500], info.serial
    cert.not_before, cert.not_after, cert.active = info.not_before, info.not_after, True
    cert.uploaded_by_id = getattr(uploaded_by, "id", None)
    audit.record(
        "certificate_registered",
        user=uploaded_by,
        object_type="Certificate",
        details={"user": user.username, "thumbprint": info.thumbprint, "subject": info.subject},
    )
    return cert


def add_trust_root(data: bytes, name: Optional[str] = None, *, user: OmsUser = None) -> TrustRoot:
    info = parse_certificate(data)
    root = db.session.execute(select(TrustRoot).where(TrustRoot.thumbprint == info.thumbprint)).scalar()
    if root is None:
        root = TrustRoot(thumbprint=info.thumbprint)
        db.session.add(root)
    root.name = (name or info.subject)[:200]
    root.der, root.subject, root.serial = info.der, info.subject[:500], info.serial
    root.not_before, root.not_after, root.active = info.not_before, info.not_after, True
    audit.record(
        "trust_root_added",
        user=user,
        object_type="TrustRoot",
        details={"thumbprint": info.thumbprint, "subject": info.subject},
    )
    return root
