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
    code: str  # N_KSG
    name: str
    usl_ok: int  # 1 стационар, 2 дневной стационар
    profil: int
    prvs: int
    ds1: str
    koef_z: Decimal  # коэффициент относительной затратоемкости
    days: int  # typical length of stay


OUTPATIENT = [
    DemoService("B01.047.001", "Прием (осмотр, консультация) врача-терапевта первичный", 97, 76, Decimal("1520.00")),
    DemoService("B01.047.002", "Прием (осмотр, консультация) врача-терапевта повторный", 97, 76, Decimal("980.00")),
    DemoService("B01.031.001", "Прием (осмотр, консультация) врача-педиатра первичный", 68, 49, Decimal("1430.00")),
    DemoService("B01.015.001", "Прием (осмотр, консультация) врача-кардиолога первичный", 29, 22, Decimal("1860.00")),
    DemoService("B01.023.001", "Прием (осмотр, консультация) врача-невролога первичный", 53, 32, Decimal("1740.00")),
    DemoService("B01.029.001", "Прием (осмотр, консультация) врача-офтальмолога первичный", 65, 42, Decimal("1390.00")),
]
EMERGENCY = [
    DemoService("B01.044.001", "Осмотр врачом скорой медицинской помощи", 84, 61, Decimal("3650.00")),
]
KSG = [
    DemoKsg("st13.005", "Нарушения ритма и проводимости", 1, 29, 22, "I20.8", Decimal("1.42"), 9),
    DemoKsg("st29.007", "Тяжелая множественная и сочетанная травма", 1, 100, 84, "S52.5", Decimal("1.10"), 7),
    DemoKsg("st12.013", "Грипп и пневмония с синдромом органной дисфункции", 1, 97, 76, "J18.9", Decimal("1.08"), 10),
    DemoKsg("ds13.001", "Болезни системы кровообращения, дети", 2, 97, 76, "I11.9", Decimal("0.98"), 6),
    DemoKsg("ds19.033", "Лекарственная терапия при остром лейкозе", 2, 53, 32, "M54.5", Decimal("0.85"), 5),
]
# base rates (базовая ставка) of the demo region, per condition
BASE_RATE = {1: Decimal("31690.00"), 2: Decimal("17820.00")}
OUTPATIENT_DIAGNOSES = ["I10", "I11.9", "J06.9", "K29.7", "M54.5", "E11.9", "N39.0", "Z00.0"]
EMERGENCY_DIAGNOSES = ["I10", "J06.9", "S52.5", "K35.8", "I21.9"]


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ksg_price(ksg: DemoKsg) -> Decimal:
    """Base rate × KOEF_Z × KOEF_UP × KOEF_D × KOEF_U (all other coefficients 1 in the demo)."""
    return money(BASE_RATE[ksg.usl_ok] * ksg.koef_z)
