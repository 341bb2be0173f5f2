"""What a loaded file shows: cases by status, errors by code, the personalised error list and
the FLK_P protocol (XML for a МИС, XLSX for people).  Callers pass a file row that was already
loaded through the user's scope."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import and_, func, select

from app.controls.finding import STAGE_FLK, STAGE_MEK, Finding
from app.extensions import db
from app.formats.flk_p import protocol_name, write_flk_p, write_flk_xlsx
from app.models.intake import ControlError, MedicalCase, Patient, UploadedFile
from app.models.reference import ControlRule
from app.services.intake.listing import FilterRefused
from app.services.reference.rules import hints as rule_hints

PAGE_SIZE = 200


def cases_by_status(file: UploadedFile) -> list[dict]:
    """[{status, registry, count}] — the registry name where cases are in one (later issues
    add the registry; until then it is empty)."""
    rows = db.session.execute(
        select(MedicalCase.status, func.count())
        .where(MedicalCase.file_id == file.id)
        .group_by(MedicalCase.status)
        .order_by(MedicalCase.status)
    ).all()
    return [{"status": status, "registry": None, "count": count} for status, count in rows]


def errors_by_code(file: UploadedFile, stage: str) -> list[dict]:
    """[{code, message, count, cases}] ordered by count."""
    rows = db.session.execute(
        select(
            ControlError.code,
            func.count(),
            func.count(func.distinct(ControlError.case_id)),
            func.min(ControlError.comment),
        )
        .where(ControlError.file_id == file.id, ControlError.stage == stage)
        .group_by(ControlError.code)
        .order_by(func.count().desc(), ControlError.code)
    ).all()
    catalogue = (
        {
            code: (message, hint)
            for code, message, hint in db.session.execute(
                select(ControlRule.code, ControlRule.message, ControlRule.hint).where(
                    ControlRule.code.in_([r[0] for r in rows])
                )
            ).all()
        }
        if rows
        else {}
    )
    return [
        {
            "code": code,
            "message": catalogue.get(code, (None, None))[0] or sample,
            "hint": catalogue.get(code, (None, None))[1],
            "count": count,
            "cases": cases,
        }
        for code, count, cases, sample in rows
    ]


@dataclass
class ErrorLine:
    n_zap: Optional[str]
    idcase: Optional[str]
    id_pac: Optional[str]
    fam: Optional[str]
    im: Optional[str]
    ot: Optional[str]
    dr: object
    policy: Optional[str]
    date_z_1: object
    date_z_2: object
    element: Optional[str]
    base_element: Optional[str]
    value: Optional[str]
    comment: Optional[str]
    line: Optional[int]
    sl_id: Optional[str]
    idserv: Optional[str]


def error_lines(
    file: UploadedFile, stage: str, code: str, page: int = 0, page_size: int = PAGE_SIZE
) -> tuple[list[ErrorLine], int, Optional[str]]:
    """The personalised list of one error code: case, patient, place, value, message; with the
    total and the code's hint for the operator."""
    base = (
        select(ControlError, MedicalCase, Patient)
        .outerjoin(MedicalCase, MedicalCase.id == ControlError.case_id)
        .outerjoin(
            Patient,
            and_(
                Patient.file_id == ControlError.file_id,
                Patient.id_pac == func.coalesce(MedicalCase.id_pac, ControlError.id_pac),
            ),
        )
        .where(ControlError.file_id == file.id, ControlError.stage == stage, ControlError.code == code)
    )
    total = db.session.execute(
        select(func.count()).select_from(
            select(ControlError.id)
            .where(ControlError.file_id == file.id, ControlError.stage == stage, ControlError.code == code)
            .subquery()
        )
    ).scalar_one()
    rows = db.session.execute(base.order_by(ControlError.id).offset(page * page_size).limit(page_size)).all()
    lines = []
    for err, case, pat in rows:
        policy = None
        if case is not None:
            policy = case.enp or " ".join(p for p in (case.spolis, case.npolis) if p)
        lines.append(
            ErrorLine(
                n_zap=err.n_zap or (case.n_zap if case else None),
                idcase=err.idcase or (case.idcase if case else None),
                id_pac=err.id_pac or (case.id_pac if case else None),
                fam=pat.fam if pat else None,
                im=pat.im if pat else None,
                ot=pat.ot if pat else None,
                dr=pat.dr if pat else None,
                policy=policy,
                date_z_1=case.date_z_1 if case else None,
                date_z_2=case.date_z_2 if case else None,
                element=err.element,
                base_element=err.base_element,
                value=err.value,
                comment=err.comment,
                line=err.line,
                sl_id=err.sl_id,
                idserv=err.idserv,
            )
        )
    return lines, total, rule_hints([code]).get(code)


def cases_of(
    file: UploadedFile, status: Optional[str], page: int = 0, page_size: int = PAGE_SIZE
) -> tuple[list[tuple[MedicalCase, Optional[Patient]]], int]:
    cond = [MedicalCase.file_id == file.id]
    if status:
        cond.append(MedicalCase.status == status)
    total = db.session.execute(select(func.count()).select_from(MedicalCase).where(*cond)).scalar_one()
    rows = db.session.execute(
        select(MedicalCase, Patient)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(*cond)
        .order_by(MedicalCase.id)
        .offset(page * page_size)
        .limit(page_size)
    ).all()
    return [(c, p) for c, p in rows], total


def _finding(err: ControlError, hints: Optional[dict] = None) -> Finding:
    return Finding(
        code=err.code,
        comment=err.comment or "",
        element=err.element,
        base_element=err.base_element,
        n_zap=err.n_zap,
        idcase=err.idcase,
        sl_id=err.sl_id,
        idserv=err.idserv,
        id_pac=err.id_pac,
        value=err.value,
        line=err.line,
        file_kind=err.file_kind or "H",
        stage=err.stage,
        fatal=err.fatal,
        hint=(hints or {}).get(err.code),
    )


#: the order of the protocol: ФЛК first, then МЭК, each in the order found
_PROTOCOL_ORDER = (ControlError.stage.desc(), ControlError.id)


def findings_of(file: UploadedFile) -> Iterator[Finding]:
    """Every ФЛК and МЭК error of the file as protocol rows, streamed."""
    q = (
        select(ControlError)
        .where(ControlError.file_id == file.id)
        .order_by(*_PROTOCOL_ORDER)
        .execution_options(yield_per=2000)
    )
    known = rule_hints(
        db.session.execute(select(ControlError.code).where(ControlError.file_id == file.id).distinct()).scalars()
    )
    for err in db.session.execute(q).scalars():
        yield _finding(err, known)


def error_page(
    file: UploadedFile, stage: str | None = None, code: str | None = None, page: int = 0, size: int = PAGE_SIZE
) -> tuple[int, list[Finding]]:
    """The file's errors of one ``stage`` («ФЛК» or «МЭК»; empty: both) and one ``code`` (empty:
    every code) as (how many in all, the rows of page ``page`` of ``size`` rows), in the order of
    the protocol.  Another stage raises :class:`FilterRefused`."""
    stage = (stage or "").strip()
    if stage and stage not in (STAGE_FLK, STAGE_MEK):
        raise FilterRefused(f"Этап указывается как «{STAGE_FLK}» или «{STAGE_MEK}»")
    code = (code or "").strip()
    conds = [ControlError.file_id == file.id]
    if stage:
        conds.append(ControlError.stage == stage)
    else:
        conds.append(ControlError.stage.in_((STAGE_FLK, STAGE_MEK)))
    if code:
        conds.append(ControlError.code == code)
    page, size = max(0, int(page)), max(1, int(size))
    count = db.session.execute(select(func.count()).select_from(ControlError).where(*conds)).scalar_one()
    rows = (
        db.session.execute(
            select(ControlError).where(*conds).order_by(*_PROTOCOL_ORDER).offset(page * size).limit(size)
        )
        .scalars()
        .all()
    )
    known = rule_hints(err.code for err in rows)
    return count, [_finding(err, known) for err in rows]


def checked_name(file: UploadedFile) -> str:
    return file.h_name or Path(file.archive_name).stem


def protocol_file_name(file: UploadedFile, ext: str) -> str:
    return f"{protocol_name(checked_name(file))}.{ext}"


def write_protocol_xml(file: UploadedFile) -> Path:
    """FLK_P in windows-1251 in a temporary file (the caller sends and removes it)."""
    tmp = Path(tempfile.mkstemp(suffix=".xml", prefix="flk_p_")[1])
    name = checked_name(file)
    write_flk_p(tmp, protocol_name(name), name, findings_of(file), version=file.version)
    return tmp


def write_protocol_xlsx(file: UploadedFile) -> Path:
    tmp = Path(tempfile.mkstemp(suffix=".xlsx", prefix="flk_p_")[1])
    write_flk_xlsx(tmp, findings_of(file))
    return tmp
