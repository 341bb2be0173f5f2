"""The trail of one case, as its card in «Случаи» shows it: the file it came in → its ФЛК and МЭК
errors (code, text, the F014 reason with its name, the sum withheld) → the registry it went into
(number, status) → the payer's decision on it (OPLATA, the S_OSN reasons, the sums).

The case is looked up by :func:`app.services.intake.cases.case_card` (the user's scope, its file
loaded), so a case the user may not see has no trail.  Every value is typed; the page makes them
readable («—», ДД.ММ.ГГГГ, «1 234,56»)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import select

from app.controls.finding import STAGE_FLK
from app.core.formatting import format_period
from app.extensions import db
from app.models.intake import ControlError, MedicalCase, Patient, UploadedFile
from app.models.organisation import Organisation
from app.models.reference import ControlRule
from app.models.registry import Registry, RegistryRefusal
from app.models.user import OmsUser
from app.models.vocabulary import RegistryStatus
from app.services.intake.case_search import person_name
from app.services.intake.cases import CaseCard, case_card
from app.services.reference.code_names import code_label

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def readable_value(value: Optional[str]) -> Optional[str]:
    """An element's value as loaded, an ISO date read as ДД.ММ.ГГГГ."""
    if value is None:
        return None
    m = _ISO_DATE.match(value.strip())
    return f"{m.group(3)}.{m.group(2)}.{m.group(1)}" if m else value


@dataclass(frozen=True)
class TrailFile:
    id: int
    archive_name: str
    h_name: Optional[str]
    period: Optional[str]  # ММ.ГГГГ
    uploaded_at: Optional[dt.datetime]
    status: str
    nschet: Optional[str]
    dschet: Optional[dt.date]


@dataclass(frozen=True)
class TrailError:
    stage: str  # ФЛК / МЭК
    code: str
    text: Optional[str]
    element: Optional[str]
    value: Optional[str]
    reason: Optional[str]  # «1.1.4 — …» (F014), МЭК only
    withheld: Optional[Decimal]
    fatal: bool


@dataclass(frozen=True)
class TrailRefusal:
    """The payer's decision on the case (its МЭК results file)."""

    oplata: str  # «2 — полный отказ»
    reasons: list[str]  # the S_OSN with their names (F014)
    sumv: Optional[Decimal]
    sump: Optional[Decimal]
    withheld: Optional[Decimal]
    act: Optional[str]  # NUM_ACT
    act_date: Optional[dt.date]
    comment: Optional[str]


@dataclass(frozen=True)
class TrailRegistry:
    id: int
    number: str
    status: str
    closed: bool  # shown in «Закрытые реестры», else in «Текущие реестры»
    period: str  # ММ.ГГГГ
    payer: Optional[str]
    current: bool  # the case is in it now (else: it was, and was refused)
    results_loaded_at: Optional[dt.datetime]  # when the payer's МЭК results came (None: not yet)
    refusal: Optional[TrailRefusal] = None  # None with results: paid in full


@dataclass(frozen=True)
class CaseTrail:
    card: CaseCard
    patient: Optional[str]  # ФИО
    birth_date: Optional[dt.date]
    file: Optional[TrailFile]
    errors: list[TrailError] = field(default_factory=list)
    registries: list[TrailRegistry] = field(default_factory=list)

    @property
    def case(self) -> MedicalCase:
        return self.card.case

    @property
    def flk_errors(self) -> list[TrailError]:
        return [e for e in self.errors if e.stage == STAGE_FLK]

    @property
    def mek_errors(self) -> list[TrailError]:
        return [e for e in self.errors if e.stage != STAGE_FLK]


def _file(case: MedicalCase) -> Optional[TrailFile]:
    f = db.session.get(UploadedFile, case.file_id)
    if f is None:
        return None
    return TrailFile(
        id=f.id,
        archive_name=f.archive_name,
        h_name=f.h_name,
        period=format_period(f.year, f.month) or None,
        uploaded_at=f.uploaded_at,
        status=f.status,
        nschet=f.nschet,
        dschet=f.dschet,
    )


def _errors(case: MedicalCase) -> list[TrailError]:
    rows = (
        db.session.execute(select(ControlError).where(ControlError.case_id == case.id).order_by(ControlError.id))
        .scalars()
        .all()
    )
    codes = {r.code for r in rows}
    messages = (
        dict(db.session.execute(select(ControlRule.code, ControlRule.message).where(ControlRule.code.in_(codes))).all())
        if codes
        else {}
    )
    order = {STAGE_FLK: 0}
    return [
        TrailError(
            stage=r.stage,
            code=r.code,
            text=r.comment or messages.get(r.code),
            element=r.element,
            value=readable_value(r.value),
            reason=code_label("F014", r.refusal_code, case.date_z_2) if r.refusal_code else None,
            withheld=r.sanction_sum,
            fatal=bool(r.fatal),
        )
        for r in sorted(rows, key=lambda r: (order.get(r.stage, 1), r.id))
    ]


def _refusal(row: RegistryRefusal, on: Optional[dt.date]) -> TrailRefusal:
    codes = [c for c in re.split(r"[\s,;]+", row.codes or "") if c]
    return TrailRefusal(
        oplata=code_label("OPLATA", row.oplata),
        reasons=[code_label("F014", c, on) for c in dict.fromkeys(codes)],
        sumv=row.sumv,
        sump=row.sump,
        withheld=row.sank_it,
        act=row.num_act,
        act_date=row.date_act.date() if isinstance(row.date_act, dt.datetime) else row.date_act,
        comment=row.comment,
    )


def _registries(case: MedicalCase) -> list[TrailRegistry]:
    refusals = (
        db.session.execute(
            select(RegistryRefusal).where(RegistryRefusal.case_id == case.id).order_by(RegistryRefusal.id)
        )
        .scalars()
        .all()
    )
    by_registry = {r.registry_id: r for r in refusals}  # the latest decision of each registry
    ids = list(dict.fromkeys([*([case.registry_id] if case.registry_id else []), *by_registry]))
    if not ids:
        return []
    rows = db.session.execute(
        select(Registry, Organisation)
        .outerjoin(Organisation, Organisation.id == Registry.payer_id)
        .where(Registry.id.in_(ids))
        .order_by(Registry.id)
    ).all()
    out = []
    for reg, payer in rows:
        refusal = by_registry.get(reg.id)
        out.append(
            TrailRegistry(
                id=reg.id,
                number=reg.number,
                status=reg.status,
                closed=reg.status == RegistryStatus.CLOSED,
                period=format_period(reg.year, reg.month),
                payer=f"{payer.code} {payer.short_name or payer.name}" if payer is not None else None,
                current=reg.id == case.registry_id,
                results_loaded_at=reg.mek_loaded_at,
                refusal=_refusal(refusal, case.date_z_2) if refusal is not None else None,
            )
        )
    return out


def case_trail(user: OmsUser, case_id: int | str) -> Optional[CaseTrail]:
    """The trail of the case ``case_id`` if the user may see it, else None."""
    card = case_card(user, case_id)
    if card is None:
        return None
    case = card.case
    patient = db.session.get(Patient, case.patient_id) if case.patient_id else None
    return CaseTrail(
        card=card,
        patient=person_name(patient),
        birth_date=patient.dr if patient is not None else None,
        file=_file(case),
        errors=_errors(case),
        registries=_registries(case),
    )
