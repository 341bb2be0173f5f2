"""The drill-down of a row of «Формирование»: the group (period, registry type, subtype,
subdivision) with its number of cases and sum, and a page of its cases with their patients.
The rows and the cases are those of :mod:`app.services.registries.formation` (the user's scope,
accepted cases not yet in a registry); this module only puts them together for the page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Optional

from app.core.formatting import format_period
from app.models.intake import MedicalCase, Patient
from app.models.user import OmsUser
from app.services.intake.case_search import person_name, policy_text
from app.services.reference.code_names import code_label
from app.services.registries import formation


@dataclass(frozen=True)
class GroupCase:
    case: MedicalCase
    patient: Optional[str]  # ФИО
    birth_date: object
    policy: Optional[str]  # ЕНП or «серия номер»
    payable: Optional[Decimal]  # SUMP, else SUMV: what the group's sum adds up
    conditions: str  # USL_OK with its name (V006): «3 — амбулаторно»


@dataclass(frozen=True)
class GroupPage:
    period: str  # ММ.ГГГГ
    reg_type: str
    subtype: str
    subdivision: str  # «код название», or «без подразделения»
    cases_total: int  # the group's cases (all pages)
    sum_total: Decimal  # the group's «Сумма к оплате», as in «Формирование»
    cases: list[GroupCase]  # this page


def group_page(user: OmsUser, filters: Mapping[str, str], page: int, size: int) -> Optional[GroupPage]:
    """The group the filters name and a page of its cases; None when they name no row."""
    found = formation.group_cases(user, filters, page, size)
    if found is None:
        return None
    rows, total = found
    sub = filters.get("subdivision_id") or formation.NO_SUBDIVISION
    group = next(
        (
            g
            for g in formation.groups(user)
            if g.period == filters.get("period")
            and g.reg_type == filters.get("reg_type")
            and g.subtype == filters.get("subtype")
            and str(g.subdivision_id or formation.NO_SUBDIVISION) == sub
        ),
        None,
    )
    return GroupPage(
        period=format_period(filters.get("period")),
        reg_type=filters.get("reg_type") or "",
        subtype=filters.get("subtype") or "",
        subdivision=(group.subdivision if group is not None and group.subdivision else "без подразделения"),
        cases_total=total,
        sum_total=group.sum if group is not None else Decimal("0.00"),
        cases=[_case(c, p) for c, p in rows],
    )


def _case(case: MedicalCase, patient: Optional[Patient]) -> GroupCase:
    return GroupCase(
        case=case,
        patient=person_name(patient),
        birth_date=patient.dr if patient is not None else None,
        policy=policy_text(case),
        payable=case.sump if case.sump is not None else case.sumv,
        conditions=code_label("V006", case.usl_ok),
    )
