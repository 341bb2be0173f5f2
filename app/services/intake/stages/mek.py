"""Stage «МЭК» of a file load: the cases that passed ФЛК are read back in batches (one query per
batch: the case, its ZAP, the patient's sex and birth date, what the ЕРЗ said), each ZAP parsed
once, the ``case`` rules run on it; then the ``set`` rules (duplicates, the stages of the
examinations of a D-file, the account's sums against its cases) run over the whole file.  Every
finding is a ControlError of stage «МЭК» with its F014 reason and the sum it withholds.  A
finding whose share is the whole sum refuses the case: «Отклонен МЭК» (SANK_IT = SUMV, SUMP = 0).

Which rules run, their reasons, shares and texts: the catalogue («Правила контроля»).  The helpers
here (the context, the case of a row, writing the sanctions) serve «Перерасчет стоимости» too.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any, Callable, Iterator, Optional

from flask import current_app
from sqlalchemy import select

from app.controls.finding import STAGE_MEK
from app.controls.mek import MekCase, MekContext, Sanction, check_case, run_set_rules
from app.controls.values import to_int
from app.core.bulk import insert_rows
from app.core.bulk_update import in_values, update_rows
from app.extensions import db
from app.formats.fast_fragments import parse_fragment
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient
from app.models.vocabulary import CaseStatus
from app.services.intake.accepted import Range, accepted_batches
from app.services.intake.context import LoadContext
from app.services.intake.file_data import error_row
from app.services.reference.nsi import current_lookup
from app.services.reference.rules import rule_book

log = logging.getLogger(__name__)
BATCH = 5000
ZERO = Decimal("0.00")


def run(load: LoadContext) -> None:
    counts = check_file(load, progress=load.progress)
    log.info("file %s МЭК: %s", load.file_id, counts)


# -- what the stages after ФЛК share ------------------------------------------------------------------
def _subrubric_rubrics() -> Optional[frozenset[str]]:
    nsi = current_lookup()
    if not nsi.knows("M001"):
        return None
    return frozenset(code[:3].upper() for code in nsi.codes("M001") if len(code) > 4 and code[3] == ".")


def mek_context(load: LoadContext) -> MekContext:
    """The МЭК context of the file: its kind and period, the region, the catalogue's rule book."""
    cfg = current_app.config
    flk = load.flk
    ctx = MekContext(
        file_kind=flk.file_kind if flk is not None else "H",
        year=load.year,
        month=load.month,
        region_okato=cfg.get("REGION_OKATO", "98"),
        rubrics_with_subrubrics=_subrubric_rubrics(),
        nsi=current_lookup(),
        sum_tolerance=Decimal(str(cfg.get("MEK_SUM_TOLERANCE", "1.00"))),
        months_back=int(cfg.get("MEK_PERIOD_MONTHS_BACK", 3)),
        rules=rule_book(STAGE_MEK),
        disp=load.disp,
        header=load.header,
    )
    if flk is not None:
        ctx.today = flk.today
    return ctx


def case_batches(
    file_id: int,
    with_erz: bool,
    progress: Optional[Callable[[float], None]] = None,
    within: Optional[Range] = None,
) -> Iterator[list[Any]]:
    """The file's accepted cases with their ZAP and patient (and what the ЕРЗ said), in batches."""
    mc = MedicalCase
    cols = [mc.id, mc.file_id, mc.status, mc.sumv, CasePayload.zap_xml, Patient.w, Patient.dr, Patient.doctype]
    if with_erz:
        cols += [mc.erz_found_by, mc.policy_check, mc.nonresident, mc.erz_death_date]
    query = (
        select(*cols).join(CasePayload, CasePayload.case_id == mc.id).outerjoin(Patient, Patient.id == mc.patient_id)
    )
    return accepted_batches(file_id, BATCH, query, progress, within)


def mek_case(row: Any, with_erz: bool) -> MekCase:
    kw = {}
    if with_erz:
        kw = dict(
            erz_found_by=row.erz_found_by,
            policy_check=row.policy_check,
            nonresident=row.nonresident,
            death_date=row.erz_death_date,
        )
    node = parse_fragment(row.zap_xml)
    return MekCase(node, case_id=row.id, sumv=row.sumv, w=row.w, dr=row.dr, doctype=to_int(row.doctype), **kw)


def write_sanctions(
    load: LoadContext,
    found: list[tuple[int, Sanction]],
    refused: dict[int, Optional[Decimal]],
    staged: Optional[list[dict]] = None,
) -> None:
    """The findings as errors with their sanctions, and the refused cases «Отклонен МЭК» (the
    caller commits).  ``staged``: a part of a load cut into chunks keeps its error rows there, for
    the end of the stage to write in the order of the parts."""
    if found:
        rows = []
        for case_id, s in found:
            row = error_row(s.finding, load.file_id, load.organisation_id, load.subdivision_id, case_id)
            row.update(refusal_code=s.refusal[:10], sanction_sum=s.amount)
            rows.append(row)
        if staged is not None:
            staged += rows
        else:
            insert_rows(ControlError.__table__, rows)  # PostgreSQL: COPY
    if refused:
        update_rows(
            MedicalCase,
            [
                {"id": i, "status": CaseStatus.MEK_REJECTED, "mek_withheld": sumv, "sump": ZERO}
                for i, sumv in refused.items()
            ],
            ("status", "mek_withheld", "sump"),
        )


# -- the stage ---------------------------------------------------------------------------------------------
def check_file(
    load: LoadContext, ctx: Optional[MekContext] = None, progress: Optional[Callable[[float], None]] = None
) -> dict[str, int]:
    ctx = ctx or mek_context(load)
    counts = check_cases(load, ctx, progress)
    found, refused = check_set(load, ctx)
    counts["findings"] += found
    counts["refused"] += refused
    return counts


def check_cases(
    load: LoadContext,
    ctx: MekContext,
    progress: Optional[Callable[[float], None]] = None,
    within: Optional[Range] = None,
    commit: Callable[[], None] = db.session.commit,
    staged: Optional[list[dict]] = None,
) -> dict[str, int]:
    """The ``case`` rules over the accepted cases (of the id range ``within``, a part of a load cut
    into chunks: its error rows ``staged``, each batch ended by its ``commit``)."""
    counts = {"checked": 0, "findings": 0, "refused": 0}
    if ctx.active("case"):
        for rows in case_batches(load.file_id, with_erz=True, progress=progress, within=within):
            found, refused = [], {}
            for row in rows:
                for s in check_case(mek_case(row, True), ctx):
                    found.append((row.id, s))
                    if s.full:
                        refused[row.id] = row.sumv
            write_sanctions(load, found, refused, staged)
            commit()
            counts["checked"] += len(rows)
            counts["findings"] += len(found)
            counts["refused"] += len(refused)
    return counts


def check_set(load: LoadContext, ctx: MekContext) -> tuple[int, int]:
    """The ``set`` rules over the whole file; returns (findings, cases refused)."""
    found = run_set_rules(ctx, load.file_id)
    if found:
        # an account-level finding (SUMMAP, SANK_MEK … of SCHET) has no case: kept without one, refusing nothing
        ids = {i for i, _ in found if i is not None}
        sums = (
            dict(
                db.session.execute(select(MedicalCase.id, MedicalCase.sumv).where(in_values(MedicalCase.id, ids))).all()
            )
            if ids
            else {}
        )
        refused = {i: sums.get(i) for i, s in found if s.full and i is not None}
        write_sanctions(load, found, refused)
        db.session.commit()
        return len(found), len(refused)
    return 0, 0
