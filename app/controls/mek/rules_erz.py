"""МЭК on the result of the ЕРЗ identification: not found, policy not valid on the dates of care,
care after the date of death."""

from __future__ import annotations

from app.controls.mek.registry import Q016_2020, MekHit, mek_rule
from app.controls.values import present, to_date, tx
from app.erz.resolve import POLICY_ENDED, POLICY_FUTURE, POLICY_NONE


@mek_rule(
    "003K.14.0010",
    "ZL_LIST/ZAP/PACIENT",
    "CHTX",
    "Застрахованное лицо не найдено в ЕРЗ (по ЕНП, полису, СНИЛС, ФИО и дате рождения)",
    refusal="1.2.2",
)
def not_in_erz(c, ctx):
    """Residents only: a non-resident is identified by the inter-territorial exchange (ЦС ЕРЗ) and
    his cases go to the ТФОМС."""
    if c.erz_found_by is None and not c.nonresident:
        yield MekHit(c.zap.child("PACIENT"), value=tx(c.pac, "ENP") or tx(c.pac, "NPOLIS"))


@mek_rule(
    "003K.00.0570",
    "ZL_LIST/ZAP/Z_SL/DATE_Z_1",
    "CHTX",
    "Полис ОМС не действует на дату начала оказания медицинской помощи",
    refusal="1.2.4",
)
def policy_ended(c, ctx):
    if c.erz_found_by is not None and c.policy_check in (POLICY_ENDED, POLICY_NONE):
        yield MekHit(
            present(c.z_sl, "DATE_Z_1"),
            detail="полис закончился раньше" if c.policy_check == POLICY_ENDED else "нет полиса в ЕРЗ",
        )


@mek_rule(
    "003K.00.0580",
    "ZL_LIST/ZAP/Z_SL/DATE_Z_2",
    "CHTX",
    "Полис ОМС не действует на дату окончания оказания медицинской помощи",
    refusal="1.2.4",
)
def policy_future(c, ctx):
    if c.erz_found_by is not None and c.policy_check == POLICY_FUTURE:
        yield MekHit(present(c.z_sl, "DATE_Z_2"), detail="полис начал действовать позже")


def _after_death(tag):
    def fn(c, ctx):
        if c.death_date is None:
            return
        for sl in c.sls:
            n = present(sl, tag)
            d = to_date(n.text) if n is not None else None
            if d is not None and d > c.death_date:
                yield MekHit(n, sl=sl, detail=f"дата смерти {c.death_date:%d.%m.%Y}")

    return fn


mek_rule(
    "003K.00.0950",
    "ZL_LIST/ZAP/Z_SL/SL/DATE_2",
    "CHTX",
    "Дата окончания лечения больше даты смерти пациента",
    refusal="1.2.4",
)(_after_death("DATE_2"))
mek_rule(
    "003K.00.0960",
    "ZL_LIST/ZAP/Z_SL/SL/DATE_1",
    "CHTX",
    "Дата начала лечения больше даты смерти пациента",
    refusal="1.2.4",
)(_after_death("DATE_1"))


_ADULT_DOCUMENTS = frozenset({1, 4, 5, 6, 7, 8, 14, 16, 17, 26, 29})  # F011: passports and the like


@mek_rule(
    "003K.00.1021",
    "PERS_LIST/PERS/DR",
    "L",
    "Несоответствие типа УДЛ возрасту пациента",
    refusal="1.1.4",
    valid_from=Q016_2020,
)
def document_of_an_adult_for_a_child(c, ctx):
    """DOCTYPE of the L file in {1, 4–8, 14, 16, 17, 26, 29} (a document issued from 14 years) and
    NOVOR = 0: the patient is 14 or older on DATE_Z_1."""
    if c.doctype not in _ADULT_DOCUMENTS or (c.novor or "0") != "0":
        return
    age = c.age_on(c.date_z_1)
    if age is not None and age < 14:
        yield MekHit(value=c.dr.isoformat(), detail=f"DOCTYPE={c.doctype}, возраст {age}")


@mek_rule(
    "002K.00.0680",
    "PERS_LIST/PERS/DR",
    "L",
    "Дата рождения пациента не должна быть больше даты начала законченного случая (DATE_Z_1)",
    refusal="1.1.4",
)
def born_after_the_care(c, ctx):
    if c.dr is not None and c.date_z_1 is not None and c.dr > c.date_z_1:
        yield MekHit(value=c.dr.isoformat(), detail=f"DATE_Z_1 {c.date_z_1:%d.%m.%Y}")
