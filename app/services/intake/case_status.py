"""«Приостановить», «Возобновить», «Исключить»: status changes of cases by the МО, one or many,
each with a reason that goes to the audit log."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update

from app.core import audit
from app.core.outcome import Outcome
from app.extensions import db
from app.models.intake import MedicalCase, loaded_file_ids
from app.models.user import OmsUser
from app.models.vocabulary import CaseStatus, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import not_found_message
from app.security.scope import Scope
from app.services.analytics.refresh import refresh_after_case_change

# target status -> (allowed current status, name of the action)
TRANSITIONS = {
    CaseStatus.SUSPENDED: (CaseStatus.ACCEPTED, "Приостановить"),
    CaseStatus.ACCEPTED: (CaseStatus.SUSPENDED, "Возобновить"),
    CaseStatus.EXCLUDED: (CaseStatus.SUSPENDED, "Исключить"),
}
REASON_REQUIRED = "Укажите причину изменения статуса"


MAX_SELECTED = 1000  # cases one operation takes (a page of the list at most)
TOO_MANY = f"Выберите не более {MAX_SELECTED} случаев за один раз"


def _ids(case_ids: list) -> list[int]:
    """The selected ids that can be ids at all (a hand-made value is no case)."""
    out = []
    for i in case_ids[: MAX_SELECTED + 1]:
        try:
            n = int(i)
        except (TypeError, ValueError):
            continue
        if 0 < n < 2**63:
            out.append(n)
    return out


def _scoped(user: OmsUser, ids: list[int]) -> list:
    return [
        MedicalCase.id.in_(ids[:MAX_SELECTED]),
        Scope.of(user).clause(MedicalCase),
        MedicalCase.registry_id.is_(None),
        MedicalCase.file_id.in_(loaded_file_ids()),
    ]


def preview(user: OmsUser, case_ids: list[int], target: str) -> tuple[int, Decimal]:
    """Count and sum (SUMV, the «Сумма» of the list and of its «Выбрано: N на сумму X») of the
    selected cases that can take ``target`` (shown before confirming)."""
    allowed = TRANSITIONS[target][0]
    case_ids = _ids(case_ids)
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(MedicalCase.sumv), 0)).where(
            *_scoped(user, case_ids), MedicalCase.status == allowed
        )
    ).one()
    return count, Decimal(total or 0).quantize(Decimal("0.01"))


def change_status(user: OmsUser, case_ids: list[int], target: str, reason: str) -> Outcome:
    if target not in TRANSITIONS:
        return Outcome(False, f"Недопустимый статус «{target}»")
    if not can(user, PERM_WRITE, Resource.MEDICAL_CASE):
        return Outcome(False, "Недостаточно прав для изменения статуса случаев")
    reason = (reason or "").strip()
    if not reason:
        return Outcome(False, REASON_REQUIRED)
    allowed, action = TRANSITIONS[target]
    if len(case_ids) > MAX_SELECTED:
        return Outcome(False, TOO_MANY)
    ids = _ids(case_ids)
    if not ids:
        return Outcome(False, not_found_message(MedicalCase))
    found = db.session.execute(select(MedicalCase.id, MedicalCase.status).where(*_scoped(user, ids))).all()
    if len(found) != len(set(ids)):
        return Outcome(False, not_found_message(MedicalCase))
    wrong = [i for i, status in found if status != allowed]
    if wrong:
        return Outcome(False, f"«{action}» возможно только для случаев в статусе «{allowed}»")
    changed = db.session.execute(
        update(MedicalCase).where(*_scoped(user, ids), MedicalCase.status == allowed).values(status=target)
    ).rowcount
    if changed != len(set(ids)):
        db.session.rollback()
        return Outcome(False, "Статус случаев изменился, обновите страницу и повторите")
    audit.record(
        "case_status_changed",
        user=user,
        object_type="MedicalCase",
        object_id=ids[0] if len(ids) == 1 else None,
        details={"cases": ids[:1000], "count": changed, "from": allowed, "to": target, "reason": reason},
    )
    db.session.commit()
    refresh_after_case_change(ids)  # «Аналитика» of the cases' periods (never raises)
    return Outcome(True, f"{action}: случаев {changed}", changed=changed)
