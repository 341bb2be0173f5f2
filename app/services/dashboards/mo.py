"""The home page of an МО user: what is loading now, the period's cases by status with their sums
and what the МЭК withheld, the period's registries by status, «ваша очередь подписать» and the
registries returned «На доработку» with the payer's reasons.

Every query goes through the user's scope, so a login limited to a subdivision sees its
subdivision's files, cases and registries only; dry-run files never count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.core.withheld import Withheld
from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.registry import Registry, RegistryRefusal, RegistryStatusChange
from app.models.user import OmsUser
from app.models.vocabulary import FILE_LOADING, CaseStatus, FileStatus, RegistryStatus, Resource
from app.security.scope import Scope
from app.services.accounts.people import person_name
from app.services.dashboards import links
from app.services.dashboards.shared import (
    SHOWN,
    ZERO,
    Figure,
    Period,
    PeriodChoice,
    RegistryLink,
    counted_files,
    figure,
    money,
    org_name,
    real_files,
    registry_link,
)
from app.services.dashboards.turns import SigningQueue, signing_queue
from app.services.intake.reports import mek_money

#: the case statuses of the period's table, in the order of a case's path
CASE_ROWS = (
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REGISTRY,
    CaseStatus.FLK_REJECTED,
    CaseStatus.MEK_REJECTED,
    CaseStatus.SUSPENDED,
    CaseStatus.EXCLUDED,
)
#: rows shown even when empty (the others only when they have cases)
ALWAYS_SHOWN = (CaseStatus.ACCEPTED, CaseStatus.IN_REGISTRY, CaseStatus.FLK_REJECTED, CaseStatus.MEK_REJECTED)
CASE_LABELS = {
    CaseStatus.ACCEPTED: "Приняты, ждут реестра",
    CaseStatus.IN_REGISTRY: "Приняты, в реестрах",
    CaseStatus.FLK_REJECTED: "Отклонены ФЛК",
    CaseStatus.MEK_REJECTED: "Отклонены МЭК",
    CaseStatus.SUSPENDED: "Приостановлены",
    CaseStatus.EXCLUDED: "Исключены",
}


@dataclass(frozen=True)
class LoadingFile:
    """A file loading now: its stage (the status) and percentage, and its card."""

    id: int
    name: str
    stage: str
    progress: int
    uploaded_at: dt.datetime
    url: str


@dataclass(frozen=True)
class Row:
    """A line of a table: what it counts and the figure."""

    label: str
    figure: Figure


@dataclass(frozen=True)
class Return:
    """A registry returned «На доработку»: who returned it, when, why (the comment), and the
    refusals of the payer's МЭК results (their count and the sum withheld, on the registry's card)."""

    registry: RegistryLink
    payer: str
    at: Optional[dt.datetime]
    who: str
    comment: str
    refusals: Figure


@dataclass
class MoDashboard:
    period: PeriodChoice
    loading: list[LoadingFile]
    loading_total: Figure
    cases: list[Row]
    cases_total: Figure
    files_done: Figure  # the period's loaded files: their rows show «Снято по МЭК»
    withheld: Withheld
    registries: list[Row]
    registries_total: Figure
    signing: Optional[SigningQueue]
    returns: list[Return] = field(default_factory=list)
    returns_total: Figure = field(default_factory=lambda: Figure(0))
    kind: str = "mo"


def _loading(user: OmsUser) -> tuple[list[LoadingFile], Figure]:
    cond = and_(real_files(user), UploadedFile.status.in_(FILE_LOADING))
    total = db.session.execute(select(func.count()).select_from(UploadedFile).where(cond)).scalar_one()
    rows = db.session.execute(
        select(
            UploadedFile.id,
            UploadedFile.archive_name,
            UploadedFile.status,
            UploadedFile.progress,
            UploadedFile.uploaded_at,
        )
        .where(cond)
        .order_by(UploadedFile.uploaded_at.desc(), UploadedFile.id.desc())
        .limit(SHOWN)
    ).all()
    files = [
        LoadingFile(i, name, status, max(0, min(100, progress or 0)), at, links.file_card(i))
        for i, name, status, progress, at in rows
    ]
    return files, figure(user, Resource.UPLOADED_FILE, total, links.files_list(FILE_LOADING))


def _cases(user: OmsUser, period: Period) -> tuple[list[Row], Figure]:
    """The period's cases of loaded files by status: count and SUMV, each to «Случаи» filtered alike."""
    rows = db.session.execute(
        select(MedicalCase.status, func.count(), func.coalesce(func.sum(MedicalCase.sumv), 0))
        .where(
            Scope.of(user).clause(MedicalCase),
            MedicalCase.file_id.in_(counted_files()),
            MedicalCase.year == period.year,
            MedicalCase.month == period.month,
        )
        .group_by(MedicalCase.status)
    ).all()
    by_status = {status: (n, money(sumv)) for status, n, sumv in rows}
    out = []
    for status in CASE_ROWS:
        n, sumv = by_status.get(status, (0, ZERO))
        if n or status in ALWAYS_SHOWN:
            url = links.cases_list([status], period)
            out.append(Row(CASE_LABELS[status], figure(user, Resource.MEDICAL_CASE, n, url, sumv)))
    total = sum(n for n, _ in by_status.values())
    total_sum = sum((s for _, s in by_status.values()), ZERO)
    return out, figure(user, Resource.MEDICAL_CASE, total, links.cases_list((), period), total_sum)


def _files_done(user: OmsUser, period: Period) -> tuple[Figure, Withheld]:
    """The period's loaded files and «Снято по МЭК» summed over them, as their rows show it."""
    ids = list(
        db.session.execute(
            select(UploadedFile.id).where(
                real_files(user),
                UploadedFile.status == FileStatus.DONE,
                UploadedFile.year == period.year,
                UploadedFile.month == period.month,
            )
        ).scalars()
    )
    money_by_file = mek_money(ids).values()
    withheld = Withheld(
        sum(w.refused for w in money_by_file),
        sum((w.refused_sum for w in money_by_file), ZERO),
        sum(w.partial for w in money_by_file),
        sum((w.partial_sum for w in money_by_file), ZERO),
    )
    files = figure(user, Resource.UPLOADED_FILE, len(ids), links.files_list([FileStatus.DONE], period))
    return files, withheld


def registries_by_status(user: OmsUser, period: Period) -> tuple[list[Row], Figure]:
    """The period's registries of the scope by status: count, «Выставлено» and «К оплате» (the
    columns of the registry lists), each to its list; a status without registries is left out."""
    rows = db.session.execute(
        select(
            Registry.status,
            func.count(),
            func.coalesce(func.sum(Registry.sum_declared), 0),
            func.coalesce(func.sum(Registry.sum_calc), 0),
        )
        .where(Scope.of(user).clause(Registry), Registry.year == period.year, Registry.month == period.month)
        .group_by(Registry.status)
    ).all()
    out, total, declared_total, payable_total = [], 0, ZERO, ZERO
    by_status = {status: (n, money(declared), money(payable)) for status, n, declared, payable in rows}
    for status in RegistryStatus:
        if status not in by_status:
            continue
        n, declared, payable = by_status[status]
        url = links.registries_list(status, period)
        out.append(Row(status.label, figure(user, Resource.REGISTRY, n, url, declared, payable)))
        total, declared_total, payable_total = total + n, declared_total + declared, payable_total + payable
    return out, Figure(total, None, declared_total, payable_total)


def returns(user: OmsUser) -> tuple[list[Return], Figure]:
    """The registries of the scope now «На доработку» (every period), the latest returned first,
    with the return's comment and the payer's refusals."""
    cond = and_(Scope.of(user).clause(Registry), Registry.status == RegistryStatus.REWORK)
    total = db.session.execute(select(func.count()).select_from(Registry).where(cond)).scalar_one()
    regs = list(
        db.session.execute(
            select(Registry)
            .where(cond)
            .options(selectinload(Registry.organisation), selectinload(Registry.payer))
            .order_by(Registry.changed_at.desc(), Registry.id.desc())
            .limit(SHOWN)
        ).scalars()
    )
    ids = [r.id for r in regs]
    last: dict[int, RegistryStatusChange] = {}
    refusals: dict[int, tuple[int, Decimal]] = {}
    if ids:
        for change in db.session.execute(
            select(RegistryStatusChange)
            .where(RegistryStatusChange.registry_id.in_(ids), RegistryStatusChange.to_status == RegistryStatus.REWORK)
            .order_by(RegistryStatusChange.at, RegistryStatusChange.id)
        ).scalars():
            last[change.registry_id] = change
        refusals = {
            reg_id: (n, money(s))
            for reg_id, n, s in db.session.execute(
                select(RegistryRefusal.registry_id, func.count(), func.coalesce(func.sum(RegistryRefusal.sank_it), 0))
                .where(RegistryRefusal.registry_id.in_(ids))
                .group_by(RegistryRefusal.registry_id)
            )
        }
    names = _names({c.user_id for c in last.values() if c.user_id})
    out = []
    for reg in regs:
        change = last.get(reg.id)
        n, withheld = refusals.get(reg.id, (0, ZERO))
        who = (names.get(change.user_id) or person_name(None, change.username)) if change else ""
        out.append(
            Return(
                registry=registry_link(reg, links.registry_card(reg.id)),
                payer=org_name(reg.payer),
                at=change.at if change else None,
                who=who,
                comment=(change.comment or "") if change else "",
                refusals=figure(user, Resource.REGISTRY, n, links.registry_card(reg.id, "refusals"), withheld),
            )
        )
    return out, figure(user, Resource.REGISTRY, total, links.registries_list(RegistryStatus.REWORK))


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    users = db.session.execute(select(OmsUser).where(OmsUser.id.in_(user_ids))).scalars()
    return {u.id: person_name(u) for u in users}


def mo_dashboard(user: OmsUser, period: PeriodChoice) -> MoDashboard:
    """The МО user's home page for the chosen period (loading files, signing and returns: now)."""
    loading, loading_total = _loading(user)
    cases, cases_total = _cases(user, period.current)
    files_done, withheld = _files_done(user, period.current)
    registries, registries_total = registries_by_status(user, period.current)
    returned, returns_total = returns(user)
    return MoDashboard(
        period=period,
        loading=loading,
        loading_total=loading_total,
        cases=cases,
        cases_total=cases_total,
        files_done=files_done,
        withheld=withheld,
        registries=registries,
        registries_total=registries_total,
        signing=signing_queue(user, RegistryStatus.MO_SIGNING),
        returns=returned,
        returns_total=returns_total,
    )
