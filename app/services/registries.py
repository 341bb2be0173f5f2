"""Registry operations of the МО in this issue: deleting a registry in «Создан» or «На доработку»
(its cases go back to «Принят»).  The status workflow of МО, СМО and ТФОМС builds on this."""
from __future__ import annotations

from sqlalchemy import select, update

from app.extensions import db
from app.models.intake import MedicalCase
from app.models.registry import DELETABLE, Registry
from app.models.statuses import CASE_ACCEPTED
from app.security.access import can
from app.security.scope import Scope
from app.services import audit
from app.services.outcome import Outcome as Result

NOT_DELETABLE = "Удалить можно только реестр в статусе «Создан» или «На доработку»"


def scoped_registry(user, registry_id: int, lock: bool = False):
    q = select(Registry).where(Registry.id == registry_id, Scope.of(user).clause(Registry))
    if lock:
        q = q.with_for_update()
    return db.session.execute(q).scalar_one_or_none()


def delete_registry(user, registry_id: int) -> Result:
    reg = scoped_registry(user, registry_id, lock=True)
    if reg is None or not can(user, "write", "Registry") or user.organisation_id != reg.organisation_id:
        db.session.rollback()
        return Result(False, "Реестр не найден")
    if reg.status not in DELETABLE:
        db.session.rollback()
        return Result(False, NOT_DELETABLE)
    returned = db.session.execute(update(MedicalCase).where(MedicalCase.registry_id == reg.id)
                                  .values(registry_id=None, status=CASE_ACCEPTED)
                                  .execution_options(synchronize_session=False)).rowcount
    audit.record("registry_deleted", user=user, object_type="Registry", object_id=reg.id,
                 details={"number": reg.number, "status": reg.status, "cases": returned})
    db.session.delete(reg)
    db.session.commit()
    return Result(True, f"Реестр {reg.number} удален, случаев возвращено: {returned}")


def registry_history(registry_id: int):
    """The status changes of a registry, oldest first."""
    from app.models.registry import RegistryStatusChange

    return (db.session.query(RegistryStatusChange).filter_by(registry_id=registry_id)
            .order_by(RegistryStatusChange.at, RegistryStatusChange.id).all())
