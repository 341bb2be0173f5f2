"""The registry status workflow: who may move a registry from which status to
which, checked again here whatever the page offered; every change checks the expected current
status in the same transaction (a conditional update) and writes the status history.

| from            | to              | who                                         |
|-----------------|-----------------|---------------------------------------------|
| Создан          | Отправлен       | МО                                          |
| Отправлен       | Сформирован     | the system (documents generated)            |
| Сформирован     | Выгружен        | СМО (ТФОМС for «Иногородние»)               |
| Выгружен        | На доработку    | СМО, with its МЭК results file loaded and a |
|                 |                 | comment (as the ТФОМС gives one)            |
| Выгружен        | На подпись МО   | СМО                                         |
| На подпись МО   | На доработку    | ТФОМС (on the МО's request, with a comment) |
| На подпись МО   | На подпись СМО  | the system, after the head's signature      |
| На подпись СМО  | Закрыт          | the system, after the СМО signature         |
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import update

from app.core import audit
from app.core.outcome import Outcome, Refusal
from app.extensions import db
from app.models.registry import Registry, RegistryStatusChange
from app.models.user import OmsUser
from app.models.vocabulary import OrgKind, RegistryStatus, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message

SYSTEM = "system"
PAYER = "payer"  # the СМО of the registry, or the ТФОМС for «Иногородние»

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
# a return for rework always says why, whoever returns it (the СМО after its МЭК, the ТФОМС)
NEEDS_COMMENT = {(RegistryStatus.TAKEN, RegistryStatus.REWORK), (RegistryStatus.MO_SIGNING, RegistryStatus.REWORK)}


def needs_comment(src: str, dst: str) -> bool:
    """Whether the move from ``src`` to ``dst`` needs a comment (the pages ask for it first)."""
    return (src, dst) in NEEDS_COMMENT


CHANGED_MEANWHILE = "Статус реестра уже изменен другим пользователем. Обновите вкладку и повторите"


def actors_of(user: OmsUser, reg: Registry) -> set[str]:
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


def allowed_targets(user: OmsUser, reg: Registry) -> list[str]:
    """The statuses this user may move the registry to now (what the dropdown offers)."""
    who = actors_of(user, reg)
    if not who or not can(user, PERM_WRITE, Resource.REGISTRY):
        return []
    return [dst for (src, dst), actor in TRANSITIONS.items() if src == reg.status and actor in who]


def move(reg_id: int, src: str, dst: str, *, user: OmsUser = None, comment: Optional[str] = None) -> bool:
    """The conditional update and its history row (the caller commits). False: the status was
    no longer ``src``."""
    changed = db.session.execute(
        update(Registry).where(Registry.id == reg_id, Registry.status == src).values(status=dst, error=None)
    ).rowcount
    if changed != 1:
        return False
    db.session.add(
        RegistryStatusChange(
            registry_id=reg_id,
            from_status=src,
            to_status=dst,
            user_id=getattr(user, "id", None),
            username=getattr(user, "username", None) or "система",
            comment=comment,
        )
    )
    return True


def change_status(
    user: OmsUser, registry_id: int, target: str, comment: Optional[str] = None, expected: Optional[str] = None
) -> Outcome:
    """A user's status change, with every check the page does, again.  The outcome's ``status``
    is the registry's status after it (the system may have moved it on at once)."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry), refusal=Refusal.NOT_FOUND)
    current = reg.status
    if expected is not None and expected != current:
        return Outcome(False, CHANGED_MEANWHILE, status=current, refusal=Refusal.CONFLICT)
    if target not in allowed_targets(user, reg):
        return Outcome(
            False, f"Переход «{current}» → «{target}» вам недоступен", status=current, refusal=Refusal.FORBIDDEN
        )
    if (current, target) == (RegistryStatus.TAKEN, RegistryStatus.REWORK) and reg.mek_loaded_at is None:
        return Outcome(False, "Сначала загрузите файл результатов МЭК", status=current, refusal=Refusal.INVALID)
    if (current, target) in NEEDS_COMMENT and not (comment or "").strip():
        return Outcome(
            False, "Укажите комментарий: причину возврата на доработку", status=current, refusal=Refusal.INVALID
        )
    if not move(reg.id, current, target, user=user, comment=comment):
        db.session.rollback()
        return Outcome(False, CHANGED_MEANWHILE, status=current, refusal=Refusal.CONFLICT)
    audit.record(
        "registry_status_changed",
        user=user,
        object_type="Registry",
        object_id=reg.id,
        details={"number": reg.number, "from": current, "to": target, "comment": comment},
    )
    db.session.commit()
    after_change(reg.id, target, user)
    db.session.expire_all()
    now = db.session.get(Registry, reg.id)
    return Outcome(True, f"Реестр {reg.number}: статус «{target}»", status=now.status if now else target)


def after_change(registry_id: int, status: str, user: OmsUser) -> None:
    """What the system does after a change: «Отправлен» queues the documents."""
    if status == RegistryStatus.SENT:
        from app.jobs.runtime import enqueue

        enqueue(
            "app.jobs.registry_jobs.generate_documents",
            registry_id,
            title=f"Документы реестра {registry_id}",
            user=user,
            queue="documents",
        )


SAME_STATUS_NEEDED = "Выберите реестры в одинаковом статусе"


def change_statuses(user: OmsUser, registry_ids: list[int], target: str) -> list[Outcome]:
    """The common dropdown of the action panel: several registries in the same status at once,
    each changed as by :func:`change_status` (expecting the status they were selected in)."""
    regs = [get_scoped(user, Registry, i) for i in registry_ids]
    if any(r is None for r in regs):
        return [Outcome(False, not_found_message(Registry))]
    if len({r.status for r in regs}) > 1:
        return [Outcome(False, SAME_STATUS_NEEDED)]
    expected = [(r.id, r.status) for r in regs]
    return [change_status(user, reg_id, target, expected=status) for reg_id, status in expected]


RETRY_REFUSED = "Повторить можно формирование документов реестра вашей МО в статусе «Отправлен» после ошибки"
RETRY_STARTED = "Формирование документов запущено повторно"


def may_retry_documents(user: OmsUser, reg: Registry) -> bool:
    """«Повторить»: the МО of a registry whose documents failed to be made while «Отправлен»."""
    return (
        reg.status == RegistryStatus.SENT
        and bool(reg.error)
        and reg.organisation_id == getattr(user, "organisation_id", None)
        and can(user, PERM_WRITE, Resource.REGISTRY)
    )


def retry_documents(user: OmsUser, registry_id: int) -> Outcome:
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return Outcome(False, not_found_message(Registry))
    if not may_retry_documents(user, reg):
        return Outcome(False, RETRY_REFUSED, status=reg.status)
    audit.record(
        "registry_documents_retried",
        user=user,
        object_type="Registry",
        object_id=reg.id,
        details={"number": reg.number, "error": reg.error},
    )
    db.session.commit()
    after_change(reg.id, RegistryStatus.SENT, user)
    return Outcome(True, RETRY_STARTED, status=reg.status)
