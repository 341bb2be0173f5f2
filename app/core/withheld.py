"""«Снято по МЭК» as a value: the cases refused in full and those paid in part, each a count and a
sum — of a file (app.services.intake.reports.mek_money) or of a registry
(app.services.registries.overview.withheld_by_registry), shown alike — and, once for all of them
and «Аналитика» (app.services.analytics.refresh), what of a case counts as withheld (SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy import case as sql_case

from app.models.intake import MedicalCase
from app.models.vocabulary import CaseStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Withheld:
    refused: int = 0
    refused_sum: Decimal = ZERO
    partial: int = 0
    partial_sum: Decimal = ZERO

    @property
    def count(self) -> int:
        return self.refused + self.partial

    @property
    def sum(self) -> Decimal:
        return self.refused_sum + self.partial_sum


# -- what of a case counts as withheld (SQL over ``medical_case``) --------------------------------------------
def case_withheld() -> ColumnElement:
    """The sum withheld from a case: the larger of its own МЭК sanction (SANK_IT of the load:
    ``mek_withheld``) and what the payer's МЭК results left unpaid (SUMV − SUMP).  A case is
    refused in full when «Отклонен МЭК», or when the payer accepted nothing of it (SUMP 0)."""
    own = func.coalesce(MedicalCase.mek_withheld, 0)
    unpaid = sql_case(
        (and_(MedicalCase.sump.is_not(None), MedicalCase.sumv.is_not(None)), MedicalCase.sumv - MedicalCase.sump),
        else_=0,
    )
    return sql_case((own >= unpaid, own), else_=unpaid)


def refused_in_full() -> ColumnElement:
    return or_(
        MedicalCase.status == CaseStatus.MEK_REJECTED,
        and_(
            MedicalCase.status != CaseStatus.FLK_REJECTED,
            func.coalesce(MedicalCase.sump, -1) == 0,
            func.coalesce(MedicalCase.sumv, 0) > 0,
        ),
    )


def withheld_in_part() -> ColumnElement:
    return and_(
        MedicalCase.status.not_in((CaseStatus.MEK_REJECTED, CaseStatus.FLK_REJECTED)),
        func.coalesce(MedicalCase.sump, -1) != 0,
        case_withheld() > 0,
    )
