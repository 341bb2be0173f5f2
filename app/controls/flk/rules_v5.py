"""Rules of the elements formats 4.0/5.x added (PACIENT/SOC, KSG_KPG/K_ZP, LEK_PR/INJ/RED_INJ).

Their codes are newer than the Q015 v2.2 table: code and wording as a public ФЛК checker of 2026
has them; their conditions are read from the wording alone.  Not implemented for want of a
condition the wording gives: 002F.00.0145 (SOC of the three first categories, superseded by
002F.00.0146 with 083 at a date we do not know) and 003F.00.3130 («Вес пациента WEI должен быть
заполнен», with no word of when).  A file of a version without these elements has none of them,
so the rules find nothing there.
"""

from __future__ import annotations

from decimal import Decimal

from app.controls.flk.registry import Hit, rule
from app.controls.values import all_present, to_dec

SOC_VALUES = frozenset({"000", "035", "065", "083"})


@rule("002F.00.0146", "ZL_LIST/ZAP/PACIENT/SOC", "CHTX", "Социальная категория SOC должна быть (000,035,065,083)")
def soc_values(r):
    for n in all_present(r.pac, "SOC"):
        if n.text.strip() not in SOC_VALUES:
            yield Hit(n)


@rule(
    "002F.00.0465", "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/K_ZP", "CHT", "Коэффициент достижения зп K_ZP должен быть не меньше 1"
)
def k_zp_at_least_one(r):
    for sl in r.sls:
        for ksg in sl.all("KSG_KPG"):
            for n in all_present(ksg, "K_ZP"):
                v = to_dec(n.text)
                if v is None or v < Decimal(1):
                    yield Hit(n, sl=sl)


@rule(
    "002F.00.0433",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/INJ/RED_INJ",
    "CHT",
    "Признак редукции RED_INJ должен быть пустым или 0 или 1",
)
def red_inj_flag(r):
    for sl in r.sls:
        onk_sl = sl.child("ONK_SL")
        for onk_usl in onk_sl.all("ONK_USL") if onk_sl is not None else ():
            for lek in onk_usl.all("LEK_PR"):
                for inj in lek.all("INJ"):
                    for n in all_present(inj, "RED_INJ"):
                        if n.text.strip() not in ("0", "1"):
                            yield Hit(n, sl=sl)
