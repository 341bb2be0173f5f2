"""The cases page of a registry: its cases with the patient's name, policy or ЕНП, dates and sums
(выставлено, к оплате, снято), and per case the payer's refusal from its МЭК results (OPLATA and
the F014 reasons with their names), a page at a time, inside the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models.intake import MedicalCase, Patient
from app.models.registry import Registry, RegistryRefusal
from app.models.user import OmsUser
from app.security.request_scope import get_scoped
from app.services.reference.code_names import code_label
from app.services.registries.overview import Withheld, withheld_by_registry
from app.services.registries.queries import payable_expr

ZERO = Decimal("0.00")
PAGE_SIZE = 50


@dataclass(frozen=True)
class RegistryCaseLine:
    case_id: int
    n_zap: Optional[str]
    idcase: Optional[str]
    patient: str  # ФИО
    birth_date: Optional[dt.date]
    policy: str  # ЕНП, else «серия номер»
    date_1: Optional[dt.date]
    date_2: Optional[dt.date]
    ds1: Optional[str]
    nhistory: Optional[str]
    sumv: Decimal  # выставлено
    payable: Decimal  # к оплате
    withheld: Decimal  # снято
    oplata: str  # the payer's OPLATA with its name («» when the payer's results are not loaded)
    reasons: tuple[str, ...]  # F014 with names
    comment: str


@dataclass(frozen=True)
class RegistryCasesPage:
    registry: Registry
    lines: list[RegistryCaseLine]
    page: int
    pages: int
    total: int
    withheld: Withheld


def _policy(enp: Optional[str], spolis: Optional[str], npolis: Optional[str]) -> str:
    if enp:
        return enp
    return " ".join(p for p in (spolis, npolis) if p)


def _reasons(codes: Optional[str]) -> tuple[str, ...]:
    return tuple(code_label("F014", c.strip()) for c in (codes or "").split(";") if c.strip())


def registry_cases(
    user: OmsUser, registry_id: int, page: int = 0, page_size: int = PAGE_SIZE
) -> Optional[RegistryCasesPage]:
    """A page of the registry's cases (in the order of the registry file), or None outside the
    user's scope."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return None
    total = db.session.execute(
        select(func.count()).select_from(MedicalCase).where(MedicalCase.registry_id == reg.id)
    ).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(0, page), pages - 1)
    payable = payable_expr()
    q = (
        select(
            MedicalCase.id,
            MedicalCase.n_zap,
            MedicalCase.idcase,
            Patient.fam,
            Patient.im,
            Patient.ot,
            Patient.dr,
            MedicalCase.enp,
            MedicalCase.spolis,
            MedicalCase.npolis,
            MedicalCase.date_z_1,
            MedicalCase.date_z_2,
            MedicalCase.ds1,
            MedicalCase.nhistory,
            MedicalCase.sumv,
            payable,
            RegistryRefusal.oplata,
            RegistryRefusal.codes,
            RegistryRefusal.comment,
        )
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .outerjoin(
            RegistryRefusal,
            and_(RegistryRefusal.case_id == MedicalCase.id, RegistryRefusal.registry_id == reg.id),
        )
        .where(MedicalCase.registry_id == reg.id)
        .order_by(MedicalCase.id)
        .offset(page * page_size)
        .limit(page_size)
    )
    paid = code_label("OPLATA", 1) if reg.mek_loaded_at is not None else ""
    lines = []
    for row in db.session.execute(q):
        (case_id, n_zap, idcase, fam, im, ot, dr, enp, spolis, npolis, d1, d2, ds1, nhistory, sumv, pay) = row[:16]
        oplata, codes, comment = row[16:]
        sumv = Decimal(sumv or 0)
        pay = Decimal(pay if pay is not None else sumv)
        lines.append(
            RegistryCaseLine(
                case_id=case_id,
                n_zap=n_zap,
                idcase=idcase,
                patient=" ".join(p for p in (fam, im, ot) if p),
                birth_date=dr,
                policy=_policy(enp, spolis, npolis),
                date_1=d1,
                date_2=d2,
                ds1=ds1,
                nhistory=nhistory,
                sumv=sumv,
                payable=pay,
                withheld=sumv - pay,
                oplata=code_label("OPLATA", oplata) if oplata is not None else paid,
                reasons=_reasons(codes),
                comment=comment or "",
            )
        )
    return RegistryCasesPage(
        registry=reg,
        lines=lines,
        page=page,
        pages=pages,
        total=total,
        withheld=withheld_by_registry([reg.id])[reg.id],
    )
