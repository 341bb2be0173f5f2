"""Stage «Перерасчет стоимости» of a file load: every case still «Принят» is priced by the tariffs
(:func:`app.tariffs.calculate`: services; КСГ by the federal method of
:mod:`app.tariffs.ksg_method` with the level of the МО that sent the file); ``sum_calc`` and
``calc_detail`` (what the calculation used: every coefficient, share and the formula) are
stored; the ``tariff`` rules of the МЭК (no tariff, declared sum above the tariff, DS1 not of the
КСГ by the grouper) run on it; then SANK_IT (``mek_withheld`` = the largest МЭК sanction of the
case) and SUMP = SUMV − SANK_IT are fixed.  A partial sanction keeps the case «Принят» with the withheld sum recorded.
"""

from __future__ import annotations

import json
import logging
from typing import Callable, Optional

from sqlalchemy import func, select

from app.controls.finding import STAGE_MEK
from app.controls.mek import MekContext, check_case
from app.core.bulk_update import in_values, update_rows
from app.extensions import db
from app.models.intake import ControlError, MedicalCase
from app.models.organisation import Organisation
from app.models.vocabulary import CaseStatus
from app.services.intake.accepted import Range
from app.services.intake.context import LoadContext
from app.services.intake.stages.mek import ZERO, case_batches, mek_case, mek_context, write_sanctions
from app.tariffs import TariffBook, calculate
from app.tariffs.importer import load_book

log = logging.getLogger(__name__)


def run(load: LoadContext) -> None:
    counts = recalculate_file(load, progress=load.progress)
    log.info("file %s recalculated: %s", load.file_id, counts)


def recalculate_file(
    load: LoadContext,
    ctx: Optional[MekContext] = None,
    book: Optional[TariffBook] = None,
    progress: Optional[Callable[[float], None]] = None,
    within: Optional[Range] = None,
    commit: Callable[[], None] = db.session.commit,
    staged: Optional[list[dict]] = None,
) -> dict[str, int]:
    """Price the cases still «Принят» (of the id range ``within``, a part of a load cut into chunks:
    its error rows ``staged``, each batch ended by its ``commit``)."""
    ctx = ctx or mek_context(load)
    book = book if book is not None else load_book()
    org = db.session.get(Organisation, load.organisation_id) if load.organisation_id else None
    level = org.level if org is not None else None
    counts = {"priced": 0, "no_tariff": 0, "findings": 0}
    for rows in case_batches(load.file_id, with_erz=False, progress=progress, within=within):
        ids = [r.id for r in rows]
        earlier = dict(
            db.session.execute(
                select(ControlError.case_id, func.max(ControlError.sanction_sum))
                .where(in_values(ControlError.case_id, ids), ControlError.stage == STAGE_MEK)
                .group_by(ControlError.case_id)
            ).all()
        )
        found, values = [], []
        for row in rows:
            case = mek_case(row, False)
            calc = calculate(case.zap, book, level)
            case.calc = calc
            sanctions = check_case(case, ctx, scope="tariff")
            found += [(row.id, s) for s in sanctions]
            value = {
                "id": row.id,
                "status": CaseStatus.ACCEPTED,
                "sum_calc": calc.total,
                "calc_detail": json.dumps(calc.detail(), ensure_ascii=False, separators=(",", ":")),
            }
            if any(s.full for s in sanctions):
                value.update(status=CaseStatus.MEK_REJECTED, mek_withheld=row.sumv, sump=ZERO)
            else:
                withheld = max([earlier.get(row.id) or ZERO] + [s.amount for s in sanctions])
                value.update(mek_withheld=withheld, sump=(row.sumv - withheld) if row.sumv is not None else None)
            if calc.total is None:
                counts["no_tariff"] += 1
            values.append(value)
        write_sanctions(load, found, {}, staged)
        update_rows(MedicalCase, values, ("status", "sum_calc", "calc_detail", "mek_withheld", "sump"))
        commit()
        counts["priced"] += len(rows)
        counts["findings"] += len(found)
    return counts
