"""The cases behind a figure of «Аналитика»: the refused cases of a source (ФЛК, МЭК, the payer's
МЭК) and, when given, of one rule code, in a period.  They are the kept rows the figure is the sum
of (``RefusalCase``, written by :mod:`app.services.analytics.refresh`), so the list has exactly the
cases the figure counts, read by index whatever the number of cases.

The rows are read inside the user's scope as the figures are (``Scope.of(user).clause``): the МО
its own (a subdivision-limited login its subdivision's), the СМО the cases it pays (``payer_id``),
the ТФОМС all; then the page's cases and patients by their ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import ColumnElement, Select, func, select

from app.extensions import db
from app.models.analytics import RefusalCase, RefusalSource
from app.models.intake import ControlError, MedicalCase, Patient
from app.models.organisation import Organisation
from app.models.registry import RegistryRefusal
from app.models.user import OmsUser
from app.security.scope import Scope
from app.services.analytics.figures import Selection
from app.services.analytics.refresh import split_codes

PAGE_SIZE = 100


@dataclass(frozen=True)
class Dimensions:
    """Narrowing a list to a row of a breakdown: a subdivision or a payer (0: none of them)."""

    subdivision_id: Optional[int] = None
    payer_id: Optional[int] = None

    def clauses(self) -> list[ColumnElement]:
        out = []
        for column, value in ((RefusalCase.subdivision_id, self.subdivision_id), (RefusalCase.payer_id, self.payer_id)):
            if value == 0:
                out.append(column.is_(None))
            elif value is not None:
                out.append(column == value)
        return out


@dataclass(frozen=True)
class RefusedCase:
    """A row of the list: the case, its patient and what it lost to the figure's source (and code)."""

    id: int
    organisation: str
    nhistory: Optional[str]
    n_zap: Optional[str]
    idcase: Optional[str]
    patient: str
    birth_date: Optional[dt.date]
    policy: Optional[str]
    date_z_1: Optional[dt.date]
    date_z_2: Optional[dt.date]
    ds1: Optional[str]
    sumv: Optional[Decimal]
    lost: Decimal
    status: str
    codes: str


def _refused(user: OmsUser, sel: Selection, stage: str, code: str, dims: Dimensions) -> Select:
    """(case_id, lost) of the user's cases refused by ``stage`` (and ``code``) in the selected period:
    the kept rows of the figure (:class:`RefusalCase`, by its index), in the user's scope."""
    q = select(RefusalCase.case_id.label("case_id"), RefusalCase.amount.label("lost")).where(
        Scope.of(user).clause(RefusalCase),
        RefusalCase.year == sel.year,
        RefusalCase.month == sel.month,
        RefusalCase.stage == stage,
        RefusalCase.code == (code or ""),
        *dims.clauses(),
    )
    if sel.organisation_id:
        q = q.where(RefusalCase.organisation_id == sel.organisation_id)
    return q


def count(user: OmsUser, sel: Selection, stage: str, code: str = "", dims: Dimensions = Dimensions()) -> int:
    refused = _refused(user, sel, stage, code, dims).subquery()
    return db.session.execute(select(func.count()).select_from(refused)).scalar_one()


def page_of(
    user: OmsUser,
    sel: Selection,
    stage: str,
    code: str = "",
    dims: Dimensions = Dimensions(),
    page: int = 0,
    size: int = PAGE_SIZE,
) -> list[RefusedCase]:
    """The cases of page ``page`` (from 0) of ``size``, in the order they were loaded: the page's ids
    first, then their columns."""
    chosen = (
        _refused(user, sel, stage, code, dims)
        .order_by(RefusalCase.case_id)
        .offset(max(0, page) * size)
        .limit(size)
        .subquery()
    )
    rows = db.session.execute(
        select(
            MedicalCase.id,
            Organisation.code,
            MedicalCase.nhistory,
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
            MedicalCase.sumv,
            chosen.c.lost,
            MedicalCase.status,
            MedicalCase.file_id,
            MedicalCase.id_pac,
        )
        .select_from(chosen)
        .join(MedicalCase, MedicalCase.id == chosen.c.case_id)
        .join(Organisation, Organisation.id == MedicalCase.organisation_id)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .order_by(MedicalCase.id)
    ).all()
    codes = _codes_of(stage, [(r.id, r.file_id, r.id_pac) for r in rows])
    return [
        RefusedCase(
            id=r.id,
            organisation=r.code,
            nhistory=r.nhistory,
            n_zap=r.n_zap,
            idcase=r.idcase,
            patient=" ".join(p.strip() for p in (r.fam, r.im, r.ot) if p and p.strip()),
            birth_date=r.dr,
            policy=r.enp or " ".join(p for p in (r.spolis, r.npolis) if p) or None,
            date_z_1=r.date_z_1,
            date_z_2=r.date_z_2,
            ds1=r.ds1,
            sumv=r.sumv,
            lost=Decimal(str(r.lost or 0)).quantize(Decimal("0.01")),
            status=r.status,
            codes=", ".join(codes.get(r.id, ())),
        )
        for r in rows
    ]


def _codes_of(stage: str, cases: list[tuple[int, int, Optional[str]]]) -> dict[int, list[str]]:
    """Every code of the source on each of these cases (a page: a few queries in all)."""
    ids = [c for c, _, _ in cases]
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    if stage == RefusalSource.PAYER:
        for case_id, codes in db.session.execute(
            select(RegistryRefusal.case_id, RegistryRefusal.codes).where(RegistryRefusal.case_id.in_(ids))
        ):
            out[case_id] += [c for c in split_codes(codes) if c not in out[case_id]]
        return out
    for case_id, code in db.session.execute(
        select(ControlError.case_id, ControlError.code)
        .where(ControlError.case_id.in_(ids), ControlError.stage == stage)
        .distinct()
        .order_by(ControlError.case_id, ControlError.code)
    ):
        out[case_id].append(code)
    if stage == RefusalSource.FLK:  # the errors of the patient's record of the L file
        persons: dict[tuple[int, str], list[int]] = {}
        for case_id, file_id, id_pac in cases:
            if id_pac:
                persons.setdefault((file_id, id_pac), []).append(case_id)
        if persons:
            for file_id, id_pac, code in db.session.execute(
                select(ControlError.file_id, ControlError.id_pac, ControlError.code)
                .where(
                    ControlError.file_id.in_({f for f, _ in persons}),
                    ControlError.id_pac.in_({p for _, p in persons}),
                    ControlError.case_id.is_(None),
                    ControlError.stage == stage,
                )
                .distinct()
            ):
                for case_id in persons.get((file_id, id_pac), ()):
                    if code not in out[case_id]:
                        out[case_id].append(code)
    return out
