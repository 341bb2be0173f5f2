"""Registry operations: the linked filters of «Текущие реестры» (scoped to the user's
organisation, subdivision or — for an СМО — the registries addressed to it), the registry sums
(what was declared and what is payable), deleting a registry in «Создан» or «На доработку» (its
cases go back to «Принят»).  The status workflow is in :mod:`app.services.registries.workflow`.

**Payable.** A case's amount payable is SUMP (``medical_case.sump``): SUMV less the largest МЭК
sanction — the project's own МЭК at the load, then the payer's once its МЭК results file is
loaded (:func:`apply_payer_sump`).  A case with a partial sanction keeps its place in the
registry; only its payable amount is smaller.  ``registry.sum_declared`` is Σ SUMV («предъявлено»),
``registry.sum_calc`` is Σ payable («к оплате»).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Optional

from sqlalchemy import ColumnElement, and_, false, func, literal, select, true, update

from app.core import audit
from app.core.bulk_update import update_rows
from app.core.outcome import Outcome
from app.extensions import db
from app.models.intake import MedicalCase
from app.models.organisation import Organisation, Subdivision
from app.models.registry import Registry, RegistryStatusChange
from app.models.user import OmsUser
from app.models.vocabulary import DELETABLE_REGISTRY_STATUSES, CaseStatus, RegistryStatus, Resource
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.request_scope import get_scoped, not_found_message
from app.security.scope import Scope
from app.services.analytics import refresh as analytics_refresh
from app.services.registries.linked_filters import NONE_VALUE, LinkedFilters

NOT_DELETABLE = "Удалить можно только реестр в статусе «Создан» или «На доработку»"


ZERO = Decimal("0.00")


# -- sums ------------------------------------------------------------------------------------------
def payable_expr() -> ColumnElement:
    """The amount payable of a case as SQL: SUMP, else (never checked by the МЭК) SUMV."""
    return func.coalesce(MedicalCase.sump, MedicalCase.sumv)


def refresh_sums(registry_id: int) -> None:
    """Count, declared and payable sums of a registry from its cases (the caller commits)."""
    count, declared, payable = db.session.execute(
        select(
            func.count(), func.coalesce(func.sum(MedicalCase.sumv), 0), func.coalesce(func.sum(payable_expr()), 0)
        ).where(MedicalCase.registry_id == registry_id)
    ).one()
    db.session.execute(
        update(Registry)
        .where(Registry.id == registry_id)
        .values(cases=count, sum_declared=declared, sum_calc=payable)
        .execution_options(synchronize_session=False)
    )


def apply_payer_sump(registry_id: int, sump_by_case: Mapping[int, Decimal]) -> None:
    """The payer's МЭК results: SUMP of each case of the registry becomes its payable amount,
    and the registry's sums follow (the caller commits)."""
    update_rows(MedicalCase, [{"id": case_id, "sump": sump} for case_id, sump in sump_by_case.items()], ("sump",))
    refresh_sums(registry_id)


# -- linked filters of «Текущие реестры» -------------------------------------------------------------
FILTERS = ("period", "status", "reg_type", "subtype", "payer_id", "subdivision_id")
_STATUS_ORDER = {s: i for i, s in enumerate(RegistryStatus.values())}
LINKED = LinkedFilters(
    FILTERS,
    label_attrs={"payer_id": "payer", "subdivision_id": "subdivision"},
    none_labels={"subdivision_id": "без подразделения"},
    descending=frozenset({"period"}),
    order={"status": lambda value, label: (_STATUS_ORDER.get(value, 99), value)},
)


@dataclass(frozen=True)
class RegistryGroup:
    """Registries of one period, status, type, subtype, payer and subdivision."""

    year: int
    month: int
    status: str
    reg_type: str
    subtype: str
    payer_id: int
    payer: str
    subdivision_id: Optional[int]
    subdivision: str
    registries: int

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


def _list_condition(user: OmsUser, closed: bool) -> ColumnElement:
    status = Registry.status == RegistryStatus.CLOSED if closed else Registry.status != RegistryStatus.CLOSED
    return and_(Scope.of(user).clause(Registry), status)


def registry_groups(user: OmsUser, closed: bool = False) -> list[RegistryGroup]:
    """The groups of the registries the user may see (current ones, or the closed ones)."""
    payer = func.coalesce(
        Organisation.code + literal(" ") + func.coalesce(Organisation.short_name, Organisation.name), literal("")
    )
    subdivision = func.coalesce(Subdivision.code + literal(" ") + Subdivision.name, literal(""))
    cols = (
        Registry.year,
        Registry.month,
        Registry.status,
        Registry.reg_type,
        Registry.subtype,
        Registry.payer_id,
        payer,
        Registry.subdivision_id,
        subdivision,
    )
    q = (
        select(*cols, func.count())
        .outerjoin(Organisation, Organisation.id == Registry.payer_id)
        .outerjoin(Subdivision, Subdivision.id == Registry.subdivision_id)
        .where(_list_condition(user, closed))
        .group_by(*cols)
    )
    return [RegistryGroup(*row) for row in db.session.execute(q)]


def filter_options(user: OmsUser, filters: Mapping[str, str], closed: bool = False) -> dict[str, list[tuple[str, str]]]:
    """The linked dropdowns of «Текущие реестры»: values of the user's own registries only."""
    return LINKED.options(registry_groups(user, closed), filters)


def filter_clause(filters: Mapping[str, str]) -> ColumnElement:
    """The registries the chosen filters keep, as SQL (the same values the dropdowns offer; a
    value no dropdown could offer keeps nothing).  Scoping is applied apart, always."""
    conds = []
    for key in FILTERS:
        value = str(filters.get(key) or "").strip()
        if not value:
            continue
        if key == "period":
            try:
                year, month = (int(x) for x in value.split("-"))
            except ValueError:
                return false()
            conds += [Registry.year == year, Registry.month == month]
        elif key in ("payer_id", "subdivision_id"):
            if not value.isdigit():
                return false()
            column = getattr(Registry, key)
            conds.append(column.is_(None) if value == NONE_VALUE else column == int(value))
        else:
            conds.append(getattr(Registry, key) == value)
    return and_(*conds) if conds else true()


def since_clause(value: str) -> ColumnElement:
    """«Закрыт с»: the registries whose status changed on or after the date (ГГГГ-ММ-ДД); an empty
    value keeps all, a value that is no date keeps nothing."""
    value = str(value or "").strip()
    if not value:
        return true()
    try:
        since = dt.date.fromisoformat(value)
    except ValueError:
        return false()
    return Registry.changed_at >= dt.datetime.combine(since, dt.time())


def default_since(today: Optional[dt.date] = None) -> str:
    """The default of «Закрытые реестры»: the last 12 months."""
    today = today or dt.date.today()
    return (today - dt.timedelta(days=365)).isoformat()


# -- registry operations ---------------------------------------------------------------------------
def may_delete(user: OmsUser, reg: Registry) -> bool:
    """«Удалить реестр»: the registry's own МО, with the right to write, in «Создан» or «На доработку»."""
    return (
        reg.status in DELETABLE_REGISTRY_STATUSES
        and getattr(user, "organisation_id", None) == reg.organisation_id
        and can(user, PERM_WRITE, Resource.REGISTRY)
    )


def delete_registry(user: OmsUser, registry_id: int) -> Outcome:
    reg = get_scoped(user, Registry, registry_id, lock=True)
    if reg is None or not can(user, PERM_WRITE, Resource.REGISTRY) or user.organisation_id != reg.organisation_id:
        db.session.rollback()
        return Outcome(False, not_found_message(Registry))
    if reg.status not in DELETABLE_REGISTRY_STATUSES:
        db.session.rollback()
        return Outcome(False, NOT_DELETABLE)
    # the files of its cases: the timeline of a later registry of the same cases finds this one by them
    files = sorted(
        db.session.execute(select(MedicalCase.file_id).where(MedicalCase.registry_id == reg.id).distinct()).scalars()
    )
    values = dict(registry_id=None, status=CaseStatus.ACCEPTED)
    if reg.mek_loaded_at is not None:
        # the payer's SUMP was for this registry: back to what our own МЭК left payable
        values["sump"] = MedicalCase.sumv - func.coalesce(MedicalCase.mek_withheld, 0)
    returned = db.session.execute(
        update(MedicalCase)
        .where(MedicalCase.registry_id == reg.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(
        "registry_deleted",
        user=user,
        object_type="Registry",
        object_id=reg.id,
        details={
            "number": reg.number,
            "status": reg.status,
            "cases": returned,
            "files": files,
            "payer_id": reg.payer_id,
            "subdivision_id": reg.subdivision_id,
        },
    )
    payer_results = reg.mek_loaded_at is not None
    db.session.delete(reg)
    db.session.commit()
    if payer_results:  # «Аналитика»: the payer's refusals of these cases are gone
        analytics_refresh.refresh_after_delete(reg.organisation_id, reg.year, reg.month)
    return Outcome(True, f"Реестр {reg.number} удален, случаев возвращено: {returned}")


def delete_registries(user: OmsUser, registry_ids: list[int]) -> list[Outcome]:
    """«Удалить» of the action panel: each registry as by :func:`delete_registry`."""
    return [delete_registry(user, registry_id) for registry_id in registry_ids]


def registry_history(registry_id: int) -> list[RegistryStatusChange]:
    """The status changes of a registry, oldest first."""
    return (
        db.session.query(RegistryStatusChange)
        .filter_by(registry_id=registry_id)
        .order_by(RegistryStatusChange.at, RegistryStatusChange.id)
        .all()
    )
