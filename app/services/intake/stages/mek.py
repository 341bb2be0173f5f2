"""Stages «МЭК» and «Перерасчет стоимости» of a file load.

«МЭК»: the cases that passed ФЛК are read back in batches (one query per batch: the case, its ZAP,
the patient's sex and birth date), each ZAP parsed once, the ``case`` rules run on it; then the
``set`` rules (duplicates) run as SQL over the whole file.  Every finding is a ControlError of
stage «МЭК» with its F014 reason and the sum it withholds.  A finding whose share is the whole
sum refuses the case: «Отклонен МЭК» (SANK_IT = SUMV, SUMP = 0).

«Перерасчет стоимости»: every case still «Принят» is priced by the tariffs
(:func:`app.tariffs.calculate`); ``sum_calc`` and ``calc_detail`` (what the calculation used) are
stored; the ``tariff`` rules (no tariff, declared sum above the tariff) run on it; then SANK_IT
(``mek_withheld`` = the largest МЭК sanction of the case) and SUMP = SUMV − SANK_IT are fixed.  A
partial sanction keeps the case «Принят» with the withheld sum recorded.

Rules the catalogue switches off do not run; reasons, shares and texts come from the catalogue.
"""
from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Iterable, Optional

from flask import current_app
from sqlalchemy import func, select

from app.controls.finding import STAGE_MEK
from app.controls.mek import MekCase, MekContext, RuleSetting, Sanction, check_case, run_set_rules
from app.extensions import db
from app.formats.fast_fragments import parse_fragment
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient
from app.models.reference import ControlRule
from app.models.vocabulary import CaseStatus, FileStatus
from app.core import bulk
from app.core.bulk_update import in_values, update_rows
from app.tariffs import calculate
from app.tariffs.importer import load_book

log = logging.getLogger(__name__)
BATCH = 5000
ZERO = Decimal("0.00")


# -- context -------------------------------------------------------------------------------------------
def rule_settings(on=None) -> tuple[Optional[frozenset], dict[str, RuleSetting]]:
    """(codes switched on and valid on ``on`` — None while the catalogue has no МЭК rules, then
    every implemented rule runs — and the catalogue's reason, share and text by code)."""
    rows = db.session.execute(select(ControlRule.code, ControlRule.enabled, ControlRule.refusal_code,
                                     ControlRule.withhold_share, ControlRule.message,
                                     ControlRule.valid_from, ControlRule.valid_to)
                              .where(ControlRule.stage == STAGE_MEK)).all()
    if not rows:
        return None, {}
    settings = {r.code: RuleSetting(r.refusal_code, r.withhold_share, r.message) for r in rows}
    enabled = frozenset(r.code for r in rows if r.enabled and (
        on is None or not ((r.valid_from and on < r.valid_from) or (r.valid_to and on > r.valid_to))))
    return enabled, settings


def _subrubric_rubrics() -> Optional[frozenset[str]]:
    from app.services.reference.nsi import current_lookup

    nsi = current_lookup()
    if not nsi.knows("M001"):
        return None
    return frozenset(code[:3].upper() for code in nsi.codes("M001") if len(code) > 4 and code[3] == ".")


def build_context(load) -> MekContext:
    cfg = current_app.config
    flk = getattr(load, "ctx", None)
    ctx = MekContext(file_kind=flk.file_kind if flk is not None else "H",
                     year=getattr(load, "year", None), month=getattr(load, "month", None),
                     region_okato=cfg.get("REGION_OKATO", "98"),
                     rubrics_with_subrubrics=_subrubric_rubrics(),
                     sum_tolerance=Decimal(str(cfg.get("MEK_SUM_TOLERANCE", "1.00"))),
                     months_back=int(cfg.get("MEK_PERIOD_MONTHS_BACK", 3)))
    if flk is not None:
        ctx.today = flk.today
    ctx.enabled, ctx.settings = rule_settings(ctx.rule_date)
    return ctx


# -- reading the cases back ------------------------------------------------------------------------------
def _batches(file_id: int, with_erz: bool, progress=None) -> Iterable[list]:
    from app.services.intake.stages.erz import accepted_chunks, in_file

    mc = MedicalCase
    cols = [mc.id, mc.file_id, mc.status, mc.sumv, CasePayload.zap_xml, Patient.w, Patient.dr]
    if with_erz:
        cols += [mc.erz_found_by, mc.policy_check, mc.nonresident, mc.erz_death_date]
    chunks = accepted_chunks(file_id, BATCH)
    for n, (first, last) in enumerate(chunks):
        if progress is not None and n:
            progress(n / len(chunks))
        yield in_file(file_id, db.session.connection().execute(      # plain rows, no ORM loading
            select(*cols).join(CasePayload, CasePayload.case_id == mc.id)
            .outerjoin(Patient, Patient.id == mc.patient_id)
            .where(mc.id >= first, mc.id <= last).order_by(mc.id)).all())


def _case(row, with_erz: bool) -> MekCase:
    kw = {}
    if with_erz:
        kw = dict(erz_found_by=row.erz_found_by, policy_check=row.policy_check,
                  nonresident=row.nonresident, death_date=row.erz_death_date)
    return MekCase(parse_fragment(row.zap_xml), case_id=row.id, sumv=row.sumv, w=row.w, dr=row.dr, **kw)


def _write(load, found: list[tuple[int, Sanction]], refused: dict[int, Optional[Decimal]],
           commit: bool = True) -> None:
    from app.services.intake.pipeline import error_row

    if found:
        rows = []
        for case_id, s in found:
            row = error_row(s.finding, load.file_id, load.org_id, getattr(load, "subdivision_id", None), case_id)
            row.update(refusal_code=s.refusal[:10], sanction_sum=s.amount)
            rows.append(row)
        bulk.insert_rows(ControlError.__table__, rows)       # PostgreSQL: COPY
    if refused:
        update_rows(MedicalCase, [{"id": i, "status": CaseStatus.MEK_REJECTED, "mek_withheld": sumv, "sump": ZERO}
                                  for i, sumv in refused.items()], ("status", "mek_withheld", "sump"))
    if commit:
        db.session.commit()


# -- stage «МЭК» -----------------------------------------------------------------------------------------
def check_file(load, ctx: Optional[MekContext] = None, progress=None) -> dict:
    ctx = ctx or build_context(load)
    counts = {"checked": 0, "findings": 0, "refused": 0}
    if ctx.active("case"):
        for rows in _batches(load.file_id, with_erz=True, progress=progress):
            found, refused = [], {}
            for row in rows:
                for s in check_case(_case(row, True), ctx):
                    found.append((row.id, s))
                    if s.full:
                        refused[row.id] = row.sumv
            _write(load, found, refused)
            counts["checked"] += len(rows)
            counts["findings"] += len(found)
            counts["refused"] += len(refused)
    found = run_set_rules(ctx, load.file_id)
    if found:
        sums = dict(db.session.execute(select(MedicalCase.id, MedicalCase.sumv).where(
            MedicalCase.id.in_({i for i, _ in found}))).all())
        refused = {i: sums.get(i) for i, s in found if s.full}
        _write(load, found, refused)
        counts["findings"] += len(found)
        counts["refused"] += len(refused)
    return counts


def mek_stage(load) -> None:
    load.set_status(FileStatus.MEK, 90)
    counts = check_file(load, progress=lambda done: load.set_status(FileStatus.MEK, 90 + int(4 * done)))
    log.info("file %s МЭК: %s", load.file_id, counts)


# -- stage «Перерасчет стоимости» ------------------------------------------------------------------------
def recalculate_file(load, ctx: Optional[MekContext] = None, book=None, progress=None) -> dict:
    ctx = ctx or build_context(load)
    book = book if book is not None else load_book()
    counts = {"priced": 0, "no_tariff": 0, "findings": 0}
    for rows in _batches(load.file_id, with_erz=False, progress=progress):
        ids = [r.id for r in rows]
        earlier = dict(db.session.execute(
            select(ControlError.case_id, func.max(ControlError.sanction_sum))
            .where(in_values(ControlError.case_id, ids), ControlError.stage == STAGE_MEK)
            .group_by(ControlError.case_id)).all())
        found, values = [], []
        for row in rows:
            case = _case(row, False)
            calc = calculate(case.zap, book)
            case.calc = calc
            sanctions = check_case(case, ctx, scope="tariff")
            found += [(row.id, s) for s in sanctions]
            value = {"id": row.id, "status": CaseStatus.ACCEPTED, "sum_calc": calc.total,
                     "calc_detail": json.dumps(calc.detail(), ensure_ascii=False, separators=(",", ":"))}
            if any(s.full for s in sanctions):
                value.update(status=CaseStatus.MEK_REJECTED, mek_withheld=row.sumv, sump=ZERO)
            else:
                withheld = max([earlier.get(row.id) or ZERO] + [s.amount for s in sanctions])
                value.update(mek_withheld=withheld,
                             sump=(row.sumv - withheld) if row.sumv is not None else None)
            if calc.total is None:
                counts["no_tariff"] += 1
            values.append(value)
        _write(load, found, {}, commit=False)
        update_rows(MedicalCase, values, ("status", "sum_calc", "calc_detail", "mek_withheld", "sump"))
        db.session.commit()
        counts["priced"] += len(rows)
        counts["findings"] += len(found)
    return counts


def recalc_stage(load) -> None:
    load.set_status(FileStatus.RECALC, 95)
    counts = recalculate_file(load, progress=lambda done: load.set_status(FileStatus.RECALC, 95 + int(4 * done)))
    log.info("file %s recalculated: %s", load.file_id, counts)
