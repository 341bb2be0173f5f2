"""The home page of the ТФОМС: the month-end progress of every МО for the period (files loaded and
failed, registries in each status — one table, each count opening its list), the registries and
sums of each payer, and the failed loads with their notes.  Dry-run files never count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.organisation import Organisation
from app.models.registry import Registry
from app.models.user import OmsUser
from app.models.vocabulary import FILE_ERRORS, FileStatus, OrgKind, RegistryStatus, Resource
from app.security.scope import Scope
from app.services.dashboards import links
from app.services.dashboards.shared import SHOWN, ZERO, Figure, Period, PeriodChoice, figure, money, real_files
from app.services.dashboards.turns import SigningQueue, signing_queue

STATUSES = tuple(RegistryStatus)  # the table's columns, in the order of the workflow
NOTE_CHARS = 160


@dataclass(frozen=True)
class MoProgress:
    """One МО's line (or the total line, ``organisation_id`` None): its files and registries."""

    organisation_id: Optional[int]
    code: str
    name: str
    files_done: Figure
    files_failed: Figure
    registries: list[Figure]  # per :data:`STATUSES`


@dataclass(frozen=True)
class PayerTotal:
    """A payer's registries of the period: those still in work and those closed, with sums."""

    code: str
    name: str
    current: Figure
    closed: Figure


@dataclass(frozen=True)
class FailedLoad:
    id: int
    name: str
    organisation: str
    status: str
    note: str
    uploaded_at: dt.datetime
    url: str


@dataclass
class TfomsDashboard:
    period: PeriodChoice
    statuses: tuple
    rows: list[MoProgress]
    total: MoProgress
    payers: list[PayerTotal]
    payers_total: PayerTotal
    failed: list[FailedLoad]
    failed_total: Figure  # the period's failed loads
    failed_without_period: Figure  # failed before the period was read (archive, upload)
    signing: Optional[SigningQueue]  # the fund as the payer of «Иногородние», for its signer
    kind: str = "tfoms"


def _file_counts(user: OmsUser, period: Period) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(UploadedFile.organisation_id, UploadedFile.status, func.count())
        .where(
            real_files(user),
            UploadedFile.year == period.year,
            UploadedFile.month == period.month,
            UploadedFile.status.in_([FileStatus.DONE, *FILE_ERRORS]),
        )
        .group_by(UploadedFile.organisation_id, UploadedFile.status)
    ).all()
    out: dict[tuple[int, str], int] = {}
    for org_id, status, n in rows:
        key = (org_id, "done" if status == FileStatus.DONE else "failed")
        out[key] = out.get(key, 0) + n
    return out


def _registry_counts(user: OmsUser, period: Period) -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        select(Registry.organisation_id, Registry.status, func.count())
        .where(Scope.of(user).clause(Registry), Registry.year == period.year, Registry.month == period.month)
        .group_by(Registry.organisation_id, Registry.status)
    ).all()
    return {(org_id, status): n for org_id, status, n in rows}


def _line(user: OmsUser, org: Optional[Organisation], period: Period, files: dict, regs: dict) -> MoProgress:
    """An МО's line; with ``org`` None the total line (the lists without the МО's filter)."""
    org_id = org.id if org is not None else None

    def count(counts: dict, key: str) -> int:
        if org_id is not None:
            return counts.get((org_id, key), 0)
        return sum(n for (_, k), n in counts.items() if k == key)

    done = figure(
        user, Resource.UPLOADED_FILE, count(files, "done"), links.files_list([FileStatus.DONE], period, org_id)
    )
    failed = figure(user, Resource.UPLOADED_FILE, count(files, "failed"), links.files_list(FILE_ERRORS, period, org_id))
    by_status = [
        figure(user, Resource.REGISTRY, count(regs, status), links.registries_list(status, period, None, org_id))
        for status in STATUSES
    ]
    if org is None:
        return MoProgress(None, "", "Итого", done, failed, by_status)
    return MoProgress(org.id, org.code, org.short_name or org.name, done, failed, by_status)


def progress(user: OmsUser, period: Period) -> tuple[list[MoProgress], MoProgress]:
    """Every МО of the scope (active ones, and any other with data for the period) and the total."""
    files, regs = _file_counts(user, period), _registry_counts(user, period)
    with_data = {org_id for org_id, _ in files} | {org_id for org_id, _ in regs}
    orgs = db.session.execute(
        select(Organisation)
        .where(
            Scope.of(user).clause(Organisation),
            Organisation.kind == OrgKind.MO,
            or_(Organisation.is_active.is_(True), Organisation.id.in_(with_data or {0})),
        )
        .order_by(Organisation.code)
    ).scalars()
    rows = [_line(user, org, period, files, regs) for org in orgs]
    return rows, _line(user, None, period, files, regs)


def payers(user: OmsUser, period: Period) -> tuple[list[PayerTotal], PayerTotal]:
    """Per payer: the period's registries in work and closed, counts, «Выставлено» and «К оплате»."""
    closed = Registry.status == RegistryStatus.CLOSED
    rows = db.session.execute(
        select(
            Registry.payer_id,
            closed.label("closed"),
            func.count(),
            func.coalesce(func.sum(Registry.sum_declared), 0),
            func.coalesce(func.sum(Registry.sum_calc), 0),
        )
        .where(Scope.of(user).clause(Registry), Registry.year == period.year, Registry.month == period.month)
        .group_by(Registry.payer_id, closed)
    ).all()
    found: dict[tuple[Optional[int], bool], list] = {}
    for payer_id, is_closed, n, declared, payable in rows:
        for key in ((payer_id, bool(is_closed)), (None, bool(is_closed))):
            acc = found.setdefault(key, [0, ZERO, ZERO])
            acc[0], acc[1], acc[2] = acc[0] + n, acc[1] + money(declared), acc[2] + money(payable)
    payer_ids = sorted({p for p, _ in found if p is not None})
    names = {
        o.id: o for o in db.session.execute(select(Organisation).where(Organisation.id.in_(payer_ids or [0]))).scalars()
    }

    def total(payer_id: Optional[int], code: str, name: str) -> PayerTotal:
        def fig(is_closed: bool) -> Figure:
            n, declared, payable = found.get((payer_id, is_closed), (0, ZERO, ZERO))
            url = links.registries_list(None, period, payer_id, closed=is_closed)
            return figure(user, Resource.REGISTRY, n, url, declared, payable)

        return PayerTotal(code, name, fig(False), fig(True))

    out = [
        total(p, names[p].code, names[p].short_name or names[p].name)
        for p in sorted(payer_ids, key=lambda i: names[i].code if i in names else "")
        if p in names
    ]
    return out, total(None, "", "Итого")


def failed_loads(user: OmsUser, period: Period) -> tuple[list[FailedLoad], Figure, Figure]:
    """The failed loads of the period, and of files whose period was never read (the archive or the
    upload failed), the latest first."""
    of_period = and_(UploadedFile.year == period.year, UploadedFile.month == period.month)
    without = UploadedFile.year.is_(None)
    failed = and_(real_files(user), UploadedFile.status.in_(FILE_ERRORS))

    def count(cond: object) -> int:
        return db.session.execute(select(func.count()).select_from(UploadedFile).where(failed, cond)).scalar_one()

    rows = db.session.execute(
        select(UploadedFile, Organisation)
        .join(Organisation, Organisation.id == UploadedFile.organisation_id)
        .where(failed, or_(of_period, without))
        .order_by(UploadedFile.uploaded_at.desc(), UploadedFile.id.desc())
        .limit(SHOWN)
    ).all()
    loads = [
        FailedLoad(
            f.id,
            f.archive_name,
            org.short_name or org.name,
            f.status,
            _short(f.note),
            f.uploaded_at,
            links.file_card(f.id),
        )
        for f, org in rows
    ]
    in_period = figure(user, Resource.UPLOADED_FILE, count(of_period), links.files_list(FILE_ERRORS, period))
    unread = figure(user, Resource.UPLOADED_FILE, count(without), links.files_list(FILE_ERRORS, no_period=True))
    return loads, in_period, unread


def _short(note: Optional[str]) -> str:
    note = (note or "").strip()
    return note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1] + "…"


def tfoms_dashboard(user: OmsUser, period: PeriodChoice) -> TfomsDashboard:
    """The fund's home page for the chosen period."""
    p = period.current
    rows, total = progress(user, p)
    payer_rows, payers_total = payers(user, p)
    failed, failed_total, without = failed_loads(user, p)
    return TfomsDashboard(
        period=period,
        statuses=STATUSES,
        rows=rows,
        total=total,
        payers=payer_rows,
        payers_total=payers_total,
        failed=failed,
        failed_total=failed_total,
        failed_without_period=without,
        signing=signing_queue(user, RegistryStatus.SMO_SIGNING),
    )
