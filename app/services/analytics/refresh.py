"""Rebuilding the refusal figures of «Аналитика» (:mod:`app.models.analytics`) of one МО and period
from the cases of its loaded files — after a load, a deletion, a change of case status and the
payer's МЭК results; ``oms refresh-analytics`` rebuilds them all.

What counts: the cases of the files «Процесс загрузки завершен» (never a dry run: «Проверить без
загрузки» ends «Проверка завершена» and its flag is checked too).  The definitions:

- «Все»: every case, its declared SUMV (the base of the shares);
- «ФЛК»: a case «Отклонен ФЛК» loses its whole SUMV.  A rule's cases are those its findings name,
  and for an error of a person of the L file the cases of that person in the file (they are refused
  for it);
- «МЭК»: the same definition as «Снято по МЭК» of the file rows (``reports.mek_money``): the sum
  withheld from a case is the larger of its own sanction (SANK_IT, ``mek_withheld``) and what the
  payer's results left unpaid (SUMV − SUMP); a case refused in full loses that sum, or its SUMV when
  it is zero.  Per rule: the cases of its findings and the sum of their sanctions (S_SUM) — a case
  hit by two rules counts under each, and once in the total;
- «СМО» (the payer's МЭК results file, ``RegistryRefusal``): per F014 reason S_OSN the refused cases
  and their SANK_IT (a case refused for two reasons counts under each), once in the total.

A refresh deletes and writes the rows of its МО and period in the caller's transaction, under a
lock of the МО (PostgreSQL advisory lock), so two loads of one МО finishing together never write a
period twice.  The ``refresh_after_*`` hooks commit on their own and never raise: the figures are
derived, a failure is logged and ``oms refresh-analytics`` mends it, and the user's operation
(already committed) stands."""

from __future__ import annotations

import logging
import time
from decimal import Decimal
from typing import Callable, Iterable, Optional

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union,
)
from sqlalchemy import case as sql_case

from app.core.bulk import insert_rows
from app.core.withheld import case_withheld, refused_in_full, withheld_in_part
from app.extensions import db
from app.models.analytics import RefusalCase, RefusalSource, RefusalStat, RefusalTotal
from app.models.intake import ControlError, MedicalCase, UploadedFile
from app.models.registry import Registry, RegistryRefusal
from app.models.vocabulary import CaseStatus, FileStatus

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
_LOCK_CLASS = 1818  # the first key of the advisory lock: «Аналитика» of an МО (the second key)

Period = tuple[int, int, int]  # organisation id, year, month


# -- what counts -----------------------------------------------------------------------------------------
def counted_files(
    organisation_id: Optional[int] = None, year: Optional[int] = None, month: Optional[int] = None
) -> Select:
    """The ids of the files whose cases count (loaded to the end, not a dry run), as a subquery;
    narrowed to an МО and a period when given."""
    q = select(UploadedFile.id).where(UploadedFile.status == FileStatus.DONE, UploadedFile.dry_run.is_(False))
    if organisation_id is not None:
        q = q.where(UploadedFile.organisation_id == organisation_id)
    if year is not None:
        q = q.where(UploadedFile.year == year, UploadedFile.month == month)
    return q


def mek_amount() -> ColumnElement:
    """The sum a case lost on the МЭК (0 when it lost nothing)."""
    withheld = case_withheld()
    return sql_case(
        (refused_in_full(), sql_case((withheld > 0, withheld), else_=func.coalesce(MedicalCase.sumv, 0))),
        (withheld_in_part(), withheld),
        else_=0,
    )


def flk_cases_by_code(files: Select) -> CompoundSelect:
    """(case id, code) of the ФЛК refusals of the cases of ``files``: the findings on a case, and
    the findings on a person of the L file for each of that person's cases in the file."""
    refused = MedicalCase.status == CaseStatus.FLK_REJECTED
    own = (
        select(MedicalCase.id.label("case_id"), ControlError.code.label("code"))
        .join(MedicalCase, MedicalCase.id == ControlError.case_id)
        .where(ControlError.file_id.in_(files), ControlError.stage == RefusalSource.FLK, refused)
    )
    of_person = (
        select(MedicalCase.id.label("case_id"), ControlError.code.label("code"))
        .join(
            MedicalCase,
            and_(MedicalCase.file_id == ControlError.file_id, MedicalCase.id_pac == ControlError.id_pac),
        )
        .where(
            ControlError.file_id.in_(files),
            ControlError.stage == RefusalSource.FLK,
            ControlError.case_id.is_(None),
            ControlError.id_pac.is_not(None),
            refused,
        )
    )
    return union(own, of_person)


def payer_refusals(files: Select, organisation_id: int, year: int, month: int) -> Select:
    """(case id, subdivision, payer, F014 codes, SANK_IT) of the payer's refusals of the cases of
    ``files``: those of the МО's registries of the period (a registry holds the cases of its period)."""
    registries = select(Registry.id).where(
        Registry.organisation_id == organisation_id, Registry.year == year, Registry.month == month
    )
    return (
        select(
            RegistryRefusal.case_id,
            MedicalCase.subdivision_id,
            MedicalCase.payer_id,
            RegistryRefusal.codes,
            RegistryRefusal.sank_it,
        )
        .join(MedicalCase, MedicalCase.id == RegistryRefusal.case_id)
        .where(RegistryRefusal.registry_id.in_(registries), MedicalCase.file_id.in_(files))
    )


def split_codes(codes: Optional[str]) -> list[str]:
    """The F014 reasons of a refusal («5.2.4; 5.3.1»), each once, in order."""
    return list(dict.fromkeys(c.strip()[:20] for c in (codes or "").split(";") if c.strip())) or ["—"]


# -- one МО and period ------------------------------------------------------------------------------------
def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _lock(organisation_id: int) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _LOCK_CLASS, "b": organisation_id})


_CASE_COLUMNS = ("case_id", "organisation_id", "subdivision_id", "payer_id", "year", "month", "stage", "code", "amount")


def _case_rows(stage: str, query: Select, organisation_id: int, year: int, month: int) -> None:
    """Write the refused cases of ``query`` — (case id, subdivision, payer, code, amount) — as rows
    of :class:`RefusalCase` of the МО, period and ``stage``, set-based."""
    rows = query.subquery()
    db.session.execute(
        insert(RefusalCase).from_select(
            _CASE_COLUMNS,
            select(
                rows.c.case_id,
                literal(organisation_id),
                rows.c.subdivision_id,
                rows.c.payer_id,
                literal(year),
                literal(month),
                literal(str(stage)),
                rows.c.code,
                func.coalesce(rows.c.amount, 0),
            ),
        )
    )


def _cases(*columns: ColumnElement) -> list[ColumnElement]:
    return [
        MedicalCase.id.label("case_id"),
        MedicalCase.subdivision_id.label("subdivision_id"),
        MedicalCase.payer_id.label("payer_id"),
        *columns,
    ]


def refresh_period(organisation_id: int, year: int, month: int) -> dict[str, int]:
    """Rewrite the figures of one МО and period from its cases (the caller commits): first the
    refused cases (:class:`RefusalCase`), then the figures as their sums — so a list of cases always
    holds the cases of its figure.  Returns how many rows of each table were written."""
    _lock(organisation_id)
    for model in (RefusalStat, RefusalTotal, RefusalCase):
        db.session.execute(
            delete(model).where(model.organisation_id == organisation_id, model.year == year, model.month == month)
        )
    files = counted_files(organisation_id, year, month)
    whole = literal("")
    sumv = func.coalesce(MedicalCase.sumv, 0)

    # ФЛК: the refused cases, and each case under every rule that names it (or its person)
    flk = MedicalCase.status == CaseStatus.FLK_REJECTED
    _case_rows(
        RefusalSource.FLK,
        select(*_cases(whole.label("code"), sumv.label("amount"))).where(MedicalCase.file_id.in_(files), flk),
        organisation_id,
        year,
        month,
    )
    pairs = flk_cases_by_code(files).subquery()
    _case_rows(
        RefusalSource.FLK,
        select(*_cases(pairs.c.code.label("code"), sumv.label("amount")))
        .select_from(pairs)
        .join(MedicalCase, MedicalCase.id == pairs.c.case_id),
        organisation_id,
        year,
        month,
    )
    # МЭК: what each case lost («Снято по МЭК» of the file rows), and each rule's sanctions on it
    amount = mek_amount()
    _case_rows(
        RefusalSource.MEK,
        select(*_cases(whole.label("code"), amount.label("amount"))).where(MedicalCase.file_id.in_(files), amount > 0),
        organisation_id,
        year,
        month,
    )
    _case_rows(
        RefusalSource.MEK,
        select(
            *_cases(
                ControlError.code.label("code"), func.sum(func.coalesce(ControlError.sanction_sum, 0)).label("amount")
            )
        )
        .select_from(ControlError)
        .join(MedicalCase, MedicalCase.id == ControlError.case_id)
        .where(ControlError.file_id.in_(files), ControlError.stage == RefusalSource.MEK)
        .group_by(MedicalCase.id, MedicalCase.subdivision_id, MedicalCase.payer_id, ControlError.code),
        organisation_id,
        year,
        month,
    )
    # the payer's МЭК results: the refused case once, and under each F014 reason it names
    refusals: dict[tuple[int, str], dict] = {}
    for case_id, sub, payer, codes, sank_it in db.session.execute(payer_refusals(files, organisation_id, year, month)):
        for code in ("", *split_codes(codes)):
            row = refusals.setdefault(
                (case_id, code),
                dict(
                    case_id=case_id,
                    organisation_id=organisation_id,
                    subdivision_id=sub,
                    payer_id=payer,
                    year=year,
                    month=month,
                    stage=str(RefusalSource.PAYER),
                    code=code,
                    amount=ZERO,
                ),
            )
            row["amount"] = max(row["amount"], _money(sank_it))
    insert_rows(RefusalCase.__table__, list(refusals.values()), _CASE_COLUMNS)
    db.session.flush()

    # the figures: the sums of the refused cases, and every case of the files («Все»)
    mine = and_(RefusalCase.organisation_id == organisation_id, RefusalCase.year == year, RefusalCase.month == month)
    keys = (RefusalCase.subdivision_id, RefusalCase.payer_id, RefusalCase.stage)
    period = (literal(organisation_id), literal(year), literal(month))
    figure_columns = ("organisation_id", "year", "month", "subdivision_id", "payer_id", "stage")
    db.session.execute(
        insert(RefusalStat).from_select(
            (*figure_columns, "code", "cases", "amount"),
            select(*period, *keys, RefusalCase.code, func.count(), func.sum(RefusalCase.amount))
            .where(mine, RefusalCase.code != "")
            .group_by(*keys, RefusalCase.code),
        )
    )
    db.session.execute(
        insert(RefusalTotal).from_select(
            (*figure_columns, "cases", "amount"),
            select(*period, *keys, func.count(), func.sum(RefusalCase.amount))
            .where(mine, RefusalCase.code == "")
            .group_by(*keys),
        )
    )
    db.session.execute(
        insert(RefusalTotal).from_select(
            (*figure_columns, "cases", "amount"),
            select(
                *period,
                MedicalCase.subdivision_id,
                MedicalCase.payer_id,
                literal(str(RefusalSource.ALL)),
                func.count(),
                func.sum(sumv),
            )
            .where(MedicalCase.file_id.in_(files))
            .group_by(MedicalCase.subdivision_id, MedicalCase.payer_id),
        )
    )
    return {
        model.__tablename__: db.session.execute(
            select(func.count())
            .select_from(model)
            .where(model.organisation_id == organisation_id, model.year == year, model.month == month)
        ).scalar_one()
        for model in (RefusalCase, RefusalStat, RefusalTotal)
    }


# -- the hooks of the operations that change the figures -------------------------------------------------
def _refresh_safely(periods: Iterable[Period], why: str) -> None:
    """Refresh these periods and commit; a failure is logged and rolled back, never raised."""
    try:
        for organisation_id, year, month in sorted({p for p in periods if p[0] and p[1] and p[2]}):
            refresh_period(organisation_id, year, month)
        db.session.commit()
    except Exception:  # noqa: BLE001 — derived figures: the operation stands, `oms refresh-analytics` mends them
        db.session.rollback()
        log.exception("analytics: refresh after %s failed", why)


def refresh_after_load(file_id: int) -> None:
    """After a load ended «Процесс загрузки завершен»: the file's МО and period, and those of the
    earlier files whose cases it replaced.  A dry run, or a file not loaded to the end, changes nothing."""
    row = db.session.get(UploadedFile, file_id)
    if row is None or row.dry_run or row.status != FileStatus.DONE:
        return
    periods = {(row.organisation_id, row.year, row.month)}
    periods |= set(
        db.session.execute(
            select(UploadedFile.organisation_id, UploadedFile.year, UploadedFile.month).where(
                UploadedFile.replaced_by_id == file_id
            )
        ).tuples()
    )
    _refresh_safely(periods, f"the load of file {file_id}")


def refresh_after_delete(organisation_id: int, year: Optional[int], month: Optional[int]) -> None:
    """After «Удалить данные файла» of a file of this МО and period, or the deletion of a registry
    whose payer's МЭК results had been loaded (its cases are back to our own МЭК's figures)."""
    _refresh_safely([(organisation_id, year, month)], "a deletion")


def refresh_after_case_change(case_ids: Iterable[int]) -> None:
    """After a change of status of these cases: the МО and periods they belong to."""
    ids = list(case_ids)[:1000]
    if not ids:
        return
    periods = db.session.execute(
        select(MedicalCase.organisation_id, MedicalCase.year, MedicalCase.month)
        .where(MedicalCase.id.in_(ids))
        .distinct()
    ).tuples()
    _refresh_safely(list(periods), "a change of case status")


def refresh_after_payer_results(registry_id: int) -> None:
    """After the payer's МЭК results of a registry: the МО and periods of its cases."""
    periods = db.session.execute(
        select(MedicalCase.organisation_id, MedicalCase.year, MedicalCase.month)
        .where(MedicalCase.registry_id == registry_id)
        .distinct()
    ).tuples()
    _refresh_safely(list(periods), f"the payer's results of registry {registry_id}")


# -- everything (`oms refresh-analytics`) -----------------------------------------------------------------
def refresh_all(
    year: Optional[int] = None, month: Optional[int] = None, echo: Optional[Callable[[str], None]] = None
) -> dict:
    """Rebuild the figures of every МО and period with loaded files (of one period when given),
    and clear the rows of periods that no longer have any; one transaction per МО and period.
    Returns the counts and the seconds; ``echo(text)`` hears of each period."""
    started = time.perf_counter()
    loaded = select(UploadedFile.organisation_id, UploadedFile.year, UploadedFile.month).where(
        UploadedFile.status == FileStatus.DONE,
        UploadedFile.dry_run.is_(False),
        UploadedFile.year.is_not(None),
        UploadedFile.month.is_not(None),
    )
    kept = select(RefusalTotal.organisation_id, RefusalTotal.year, RefusalTotal.month)
    if year is not None:
        loaded = loaded.where(UploadedFile.year == year, UploadedFile.month == month)
        kept = kept.where(RefusalTotal.year == year, RefusalTotal.month == month)
    periods = sorted(
        set(db.session.execute(loaded.distinct()).tuples()) | set(db.session.execute(kept.distinct()).tuples())
    )
    seconds = []
    rows = 0
    for organisation_id, y, m in periods:
        t = time.perf_counter()
        rows += sum(refresh_period(organisation_id, y, m).values())
        db.session.commit()
        seconds.append(time.perf_counter() - t)
        if echo is not None:
            echo(f"МО {organisation_id}, {m:02d}.{y}: {seconds[-1]:.2f} с")
    return {
        "periods": len(periods),
        "rows": rows,
        "seconds": round(time.perf_counter() - started, 2),
        "max_period_seconds": round(max(seconds, default=0.0), 2),
    }
