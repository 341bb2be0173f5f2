"""What a loaded file shows: cases by status, errors by code, the personalised error list and
the FLK_P protocol (XML for a МИС, XLSX for people).  Callers pass a file row that was already
loaded through the user's scope."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, Optional

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy import case as sql_case

from app.controls.finding import STAGE_FLK, STAGE_MEK, Finding
from app.core.withheld import Withheld, case_withheld, refused_in_full, withheld_in_part
from app.extensions import db
from app.formats.flk_p import protocol_name, write_flk_p
from app.models.intake import ControlError, MedicalCase, Patient, UploadedFile
from app.models.reference import ControlRule
from app.models.registry import CaseVersion, Registry
from app.models.user import OmsUser
from app.models.vocabulary import CaseStatus
from app.security.scope import Scope
from app.services.accounts.people import display_name
from app.services.intake.listing import FilterRefused
from app.services.intake.stages import versions
from app.services.reference.code_names import code_label
from app.services.reference.rules import hints as rule_hints

PAGE_SIZE = 200
ZERO = Decimal("0.00")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- money withheld on the МЭК ---------------------------------------------------------------------------
def mek_money(file_ids: Iterable[int]) -> dict[int, Withheld]:
    """:class:`Withheld` of these files (ids the caller took from the user's scope), one query."""
    ids = list(file_ids)
    if not ids:
        return {}
    refused, partial, withheld = refused_in_full(), withheld_in_part(), case_withheld()
    refused_sum = sql_case((withheld > 0, withheld), else_=func.coalesce(MedicalCase.sumv, 0))
    rows = db.session.execute(
        select(
            MedicalCase.file_id,
            func.coalesce(func.sum(sql_case((refused, 1), else_=0)), 0),
            func.coalesce(func.sum(sql_case((refused, refused_sum), else_=0)), 0),
            func.coalesce(func.sum(sql_case((partial, 1), else_=0)), 0),
            func.coalesce(func.sum(sql_case((partial, withheld), else_=0)), 0),
        )
        .where(MedicalCase.file_id.in_(ids), or_(refused, partial))
        .group_by(MedicalCase.file_id)
    ).all()
    return {
        file_id: Withheld(int(n_refused), _money(s_refused), int(n_partial), _money(s_partial))
        for file_id, n_refused, s_refused, n_partial, s_partial in rows
    }


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# -- the card of a file -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Replacement:
    """The later file that replaced cases of this one: its id, upload time and archive, or — when
    that file is outside the user's scope (another subdivision's) — nothing but the fact."""

    file_id: Optional[int]
    uploaded_at: Optional[dt.datetime]
    archive_name: Optional[str]

    @property
    def text(self) -> str:
        if self.uploaded_at is None:
            return "заменен более поздним файлом"
        return f"заменен файлом от {self.uploaded_at.strftime('%d.%m.%Y %H:%M')}"


def replacements(user: OmsUser, files: Iterable[UploadedFile | tuple[int, Optional[int]]]) -> dict[int, Replacement]:
    """For the files (rows, or pairs (id, replaced_by_id)) that were replaced: :class:`Replacement`
    of each, by id.  The later file is named only when the user may see it."""
    pairs = [(f.id, f.replaced_by_id) if isinstance(f, UploadedFile) else f for f in files]
    pairs = [(i, r) for i, r in pairs if r]
    if not pairs:
        return {}
    later = {
        i: (at, name)
        for i, at, name in db.session.execute(
            select(UploadedFile.id, UploadedFile.uploaded_at, UploadedFile.archive_name).where(
                UploadedFile.id.in_({r for _, r in pairs}), Scope.of(user).clause(UploadedFile)
            )
        )
    }
    out = {}
    for file_id, newer in pairs:
        if newer in later:
            out[file_id] = Replacement(newer, *later[newer])
        else:
            out[file_id] = Replacement(None, None, None)
    return out


def row_details(user: OmsUser, ids: list[int]) -> dict[int, dict]:
    """What a page of «Загрузка файла» shows beside the list's columns, for the user's files of
    these ids: ``progress`` (of a loading file), ``replaced_by`` (a :class:`Replacement`, or None),
    ``money`` (the :class:`Withheld` of «Снято по МЭК»), ``uploaded_by`` (the uploader's name),
    ``versions`` (new, updated, unchanged, skipped), ``dry_run`` (a check, «Проверить без
    загрузки») and ``channel`` (how the archive came: «канал: почта»).  Three queries for a page."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            UploadedFile.id,
            UploadedFile.progress,
            UploadedFile.replaced_by_id,
            OmsUser.first_name,
            OmsUser.last_name,
            UploadedFile.new_count,
            UploadedFile.updated_count,
            UploadedFile.unchanged_count,
            UploadedFile.skipped_count,
            UploadedFile.dry_run,
            UploadedFile.channel,
        )
        .outerjoin(OmsUser, OmsUser.id == UploadedFile.uploaded_by_id)
        .where(UploadedFile.id.in_(ids), Scope.of(user).clause(UploadedFile))
    ).all()
    replaced = replacements(user, [(r[0], r[2]) for r in rows])
    money = mek_money([r[0] for r in rows])
    return {
        file_id: {
            "progress": max(0, min(100, progress or 0)),
            "replaced_by": replaced.get(file_id),
            "money": money.get(file_id, Withheld()),
            "uploaded_by": display_name(first, last),
            "versions": tuple(counts),
            "dry_run": bool(dry_run),
            "channel": channel,
        }
        for file_id, progress, _, first, last, *counts, dry_run, channel in rows
    }


@dataclass(frozen=True)
class FileCard:
    """What the card of a file shows beside its columns: the money and the re-upload."""

    money: Withheld
    declared: Optional[Decimal]  # Σ SUMV of the cases the file keeps
    payable: Optional[Decimal]  # Σ SUMP of those not refused
    replaced_by: Optional[Replacement]
    versions: dict[str, int] = field(default_factory=dict)  # new / updated / unchanged / skipped


def file_card(user: OmsUser, file: UploadedFile) -> FileCard:
    """The card's figures of a file the caller loaded through the user's scope."""
    declared, payable = db.session.execute(
        select(
            func.sum(MedicalCase.sumv),
            func.sum(sql_case((MedicalCase.status != CaseStatus.MEK_REJECTED, MedicalCase.sump), else_=None)),
        ).where(MedicalCase.file_id == file.id, MedicalCase.status != CaseStatus.FLK_REJECTED)
    ).one()
    return FileCard(
        money=mek_money([file.id]).get(file.id, Withheld()),
        declared=_money(declared) if declared is not None else None,
        payable=_money(payable) if payable is not None else None,
        replaced_by=replacements(user, [file]).get(file.id),
        versions=dict(zip(VERSION_KINDS, file.version_counts, strict=True)),
    )


# -- the cases of a re-upload outcome, or withheld in part ---------------------------------------------------
#: the kinds of the selection page: the re-upload outcomes of a file's cases, and the money of the МЭК
VERSION_KINDS = ("new", "updated", "unchanged", "skipped")
SELECTIONS = {
    "new": "Новые случаи",
    "updated": "Обновленные случаи (заменили прежнюю версию)",
    "unchanged": "Случаи без изменений (заменили прежнюю версию)",
    "skipped": "Пропущенные случаи: прежняя версия уже в реестре",
    "refused": "Случаи, снятые по МЭК полностью (в том числе по результатам МЭК плательщика)",
    "withheld": "Случаи, снятые по МЭК частично (в том числе по результатам МЭК плательщика)",
}
_OUTCOMES = {"new": versions.NEW, "updated": versions.UPDATED, "unchanged": versions.UNCHANGED}


@dataclass
class SelectedCase:
    """A row of the selection page: the case (None for a skipped one of a registry the user may
    not see), its patient, and for a skipped one the numbers in this file and the registry."""

    case: Optional[MedicalCase]
    patient: Optional[Patient]
    n_zap: Optional[str] = None
    idcase: Optional[str] = None
    registry_number: Optional[str] = None


def selected_cases(
    user: OmsUser, file: UploadedFile, kind: str, page: int = 0, page_size: int = PAGE_SIZE
) -> tuple[list[SelectedCase], int]:
    """The cases of one :data:`SELECTIONS` kind of a file, with the total.  A skipped case was not
    stored: the row is the earlier version in its registry (shown only within the user's scope)."""
    if kind not in SELECTIONS:
        raise FilterRefused(f"Неизвестный отбор случаев «{kind}»")
    if kind in ("refused", "withheld"):
        money_cond = refused_in_full() if kind == "refused" else withheld_in_part()
        cond = and_(MedicalCase.file_id == file.id, money_cond)
        total = db.session.execute(select(func.count()).select_from(MedicalCase).where(cond)).scalar_one()
        rows = db.session.execute(
            select(MedicalCase, Patient)
            .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
            .where(cond)
            .order_by(MedicalCase.id)
            .offset(page * page_size)
            .limit(page_size)
        ).all()
        return [SelectedCase(c, p, c.n_zap, c.idcase) for c, p in rows], total
    if kind == "skipped":
        cond = and_(CaseVersion.file_id == file.id, CaseVersion.outcome.startswith(versions.SKIPPED_PREFIX))
        joined = and_(MedicalCase.id == CaseVersion.earlier_case_id, Scope.of(user).clause(MedicalCase))
    else:
        cond = and_(CaseVersion.file_id == file.id, CaseVersion.outcome == _OUTCOMES[kind])
        joined = and_(MedicalCase.id == CaseVersion.case_id, MedicalCase.file_id == file.id)
    total = db.session.execute(select(func.count()).select_from(CaseVersion).where(cond)).scalar_one()
    rows = db.session.execute(
        select(CaseVersion, MedicalCase, Patient)
        .outerjoin(MedicalCase, joined)
        .outerjoin(Patient, Patient.id == MedicalCase.patient_id)
        .where(cond)
        .order_by(CaseVersion.id)
        .offset(page * page_size)
        .limit(page_size)
    ).all()
    return [SelectedCase(c, p, v.n_zap, v.idcase, v.registry_number) for v, c, p in rows], total


def cases_by_status(file: UploadedFile) -> list[dict]:
    """[{status, registry, count}] — the registry's number where the cases are in one."""
    rows = db.session.execute(
        select(MedicalCase.status, Registry.number, func.count())
        .outerjoin(Registry, Registry.id == MedicalCase.registry_id)
        .where(MedicalCase.file_id == file.id)
        .group_by(MedicalCase.status, Registry.number)
        .order_by(MedicalCase.status, Registry.number)
    ).all()
    return [{"status": status, "registry": number, "count": count} for status, number, count in rows]


def errors_by_code(file: UploadedFile, stage: str) -> list[dict]:
    """[{code, message, hint, count, cases, refusal, withheld}] ordered by count; for the МЭК
    ``refusal`` is the F014 reason with its name («1.1.4 — …») and ``withheld`` the sum of the
    sanctions of the code's findings (None for the ФЛК)."""
    rows = db.session.execute(
        select(
            ControlError.code,
            func.count(),
            func.count(func.distinct(ControlError.case_id)),
            func.min(ControlError.comment),
            func.min(ControlError.refusal_code),
            func.sum(ControlError.sanction_sum),
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
            "refusal": code_label("F014", refusal) if refusal else None,
            "withheld": _money(withheld) if stage == STAGE_MEK else None,
        }
        for code, count, cases, sample, refusal, withheld in rows
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
    refusal: Optional[str] = None  # МЭК: the F014 reason with its name
    sanction_sum: Optional[Decimal] = None  # МЭК: what the finding withholds

    @property
    def shown_value(self) -> Optional[str]:
        """The wrong value as people read it: a date of the file (ГГГГ-ММ-ДД) as ДД.ММ.ГГГГ."""
        if self.value and _ISO_DATE.fullmatch(self.value):
            year, month, day = self.value.split("-")
            return f"{day}.{month}.{year}"
        return self.value


def _with_patient(query: Select) -> Select:
    """An error with its case and the L file's person of the case (or of the L record)."""
    return query.outerjoin(MedicalCase, MedicalCase.id == ControlError.case_id).outerjoin(
        Patient,
        and_(
            Patient.file_id == ControlError.file_id,
            Patient.id_pac == func.coalesce(MedicalCase.id_pac, ControlError.id_pac),
        ),
    )


def error_lines(
    file: UploadedFile, stage: str, code: str, page: int = 0, page_size: int = PAGE_SIZE
) -> tuple[list[ErrorLine], int, Optional[str]]:
    """The personalised list of one error code: case, patient, place, value, message; with the
    total and the code's hint for the operator."""
    base = _with_patient(select(ControlError, MedicalCase, Patient)).where(
        ControlError.file_id == file.id, ControlError.stage == stage, ControlError.code == code
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
                refusal=code_label("F014", err.refusal_code) if err.refusal_code else None,
                sanction_sum=err.sanction_sum,
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


#: the protocol's XLSX for people: (header, width)
XLSX_COLUMNS = (
    ("Этап", 7),
    ("Код ошибки", 14),
    ("ФИО пациента", 32),
    ("Дата рождения", 12),
    ("Номер записи (N_ZAP)", 10),
    ("Номер случая (IDCASE)", 12),
    ("Поле (IM_POL)", 16),
    ("Базовый элемент (BAS_EL)", 18),
    ("Значение", 20),
    ("Комментарий", 60),
    ("Основание отказа (F014)", 40),
    ("Сумма санкции", 14),
    ("Идентификатор случая (SL_ID)", 16),
    ("Номер услуги (IDSERV)", 14),
    ("Код пациента (ID_PAC)", 20),
    ("Строка файла", 8),
    ("Подсказка", 60),
)


def protocol_rows(file: UploadedFile) -> Iterator[list]:
    """The protocol's rows for people, in its order (ФЛК first, then МЭК), streamed: the stage,
    the error, the patient's ФИО and birth date (the L file's person of the case, or of the L
    record), the place, the value, the message, and for the МЭК the F014 reason and the sanction."""
    known = rule_hints(
        db.session.execute(select(ControlError.code).where(ControlError.file_id == file.id).distinct()).scalars()
    )
    q = (
        _with_patient(select(ControlError, Patient.fam, Patient.im, Patient.ot, Patient.dr))
        .where(ControlError.file_id == file.id)
        .order_by(*_PROTOCOL_ORDER)
        .execution_options(yield_per=2000)
    )
    labels: dict[str, str] = {}
    for err, fam, im, ot, dr in db.session.execute(q):
        refusal = None
        if err.refusal_code:
            refusal = labels.get(err.refusal_code) or labels.setdefault(
                err.refusal_code, code_label("F014", err.refusal_code)
            )
        yield [
            err.stage,
            err.code,
            " ".join(p for p in (fam, im, ot) if p) or None,
            dr,
            err.n_zap,
            err.idcase,
            err.element,
            err.base_element,
            err.value,
            err.comment,
            refusal,
            err.sanction_sum,
            err.sl_id,
            err.idserv,
            err.id_pac,
            err.line,
            known.get(err.code),
        ]


def write_protocol_xlsx(file: UploadedFile) -> Path:
    """The protocol as an XLSX sheet for people (rows streamed): one header row, frozen, with an
    autofilter; dates and sums typed; every text a text cell (never a formula)."""
    from app.core.xlsx import write_table

    tmp = Path(tempfile.mkstemp(suffix=".xlsx", prefix="flk_p_")[1])
    headers = [title for title, _ in XLSX_COLUMNS]
    write_table(tmp, headers, protocol_rows(file), widths=[w for _, w in XLSX_COLUMNS], sheet="Протокол")
    return tmp
