"""«Случаи»: the search box (surname, policy, ЕНП or case history number, in every period) and
what a page of the list reads besides the cases (their patients, files and МО, one query each).

The search is one SQL condition on :class:`~app.models.intake.MedicalCase`, inside the user's
scope whatever the caller adds: an МО user never finds another МО's case.  A text with letters is
a surname (a case-insensitive prefix; «Иванов Иван» narrows by the first name too); any text is
also compared exactly with the policy number, the ЕНП and the case history number (NHISTORY).
Each branch keeps the organisation's condition next to its column, so the indexes
``(organisation_id, fam)``, ``(organisation_id, npolis)``, ``(organisation_id, enp)`` and
``(organisation_id, nhistory)`` serve it."""

from __future__ import annotations

from typing import Iterable, Optional

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models.intake import MedicalCase, Patient, UploadedFile
from app.models.organisation import Organisation
from app.models.user import OmsUser
from app.security.scope import Scope

MAX_TEXT = 50  # longer than any surname, policy, ЕНП or history number
SEARCH_LABEL = "Поиск: фамилия, полис, ЕНП или № истории болезни"


def normalise(text: Optional[str]) -> str:
    """The search text as compared: spaces collapsed, at most :data:`MAX_TEXT` characters."""
    return " ".join((text or "").split())[:MAX_TEXT]


def _like_prefix(column: InstrumentedAttribute, prefix: str) -> ColumnElement:
    """``column`` starts with ``prefix`` as typed, in capitals, in lower case or capitalised (names
    are stored either way; SQLite's LIKE ignores the case of Latin letters only, PostgreSQL's of
    none), with ``%`` and ``_`` of the text taken literally."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    variants = {escaped, escaped.upper(), escaped.lower(), escaped.capitalize(), escaped.title()}
    return or_(*(column.like(v + "%", escape="\\") for v in sorted(variants)))


def search_clause(user: OmsUser, text: Optional[str]) -> Optional[ColumnElement]:
    """The cases of the user's scope matching ``text`` in any period (None: no text, no search)."""
    text = normalise(text)
    if not text:
        return None
    scope = Scope.of(user)
    mine = scope.clause(MedicalCase)
    branches = [
        and_(mine, MedicalCase.npolis == text),
        and_(mine, MedicalCase.enp == text),
        and_(mine, MedicalCase.nhistory == text),
    ]
    if any(ch.isalpha() for ch in text):
        words = text.split(" ")
        names = [_like_prefix(Patient.fam, words[0])]
        if len(words) > 1:
            names.append(_like_prefix(Patient.im, words[1]))
        if len(words) > 2:
            names.append(_like_prefix(Patient.ot, " ".join(words[2:])))
        patients = select(Patient.id).where(scope.clause(Patient), *names)
        branches.append(and_(mine, MedicalCase.patient_id.in_(patients)))
    return or_(*branches)


def find_cases(user: OmsUser, text: Optional[str], limit: int = 100) -> list[MedicalCase]:
    """The user's cases matching ``text`` (newest first, at most ``limit``); none without a text."""
    cond = search_clause(user, text)
    if cond is None:
        return []
    rows = db.session.execute(select(MedicalCase).where(cond).order_by(MedicalCase.id.desc()).limit(max(1, limit)))
    return list(rows.scalars())


def person_name(patient: Optional[Patient]) -> Optional[str]:
    """«Фамилия Имя Отчество» of a patient (the parts there are), None when none."""
    if patient is None:
        return None
    parts = [p.strip() for p in (patient.fam, patient.im, patient.ot) if p and p.strip()]
    return " ".join(parts) or None


def policy_text(case: MedicalCase) -> Optional[str]:
    """The ЕНП of a case, else its policy «серия номер»; None when neither."""
    if case.enp:
        return case.enp
    return " ".join(p for p in (case.spolis, case.npolis) if p) or None


def preload(cases: Iterable[MedicalCase]) -> None:
    """Read the patients, files and МО of a page of cases into the session, one query each, so
    that ``case.patient`` and ``case.file.organisation`` ask the database nothing more."""
    cases = list(cases)
    patient_ids = {c.patient_id for c in cases if c.patient_id}
    file_ids = {c.file_id for c in cases if c.file_id}
    if patient_ids:
        db.session.execute(select(Patient).where(Patient.id.in_(patient_ids))).scalars().all()
    if file_ids:
        files = db.session.execute(select(UploadedFile).where(UploadedFile.id.in_(file_ids))).scalars().all()
        org_ids = {f.organisation_id for f in files}
        if org_ids:
            db.session.execute(select(Organisation).where(Organisation.id.in_(org_ids))).scalars().all()
