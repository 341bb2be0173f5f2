"""The demo care catalogue: services and КСГ with their demo tariffs, one place for the demo file
generator and the demo tariffs (so every demo case recalculates to the sum it declares)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple


class DemoService(NamedTuple):
    code: str  # CODE_USL (regional tariff dictionary, Номенклатура медицинских услуг)
    name: str
    profil: int  # V002
    prvs: int  # V021
    tariff: Decimal


class DemoKsg(NamedTuple):
    code: str  # N_KSG (КСГ 2026)
    name: str
    usl_ok: int  # 1 стационар, 2 дневной стационар
    profil: int
    prvs: int
    ds1: str  # a main diagnosis the 2026 grouper assigns to the КСГ by itself (no other criterion)
    koef_z: Decimal  # коэффициент относительной затратоемкости (КСГ 2026)
    days: int  # typical length of stay (> 3: a demo case is never interrupted)
    kpg: str  # клинико-профильная группа
    without_level: bool = False  # МР Прил. 5


OUTPATIENT = [
    DemoService("B01.047.001", "Прием (осмотр, консультация) врача-терапевта первичный", 97, 76, Decimal("1520.00")),
    DemoService("B01.047.002", "Прием (осмотр, консультация) врача-терапевта повторный", 97, 76, Decimal("980.00")),
    DemoService("B01.031.001", "Прием (осмотр, консультация) врача-педиатра первичный", 68, 49, Decimal("1430.00")),
    DemoService("B01.015.001", "Прием (осмотр, консультация) врача-кардиолога первичный", 29, 25, Decimal("1860.00")),
    DemoService("B01.023.001", "Прием (осмотр, консультация) врача-невролога первичный", 53, 35, Decimal("1740.00")),
    DemoService("B01.029.001", "Прием (осмотр, консультация) врача-офтальмолога первичный", 65, 46, Decimal("1390.00")),
]
EMERGENCY = [
    DemoService("B01.044.001", "Осмотр врачом скорой медицинской помощи", 84, 66, Decimal("3650.00")),
]
# real КСГ of the 2026 model with their КЗ, КПГ and a DS1 the 2026 grouper assigns to them by
# itself, so that the demo cases stay consistent when the official tables are imported (`oms
# import-ksg`); all by a traumatologist-orthopaedist (PROFIL 100, PRVS 79), a specialty that suits
# a patient of any age and sex and every kind of care (the МЭК on PRVS)
KSG = [
    DemoKsg(
        "st29.004",
        "Переломы, вывихи, растяжения области грудной клетки, верхней конечности и стопы",
        1,
        100,
        79,
        "S52.5",
        Decimal("0.56"),
        9,
        "st29",
        True,
    ),
    DemoKsg("st16.003", "Дорсопатии, спондилопатии, остеопатии", 1, 100, 79, "M54.5", Decimal("0.68"), 8, "st16", True),
    DemoKsg(
        "ds29.004",
        "Заболевания опорно-двигательного аппарата, травмы, болезни мягких тканей",
        2,
        100,
        79,
        "S52.5",
        Decimal("1.05"),
        6,
        "ds29",
    ),
    DemoKsg(
        "ds16.001",
        "Болезни и травмы позвоночника, спинного мозга, последствия внутричерепной травмы, сотрясение головного мозга",
        2,
        100,
        79,
        "M54.5",
        Decimal("0.94"),
        5,
        "ds16",
    ),
]
# base rates (базовая ставка) of the demo region, per condition
BASE_RATE = {1: Decimal("31690.00"), 2: Decimal("17820.00")}
OUTPATIENT_DIAGNOSES = ["I10", "I11.9", "J06.9", "K29.7", "M54.5", "E11.9", "N39.0", "Z00.0"]
EMERGENCY_DIAGNOSES = ["I10", "J06.9", "S52.5", "K35.8", "I21.9"]


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ksg_price(ksg: DemoKsg) -> Decimal:
    """The cost by the КСГ method (:mod:`app.tariffs.ksg_method`): БС × КЗ, the demo region sets no
    КС_КСГ, КД or КУСмо (all 1), a demo case has no КСЛП and is not interrupted."""
    from app.tariffs.ksg_method import ksg_cost

    return ksg_cost(base=BASE_RATE[ksg.usl_ok], koef_z=ksg.koef_z)[0]
