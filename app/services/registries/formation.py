"""«Формирование»: accepted cases not yet in a registry, grouped by period, registry type, subtype
and subdivision; «Сформировать реестр» creates one registry per payer (СМО), and one
«Иногородние» registry (АПП, СМП and стационар together) with the ТФОМС as payer.

Formations of one МО are serialised by a row lock on the МО, and every case is moved into its
registry by a conditional update (``registry_id IS NULL AND status = 'Принят'``): two users
forming the same rows at once — one succeeds, the other gets a clear message; a case is never in
two registries (one ``registry_id`` column, and a check that ties it to «В реестре»).

Sums: a group's and a registry's «Сумма к оплате» is Σ of the cases' amount payable (SUMP, after
the partial МЭК sanctions — :func:`app.services.registries.queries.payable_expr`), the registry's
«Сумма выставленная» Σ SUMV.  The linked dropdowns are :mod:`app.services.registries.linked_filters`.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Mapping, Optional

from sqlalchemy import ColumnElement, and_, case, func, literal, select, update
from sqlalchemy.exc import OperationalError

from app.core import audit
from app.core.outcome import Outcome
from app.extensions import db
from app.models.intake import MedicalCase, Patient, UploadedFile
from app.models.organisation import Organisation, Subdivision
from app.models.registry import Registry, RegistryStatusChange
from app.models.user import OmsUser
from app.models.vocabulary import (
    REGISTRY_TYPE_BY_USL_OK,
    CaseStatus,
    FileStatus,
    OrgKind,
    RegistryStatus,
    RegistryType,
    Resource,
)
from app.security.access import can
from app.security.permissions import PERM_WRITE
from app.security.scope import Scope
from app.services.registries.linked_filters import NONE_VALUE, LinkedFilters
from app.services.registries.queries import payable_expr

NOTHING_TO_FORM = (
    "Нет случаев для формирования реестра по выбранным условиям: возможно, они уже "
    "включены в реестр другим пользователем. Обновите вкладку «Формирование»"
)
NO_PAYER = "Для случаев не определен плательщик (СМО): они пропущены"


def registry_type_expr() -> ColumnElement:
    """The registry type of a case as SQL (non-residents first, then by USL_OK)."""
    whens = [(MedicalCase.nonresident.is_(True), literal(RegistryType.NONRESIDENT))]
    whens += [(MedicalCase.usl_ok == k, literal(v)) for k, v in REGISTRY_TYPE_BY_USL_OK.items()]
    return case(*whens, else_=literal("—"))


def _base(user: OmsUser) -> list[ColumnElement]:
    return [
        Scope.of(user).clause(MedicalCase),
        MedicalCase.status == CaseStatus.ACCEPTED,
        MedicalCase.registry_id.is_(None),
    ]


@dataclass
class Group:
    year: int
    month: int
    reg_type: str
    subtype: str
    subdivision_id: Optional[int]
    subdivision: str
    cases: int
    sum: Decimal

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


def groups(user: OmsUser) -> list[Group]:
    """Every formation row of the user's scope (a few dozen rows: filtered in memory)."""
    rtype = registry_type_expr().label("reg_type")
    q = (
        select(
            MedicalCase.year,
            MedicalCase.month,
            rtype,
            MedicalCase.file_type,
            MedicalCase.subdivision_id,
            func.count(),
            func.coalesce(func.sum(payable_expr()), 0),
        )
        .join(UploadedFile, and_(UploadedFile.id == MedicalCase.file_id, UploadedFile.status == FileStatus.DONE))
        .where(*_base(user))
        .group_by(MedicalCase.year, MedicalCase.month, rtype, MedicalCase.file_type, MedicalCase.subdivision_id)
    )
    rows = db.session.execute(q).all()
    names = (
        {
            s.id: f"{s.code} {s.name}"
            for s in db.session.query(Subdivision).filter(Subdivision.id.in_({r[4] for r in rows if r[4]}))
        }
        if rows
        else {}
    )
    out = [
        Group(y, m, t, st or "H", sub, names.get(sub, ""), n, Decimal(s).quantize(Decimal("0.01")))
        for y, m, t, st, sub, n, s in rows
    ]
    return sorted(out, key=lambda g: (-g.year, -g.month, g.reg_type, g.subtype, g.subdivision))


def subdivisions_to_choose(user: OmsUser) -> list[Subdivision]:
    """The active subdivisions the user may tick for «Сформировать реестр» (none for a login
    limited to one subdivision: its registries are that subdivision's)."""
    if getattr(user, "organisation", None) is None or user.subdivision_id:
        return []
    return (
        db.session.query(Subdivision)
        .filter_by(organisation_id=user.organisation_id, is_active=True)
        .order_by(Subdivision.code)
        .all()
    )


def group_cases(
    user: OmsUser, filters: Mapping[str, str], page: int, size: int
) -> Optional[tuple[list[tuple[MedicalCase, Optional[Patient]]], int]]:
    """The cases behind one row of «Формирование» (period, type, subtype, subdivision), a page of
    them and their number; None when the filters do not name a row."""
    try:
        year, month = (int(x) for x in (filters.get("period") or "").split("-"))
    except ValueError:
        return None
    cond = [
        *_base(user),
        MedicalCase.year == year,
        MedicalCase.month == month,
        registry_type_expr() == (filters.get("reg_type") or ""),
        MedicalCase.file_type == (filters.get("subtype") or ""),
    ]
    sub = filters.get("subdivision_id") or ""
    if sub and sub != NO_SUBDIVISION:
        if not sub.isdigit():
            return None
        cond.append(MedicalCase.subdivision_id == int(sub))
    else:
        cond.append(MedicalCase.subdivision_id.is_(None))
    q = (
        select(MedicalCase, Patient)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .join(UploadedFile, and_(UploadedFile.id == MedicalCase.file_id, UploadedFile.status == FileStatus.DONE))
        .where(*cond)
    )
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    cases = db.session.execute(q.order_by(MedicalCase.id).offset(page * size).limit(size)).all()
    return [tuple(row) for row in cases], total


FILTERS = ("period", "reg_type", "subtype", "subdivision_id")
NO_SUBDIVISION = NONE_VALUE  # the filter value of the cases of the МО as a whole
LINKED = LinkedFilters(
    FILTERS,
    label_attrs={"subdivision_id": "subdivision"},
    none_labels={"subdivision_id": "без подразделения"},
    descending=frozenset({"period"}),
)


@dataclass(frozen=True)
class FormationPage:
    rows: list[Group]  # the groups the filters keep
    options: dict[str, list[tuple[str, str]]]  # the linked dropdowns
    subdivisions: list[Subdivision]  # what «Сформировать реестр» offers to tick
    total_cases: int
    total_sum: Decimal


def formation_page(user: OmsUser, filters: Mapping[str, str]) -> FormationPage:
    """«Формирование»: the user's groups with the linked filters applied."""
    rows = groups(user)
    shown = apply_filters(rows, filters)
    return FormationPage(
        rows=shown,
        options=filter_options(rows, filters),
        subdivisions=subdivisions_to_choose(user),
        total_cases=sum(r.cases for r in shown),
        total_sum=sum((r.sum for r in shown), Decimal("0.00")),
    )


def apply_filters(rows: list[Group], filters: dict) -> list[Group]:
    return LINKED.apply(rows, filters)


def filter_options(rows: list[Group], filters: dict) -> dict[str, list[tuple[str, str]]]:
    """Linked dropdowns: each list offers the values left by the other filters."""
    return LINKED.options(rows, filters)


def _tfoms() -> Organisation:
    return db.session.query(Organisation).filter_by(kind=OrgKind.TFOMS).order_by(Organisation.id).first()


def form_registries(
    user: OmsUser, period: str, reg_type: str, subdivision_codes: Optional[list[str]] = None
) -> Outcome:
    """Create the registries of ``period`` (YYYY-MM) and ``reg_type``; with subdivision codes, one
    per subdivision and payer (each code must be ticked explicitly), else for the whole МО."""
    org = getattr(user, "organisation", None)
    if org is None or org.kind != OrgKind.MO or not can(user, PERM_WRITE, Resource.FORMATION):
        return Outcome(False, "Формировать реестры могут только пользователи МО с правом записи")
    try:
        year, month = (int(x) for x in period.split("-"))
    except (ValueError, AttributeError):
        return Outcome(False, "Период указывается как ГГГГ-ММ")
    if reg_type not in (*REGISTRY_TYPE_BY_USL_OK.values(), RegistryType.NONRESIDENT):
        return Outcome(False, f"Неизвестный тип реестра «{reg_type}»")
    subs: list[Optional[Subdivision]] = [None]
    if user.subdivision_id:
        subs = [user.subdivision]
    elif subdivision_codes:
        found = (
            db.session.query(Subdivision)
            .filter(Subdivision.organisation_id == org.id, Subdivision.code.in_(subdivision_codes))
            .all()
        )
        if len(found) != len(set(subdivision_codes)):
            return Outcome(False, "Подразделение не найдено в вашей МО")
        subs = sorted(found, key=lambda s: s.code)

    with _one_formation_at_a_time(org.id):
        try:
            return _form(user, org, year, month, reg_type, subs, period)
        except OperationalError:  # SQLite: the database stayed busy past its timeout
            db.session.rollback()
            return Outcome(False, BUSY)


BUSY = "База данных занята другой операцией, повторите формирование через минуту"
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


@contextmanager
def _one_formation_at_a_time(org_id: int) -> Iterator[None]:
    """Formations of one МО one after another.  PostgreSQL: the row lock on the МО taken in
    :func:`_form`.  SQLite (the embedded mode, one process) locks no rows: a lock per МО here."""
    if db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    with _locks_guard:
        lock = _locks.setdefault(org_id, threading.Lock())
    with lock:
        yield


def _form(
    user: OmsUser,
    org: Organisation,
    year: int,
    month: int,
    reg_type: str,
    subs: list[Optional[Subdivision]],
    period: str,
) -> Outcome:
    # one formation of an МО at a time: the second waits here, then finds the rows gone
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    rtype = registry_type_expr()
    cond = [
        *_base(user),
        MedicalCase.year == year,
        MedicalCase.month == month,
        rtype == reg_type,
        MedicalCase.file_id.in_(
            select(UploadedFile.id).where(
                UploadedFile.organisation_id == org.id, UploadedFile.status == FileStatus.DONE
            )
        ),
    ]
    tfoms = _tfoms()
    created, skipped_no_payer = [], 0
    for sub in subs:
        sub_cond = cond + ([MedicalCase.subdivision_id == sub.id] if sub is not None else [])
        # non-residents: one registry (per subtype) to the ТФОМС, whoever insures them
        payer_col = literal(None) if reg_type == RegistryType.NONRESIDENT else MedicalCase.payer_id
        parts = db.session.execute(
            select(
                payer_col,
                MedicalCase.file_type,
                func.count(),
                func.coalesce(func.sum(MedicalCase.sumv), 0),
                func.coalesce(func.sum(payable_expr()), 0),
            )
            .where(*sub_cond)
            .group_by(*([] if reg_type == RegistryType.NONRESIDENT else [MedicalCase.payer_id]), MedicalCase.file_type)
            .order_by(MedicalCase.file_type)
        ).all()
        for payer_id, subtype, count, declared, payable in parts:
            if reg_type == RegistryType.NONRESIDENT:
                payer_id = tfoms.id
                payer_cond = [MedicalCase.nonresident.is_(True)]
            elif payer_id is None:
                skipped_no_payer += count
                continue
            else:
                payer_cond = [MedicalCase.payer_id == payer_id]
            reg = Registry(
                number=_next_number(org, year, month),
                organisation_id=org.id,
                subdivision_id=sub.id if sub is not None else None,
                payer_id=payer_id,
                year=year,
                month=month,
                reg_type=reg_type,
                subtype=subtype or "H",
                status=RegistryStatus.CREATED,
                cases=count,
                sum_declared=declared,
                sum_calc=payable,
                created_by_id=user.id,
            )
            db.session.add(reg)
            db.session.flush()
            moved = db.session.execute(
                update(MedicalCase)
                .where(*sub_cond, *payer_cond, MedicalCase.file_type == subtype)
                .values(registry_id=reg.id, status=CaseStatus.IN_REGISTRY)
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved != count:
                db.session.rollback()
                return Outcome(False, NOTHING_TO_FORM)
            db.session.add(
                RegistryStatusChange(
                    registry_id=reg.id,
                    from_status=None,
                    to_status=RegistryStatus.CREATED,
                    user_id=user.id,
                    username=user.username,
                )
            )
            created.append(reg)
    if not created:
        db.session.rollback()
        return Outcome(False, NOTHING_TO_FORM)
    audit.record(
        "registries_formed",
        user=user,
        object_type="Registry",
        details={"period": period, "type": reg_type, "registries": [r.number for r in created]},
    )
    db.session.commit()
    result = [registry_summary(r) for r in created]
    message = f"Сформировано реестров: {len(created)}"
    if skipped_no_payer:
        message += f". {NO_PAYER} ({skipped_no_payer})"
    return Outcome(True, message, registries=result)


def registry_summary(reg: Registry) -> dict:
    payer = reg.payer or db.session.get(Organisation, reg.payer_id)
    return {
        "id": reg.id,
        "number": reg.number,
        "payer": payer.code if payer else None,
        "type": reg.reg_type,
        "subtype": reg.subtype,
        "cases": reg.cases,
        "sum": str(reg.sum_calc),
    }


def _next_number(org: Organisation, year: int, month: int) -> str:
    """«<МО>-<ГГММ>-<NNN>»: the next number of the МО in the period (never reused)."""
    prefix = f"{org.code}-{year % 100:02d}{month:02d}-"
    taken = (
        db.session.execute(
            select(Registry.number).where(Registry.organisation_id == org.id, Registry.number.like(prefix + "%"))
        )
        .scalars()
        .all()
    )
    last = max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:03d}"
