"""МЭК of the D-series files (диспансеризация и профилактические осмотры: DP, DV, DO, DS, DU, DF, DA,
DB; Q016 file type X).  The kind of the examination is the file's SCHET/DISP (``MekContext.disp``,
V016: ДВ4 / ДВ2 / ОПВ of adults, ДС1–ДС4 of orphans, ПН1 / ПН2 of minors).

Per case:

* 0010 / 0020 / 0030 — a service done before the examination (USL/DATE_IN < DATE_Z_1) is at most
  1 month old (minors' kinds, age < 2 on DATE_Z_1), 12 months (adults' kinds), 3 months (minors'
  kinds, age ≥ 2; fluorography — CODE_USL ``A06.09.006*`` «Флюорография легких» — excepted).  A
  refused service (USL/P_OTK = 1) was not done and is not judged;
* 0040 — health group RSLT_D ∈ {3, 4, 5, 31, 32} needs an appointment (SL/NAZ/NAZ_R);
* 0050 / 0060 / 0110 — the patient's age as «year of the examination − year of birth», the year
  of the examination being the year of DATE_Z_2: ≥ 18 for the adults' kinds, < 18 for the minors',
  from 18 to 39 divisible by 3 for ДВ4 / ДВ2 (every year from 40; the categories examined every
  year are not known from the file, so the rule cannot exempt them);
* 0230 — IDSP ∈ {25, 28, 29, 30, 31, 44}; 0235 — a refusal of the examination (Z_SL/P_OTK = 1)
  is presented with SUMV = 0;
* 0990 — stage I of the adults (ДВ4) has a visit of the therapist / general practitioner on
  DATE_Z_2: a service (not refused) whose USL/PRVS or USL/MR_USL_N/PRVS is a V021 specialty named
  «Терапия…» or «Общая врачебная практика…», with DATE_IN or DATE_OUT = DATE_Z_2.  Skipped while
  V021 is not loaded.

Set rules (one SQL statement each over the file, on ``ix_medical_case_person_disp``): the
patient's examinations of the same calendar year (of DATE_Z_2) in any МО — cases «Принят»,
«В реестре», «Приостановлен» of other loaded files, and earlier cases of this file.  The kind of
an earlier case is its own ``MedicalCase.disp`` (the SCHET/DISP of its file, stored by the ФЛК):
one file type holds several kinds (DP: ДВ4 or the former ДВ1 / ДВ3; DS: ДС1 or ДС3), so the file
type does not tell it.

* 0070 — stage I (ДВ4, ДС1, ДС2) twice in a year;
* 0080 — ОПВ when the patient already had ДВ4 or ОПВ that year;
* 0100 — stage II (ДВ2, ДС3, ДС4, ПН2) without its stage I (ДВ4, ДС1, ДС2, ПН1) that year.

A repeat found in another file is refused as already presented (F014 1.10.1), one within this
file as a duplicate in the same registry (1.10.2); a re-upload of the same case (the same
``identity_key``: patient, dates, NHISTORY) is a new version of it, not a repeat.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Optional

from sqlalchemy import and_, case, exists, extract, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from app.controls.mek.duplicates import EARLIER, EARLIER_STATUSES, WITHIN_FILE
from app.controls.mek.engine import SetCase
from app.controls.mek.registry import Q016_2020, MekHit, mek_rule
from app.controls.values import present, to_date, to_dec, to_int, tx
from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.vocabulary import CaseStatus, FileStatus

_INCORRECT = "1.1.4"  # некорректное заполнение полей реестра счетов
_MISSING = "1.1.3"  # не заполнены поля, обязательные к заполнению

ADULTS = frozenset({"ДВ4", "ДВ2", "ОПВ"})
MINORS = frozenset({"ДС1", "ДС2", "ДС3", "ДС4", "ПН1", "ПН2"})
AGE_GROUPS = frozenset({"ДВ4", "ДВ2"})
STAGE_ONE = ("ДВ4", "ДС1", "ДС2")  # 003K.00.0070
ADULT_EXAMINED = ("ДВ4", "ОПВ")  # 003K.00.0080: what makes an ОПВ a repeat
STAGE_ONE_OF = {"ДВ2": "ДВ4", "ДС3": "ДС1", "ДС4": "ДС2", "ПН2": "ПН1"}  # 003K.00.0100
FLUOROGRAPHY = ("A06.09.006",)  # «Флюорография легких» and its sub-codes (A06.09.006.001 цифровая)
IDSP_DISP = frozenset({25, 28, 29, 30, 31, 44})
RSLT_D_NAZ = frozenset({3, 4, 5, 31, 32})
THERAPIST_NAMES = ("терапия", "общая врачебная практика")  # V021 names (lower case) they start with


def months_before(d: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the last day of a shorter month)."""
    n = d.year * 12 + d.month - 1 - months
    year, month = divmod(n, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _year(c) -> Optional[int]:
    """The year of the examination: of DATE_Z_2 (else DATE_Z_1)."""
    d = c.date_z_2 or c.date_z_1
    return d.year if d is not None else None


def _years(c) -> Optional[int]:
    """Year of the examination − year of birth."""
    y = _year(c)
    return y - c.dr.year if y is not None and c.dr is not None else None


def _done(usl) -> bool:
    return tx(usl, "P_OTK") != "1"


def _older_than(c, months: int, except_codes: tuple[str, ...] = ()):
    start = c.date_z_1
    if start is None:
        return
    limit = months_before(start, months)
    for sl, u in c.usls():
        d = to_date(tx(u, "DATE_IN"))
        if d is None or d >= limit or not _done(u):
            continue
        if except_codes and (tx(u, "CODE_USL") or "").startswith(except_codes):
            continue
        yield MekHit(
            present(u, "DATE_IN"), sl=sl, usl=u, detail=f"DATE_Z_1 {start:%d.%m.%Y}, давность более {months} мес."
        )


_EARLY_MINORS = (
    "Превышение давности ранее проведенных диагностики, медицинских осмотров и диспансерного наблюдения (более {}) "
    "по диспансеризации сирот или медицинским осмотрам несовершеннолетних для возраста {} 2 лет"
)
_DATE_IN = "ZL_LIST/ZAP/Z_SL/SL/USL/DATE_IN"


@mek_rule("003K.00.0010", _DATE_IN, "X", _EARLY_MINORS.format("1 месяца", "менее"), refusal=_INCORRECT)
def earlier_services_under_two(c, ctx):
    if ctx.disp in MINORS:
        age = c.age_on(c.date_z_1)
        if age is not None and age < 2:
            yield from _older_than(c, 1)


@mek_rule(
    "003K.00.0020",
    _DATE_IN,
    "X",
    "Превышение давности ранее проведенного осмотра (консультации), исследований (более 12 месяцев) по "
    "диспансеризации определенных групп взрослого населения или профилактическим осмотрам взрослого населения",
    refusal=_INCORRECT,
)
def earlier_services_adults(c, ctx):
    if ctx.disp in ADULTS:
        yield from _older_than(c, 12)


@mek_rule("003K.00.0030", _DATE_IN, "X", _EARLY_MINORS.format("3 месяцев", "больше"), refusal=_INCORRECT)
def earlier_services_from_two(c, ctx):
    if ctx.disp in MINORS:
        age = c.age_on(c.date_z_1)
        if age is not None and age >= 2:
            yield from _older_than(c, 3, FLUOROGRAPHY)


@mek_rule(
    "003K.00.0040",
    "ZL_LIST/ZAP/Z_SL/SL/NAZ/NAZ_R",
    "X",
    "Не указаны назначения NAZ_R при присвоении группы здоровья (кроме I и II)",
    refusal=_MISSING,
)
def appointments_of_health_group(c, ctx):
    rslt_d = to_int(tx(c.z_sl, "RSLT_D"))
    if rslt_d not in RSLT_D_NAZ:
        return
    if any(present(naz, "NAZ_R") is not None for sl in c.sls for naz in sl.children if naz.tag == "NAZ"):
        return
    yield MekHit(present(c.z_sl, "RSLT_D"), sl=c.sls[0] if c.sls else None, detail=f"RSLT_D={rslt_d}")


_AGE_KIND = "Возраст пациента не соответствует типу диспансеризации"


@mek_rule("003K.00.0050", "PERS_LIST/PERS/DR", "X", _AGE_KIND, refusal=_INCORRECT)
def adult_kind_of_a_minor(c, ctx):
    if ctx.disp in ADULTS:
        years = _years(c)
        if years is not None and years < 18:
            yield MekHit(value=c.dr.isoformat(), detail=f"DISP={ctx.disp}, {_year(c)} − {c.dr.year} = {years}")


@mek_rule("003K.00.0060", "PERS_LIST/PERS/DR", "X", _AGE_KIND, refusal=_INCORRECT)
def minor_kind_of_an_adult(c, ctx):
    if ctx.disp in MINORS:
        years = _years(c)
        if years is not None and years >= 18:
            yield MekHit(value=c.dr.isoformat(), detail=f"DISP={ctx.disp}, {_year(c)} − {c.dr.year} = {years}")


@mek_rule(
    "003K.00.0110",
    "ZL_LIST/SCHET/DISP",
    "X",
    "Возрастная группа по диспансеризации определенных групп взрослого населения не соответствует возрасту пациента",
    refusal=_INCORRECT,
)
def adult_age_group(c, ctx):
    if ctx.disp in AGE_GROUPS:
        years = _years(c)
        if years is not None and 18 <= years <= 39 and years % 3:
            yield MekHit(value=ctx.disp, detail=f"{_year(c)} − {c.dr.year} = {years}: от 18 до 39 лет раз в 3 года")


@mek_rule(
    "003K.00.0230",
    "ZL_LIST/ZAP/Z_SL/IDSP",
    "X",
    "Неверный код способа оплаты при проведении диспансеризации или профилактического осмотра",
    refusal=_INCORRECT,
    twin="006F.00.1150",
)
def idsp_of_examination(c, ctx):
    if c.idsp is not None and c.idsp not in IDSP_DISP:
        yield MekHit(present(c.z_sl, "IDSP"))


@mek_rule(
    "003K.00.0235",
    "ZL_LIST/ZAP/Z_SL/SUMV",
    "X",
    "Неверное значение суммы, выставленной к оплате",
    refusal=_INCORRECT,
    valid_from=Q016_2020,
)
def refused_examination_costs_nothing(c, ctx):
    if tx(c.z_sl, "P_OTK") == "1":
        node = present(c.z_sl, "SUMV")
        sumv = to_dec(node.text) if node is not None else None
        if sumv:
            yield MekHit(node, detail="P_OTK=1")


def _is_therapist(name: Optional[str]) -> bool:
    return (name or "").strip().lower().startswith(THERAPIST_NAMES)


def therapists(ctx) -> Optional[frozenset[str]]:
    """V021 codes of the therapist and the general practitioner (by name); None: V021 not loaded."""
    key = "V021 therapists"
    if key not in ctx._cache:
        nsi, found = ctx.nsi, None
        if nsi is not None and nsi.knows("V021"):
            found = frozenset(
                code
                for code in nsi.codes("V021")
                if (e := nsi.get("V021", code)) is not None
                and (e.name or "").strip().lower().startswith(THERAPIST_NAMES)
            )
        ctx._cache[key] = found
    return ctx._cache[key]


def _specialties(usl):
    p = tx(usl, "PRVS")
    if p:
        yield p
    for mr in usl.children:
        if mr.tag == "MR_USL_N" and (p := tx(mr, "PRVS")):
            yield p


@mek_rule(
    "003K.00.0990",
    "ZL_LIST/ZAP/Z_SL/SL/USL/CODE_USL",
    "X",
    "Отсутствие посещения терапевта на дату окончания этапа диспансеризации",
    refusal=_MISSING,
)
def therapist_on_the_last_day(c, ctx):
    if ctx.disp != "ДВ4" or c.date_z_2 is None:
        return
    codes = therapists(ctx)
    if codes is None:
        return
    last = c.date_z_2.isoformat()
    for _sl, u in c.usls():
        if _done(u) and last in (tx(u, "DATE_IN"), tx(u, "DATE_OUT")) and any(p in codes for p in _specialties(u)):
            return
    yield MekHit(value=last, sl=c.sls[0] if c.sls else None, detail="нет услуги терапевта (ВОП) на DATE_Z_2")


# -- set rules: the patient's examinations of the calendar year ----------------------------------------------
def _same_year(a, b):
    return extract("year", a.date_z_2) == extract("year", b.date_z_2)


def _identity(c):
    return func.coalesce(c.identity_key, literal_column("''"))


def _earlier_of_patient(e, mc, file_id: int, *, before_in_file: bool):
    """``e`` is a case of ``mc``'s patient that counts: accepted earlier in this file (``e.id <
    mc.id`` when ``before_in_file``), or «Принят» / «В реестре» / «Приостановлен» in another loaded
    file and not a version of the same case (its identity)."""
    loaded = select(UploadedFile.id).where(UploadedFile.id == e.file_id, UploadedFile.status == FileStatus.DONE)
    in_file = [e.file_id == file_id, e.status == CaseStatus.ACCEPTED]
    if before_in_file:
        in_file.append(e.id < mc.id)
    return and_(
        e.person_key == mc.person_key,
        _same_year(e, mc),
        or_(
            and_(*in_file),
            and_(
                e.file_id != file_id,
                e.status.in_(EARLIER_STATUSES),
                func.coalesce(e.identity_key, literal_column("''"))
                != func.coalesce(mc.identity_key, literal_column("''")),
                exists(loaded),
            ),
        ),
    )


def _repeats(file_id: int, kind: str, earlier_kinds: tuple[str, ...]):
    """The accepted cases of ``kind`` in the file whose patient has a case of ``earlier_kinds`` that
    year (:func:`_earlier_of_patient`; one statement).  Yields (SetCase, MekHit)."""
    mc, e = MedicalCase, aliased(MedicalCase)
    elsewhere = func.max(case((e.file_id != file_id, 1), else_=0))
    rows = db.session.execute(
        select(mc.id, mc.n_zap, mc.idcase, mc.id_pac, mc.sumv, elsewhere, func.min(e.idcase))
        .join(e, and_(e.disp.in_(earlier_kinds), _earlier_of_patient(e, mc, file_id, before_in_file=True)))
        .where(mc.file_id == file_id, mc.status == CaseStatus.ACCEPTED, mc.disp == kind, mc.person_key.isnot(None))
        .group_by(mc.id, mc.n_zap, mc.idcase, mc.id_pac, mc.sumv)
        .order_by(mc.id)
    ).all()
    for case_id, n_zap, idcase, id_pac, sumv, other_file, other_idcase in rows:
        if other_file:
            refusal, detail = EARLIER, f"у пациента уже принят случай этого года: IDCASE {other_idcase}"
        else:
            refusal, detail = WITHIN_FILE, f"повторяет случай IDCASE {other_idcase} этого файла"
        yield SetCase(case_id, n_zap, idcase, id_pac, sumv), MekHit(value=kind, refusal=refusal, detail=detail)


@mek_rule(
    "003K.00.0070",
    "ZL_LIST/SCHET/DISP",
    "X",
    "Дублирование случая I этапа диспансеризации в течение календарного года",
    refusal=EARLIER,
    scope="set",
)
def stage_one_twice_a_year(ctx, file_id):
    if ctx.disp in STAGE_ONE:
        yield from _repeats(file_id, ctx.disp, (ctx.disp,))


@mek_rule(
    "003K.00.0080",
    "ZL_LIST/SCHET/DISP",
    "X",
    "Дубль случая профилактического осмотра взрослого населения",
    refusal=EARLIER,
    scope="set",
)
def preventive_after_examination(ctx, file_id):
    if ctx.disp == "ОПВ":
        yield from _repeats(file_id, "ОПВ", ADULT_EXAMINED)


@mek_rule(
    "003K.00.0100",
    "ZL_LIST/SCHET/DISP",
    "X",
    "Случай диспансеризации/профилактического осмотра II этапа представлен без наличия у пациента сведений о "
    "прохождении I этапа диспансеризации/профилактического осмотра в текущем календарном году",
    refusal=_INCORRECT,
    scope="set",
)
def stage_two_without_stage_one(ctx, file_id):
    first = STAGE_ONE_OF.get(ctx.disp or "")
    if first is None:
        return
    mc, e = MedicalCase, aliased(MedicalCase)
    stage_one = exists(select(e.id).where(e.disp == first, _earlier_of_patient(e, mc, file_id, before_in_file=False)))
    rows = db.session.execute(
        select(mc.id, mc.n_zap, mc.idcase, mc.id_pac, mc.sumv, mc.date_z_2)
        .where(
            mc.file_id == file_id,
            mc.status == CaseStatus.ACCEPTED,
            mc.disp == ctx.disp,
            mc.person_key.isnot(None),
            ~stage_one,
        )
        .order_by(mc.id)
    ).all()
    for case_id, n_zap, idcase, id_pac, sumv, d2 in rows:
        year = d2.year if d2 is not None else "?"
        yield (
            SetCase(case_id, n_zap, idcase, id_pac, sumv),
            MekHit(value=ctx.disp, detail=f"нет случая {first} за {year} год"),
        )
