"""The registry status workflow (DESIGN.md §2): who may move a registry from which status to
which, checked again here whatever the page offered; every change checks the expected current
status in the same transaction (a conditional update) and writes the status history.

| from            | to              | who                                         |
|-----------------|-----------------|---------------------------------------------|
| Создан          | Отправлен       | МО                                          |
| Отправлен       | Сформирован     | the system (documents generated)            |
| Сформирован     | Выгружен        | СМО (ТФОМС for «Иногородние»)               |
| Выгружен        | На доработку    | СМО, with its МЭК results file loaded       |
| Выгружен        | На подпись МО   | СМО                                         |
| На подпись МО   | На доработку    | ТФОМС (on the МО's request, with a comment) |
| На подпись МО   | На подпись СМО  | the system, after the head's signature      |
| На подпись СМО  | Закрыт          | the system, after the СМО signature         |
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import update

from app.extensions import db
from app.models.vocabulary import OrgKind
from app.models.registry import Registry, RegistryStatusChange
from app.models.vocabulary import RegistryStatus, RegistryType
from app.security.access import can
from app.core import audit
from app.core.outcome import Outcome
from app.security.request_scope import get_scoped, not_found_message
from app.models.vocabulary import Resource
from app.security.permissions import PERM_WRITE

SYSTEM = "system"
PAYER = "payer"          # the СМО of the registry, or the ТФОМС for «Иногородние»

# (from, to) -> actor
TRANSITIONS: dict[tuple[str, str], str] = {
    (RegistryStatus.CREATED, RegistryStatus.SENT): OrgKind.MO,
    (RegistryStatus.SENT, RegistryStatus.FORMED): SYSTEM,
    (RegistryStatus.FORMED, RegistryStatus.TAKEN): PAYER,
    (RegistryStatus.TAKEN, RegistryStatus.REWORK): PAYER,
    (RegistryStatus.TAKEN, RegistryStatus.MO_SIGNING): PAYER,
    (RegistryStatus.MO_SIGNING, RegistryStatus.REWORK): OrgKind.TFOMS,
    (RegistryStatus.MO_SIGNING, RegistryStatus.SMO_SIGNING): SYSTEM,
    (RegistryStatus.SMO_SIGNING, RegistryStatus.CLOSED): SYSTEM,
}
NEEDS_COMMENT = {(RegistryStatus.MO_SIGNING, RegistryStatus.REWORK)}
CHANGED_MEANWHILE = "Статус реестра уже изменен другим пользователем. Обновите вкладку и повторите"


def actors_of(user, reg: Registry) -> set[str]:
    """What the user is to this registry: its МО, its payer, the fund (the fund may be both)."""
    org = getattr(user, "organisation", None)
    if org is None:
        return set()
    out = set()
    if org.kind == OrgKind.MO and reg.organisation_id == org.id:
        out.add(OrgKind.MO)
    if org.kind in (OrgKind.SMO, OrgKind.TFOMS) and reg.payer_id == org.id:
        out.add(PAYER)
    if org.kind == OrgKind.TFOMS:
        out.add(OrgKind.TFOMS)
    return out


def allowed_targets(user, reg: Registry) -> list[str]:
    """The statuses this user may move the registry to now (what the dropdown offers)."""
    who = actors_of(user, reg)
    if not who or not can(user, PERM_WRITE, Resource.REGISTRY):
        return []
    return [dst for (src, dst), actor in TRANSITIONS.items() if src == reg.status and actor in who]


def move(reg_id: int, src: str, dst: str, *, user=None, comment: Optional[str] = None) -> bool:
    """The conditional update and its history row (the caller commits). False: the status was
    no longer ``src``."""
    changed = db.session.execute(update(Registry).where(Registry.id == reg_id, Registry.status == src)
                                 .values(status=dst, error=None)).rowcount
    if changed != 1:
        return False
    db.session.add(RegistryStatusChange(registry_id=reg_id, from_status=src, to_status=dst,
                                        user_id=getattr(user, "id", None),
                                        username=getattr(user, "username", None) or "система",
                                        comment=comment))
    return True


def change_status(user, registry_id: int, target: str, comment: Optional[str] = None,
                  expected: Optional[str] = None) -> Outcome:
    """A user's status change, with every check the page does, again."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry))
    current = reg.status
    if expected is not None and expected != current:
        return Outcome(False, CHANGED_MEANWHILE, status=current)
    if target not in allowed_targets(user, reg):
        return Outcome(False, f"Переход «{current}» → «{target}» вам недоступен", status=current)
    if (current, target) == (RegistryStatus.TAKEN, RegistryStatus.REWORK) and reg.mek_loaded_at is None:
        return Outcome(False, "Сначала загрузите файл результатов МЭК", status=current)
    if (current, target) in NEEDS_COMMENT and not (comment or "").strip():
        return Outcome(False, "Укажите комментарий: причину возврата на доработку", status=current)
    if not move(reg.id, current, target, user=user, comment=comment):
        db.session.rollback()
        return Outcome(False, CHANGED_MEANWHILE, status=current)
    audit.record("registry_status_changed", user=user, object_type="Registry", object_id=reg.id,
                 details={"number": reg.number, "from": current, "to": target, "comment": comment})
    db.session.commit()
    after_change(reg.id, target, user)
    return Outcome(True, f"Реестр {reg.number}: статус «{target}»", status=target)


def after_change(registry_id: int, status: str, user) -> None:
    """What the system does after a change: «Отправлен» queues the documents."""
    if status == RegistryStatus.SENT:
        from app.jobs.runtime import enqueue

        enqueue("app.jobs.registry_jobs.generate_documents", registry_id,
                title=f"Документы реестра {registry_id}", user=user, queue="documents")
