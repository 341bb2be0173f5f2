"""Sums inside a case: SUMV = Σ SUM_M, tariffs not above sums, SUMP/SANK_IT relations."""

from __future__ import annotations

from decimal import Decimal

from app.controls.flk.helpers import need
from app.controls.flk.registry import Hit, rule
from app.controls.values import ZERO, all_present, present, to_dec, to_int, tx


@rule(
    "006F.00.0370",
    "ZL_LIST/ZAP/Z_SL/SUMV",
    "CHTX",
    "Значение поля должно быть равно сумме значений SUM_M вложенных элементов SL",
)
def sumv_is_sum_m(r):
    n = present(r.z_sl, "SUMV")
    sumv = to_dec(n.text) if n is not None else None
    if sumv is None:
        return
    total = ZERO
    for sl in r.sls:
        v = to_dec(tx(sl, "SUM_M"))
        if v is None:
            return  # a missing/malformed SUM_M is a structural error
        total += v
    if total != sumv:
        yield Hit(n, detail=f"Σ SUM_M={total}")


@rule(
    "006F.00.0460",
    "ZL_LIST/ZAP/Z_SL/SL/TARIF",
    "CHTX",
    "Значение поля должно быть не больше SUM_M (при USL_OK<>{1, 2})",
)
def sl_tarif_not_above_sum(r):
    if r.usl_ok is None or r.usl_ok in (1, 2):
        return
    for sl in r.sls:
        n = present(sl, "TARIF")
        t, s = (to_dec(n.text) if n is not None else None), to_dec(tx(sl, "SUM_M"))
        if t is not None and s is not None and t > s:
            yield Hit(n, sl=sl, detail=f"SUM_M={s}")


@rule("006F.00.0570", "ZL_LIST/ZAP/Z_SL/SL/USL/TARIF", "CHTX", "Значение поля должно быть не более SUMV_USL")
def usl_tarif_not_above_sum(r):
    for sl, u in r.usls():
        n = present(u, "TARIF")
        t, s = (to_dec(n.text) if n is not None else None), to_dec(tx(u, "SUMV_USL"))
        if t is not None and s is not None and t > s:
            yield Hit(n, sl=sl, usl=u, detail=f"SUMV_USL={s}")


def _sumv_sump_sank(r):
    n = present(r.z_sl, "SUMP")
    return n, to_dec(n.text) if n is not None else None, to_dec(tx(r.z_sl, "SUMV")), to_dec(tx(r.z_sl, "SANK_IT"))


@rule("006F.00.1160", "ZL_LIST/ZAP/Z_SL/SUMP", "CHTX", "Должно быть SUMP=SUMV-SANK_IT")
def sump_balance(r):
    n, sump, sumv, sank_it = _sumv_sump_sank(r)
    if sump is not None and sumv is not None:
        expected = sumv - (sank_it or ZERO)
        if sump != expected:
            yield Hit(n, detail=f"SUMV-SANK_IT={expected}")


@rule("006F.00.1180", "ZL_LIST/ZAP/Z_SL/SUMP", "CHTX", "При OPLATA=2 должно быть SUMP=0")
def sump_refused(r):
    n, sump, _, _ = _sumv_sump_sank(r)
    if to_int(tx(r.z_sl, "OPLATA")) == 2 and sump is not None and sump != ZERO:
        yield Hit(n)


@rule("006F.00.1190", "ZL_LIST/ZAP/Z_SL/SUMP", "CHTX", "При OPLATA=1 должно быть SUMP=SUMV")
def sump_paid(r):
    n, sump, sumv, _ = _sumv_sump_sank(r)
    if to_int(tx(r.z_sl, "OPLATA")) == 1 and sump is not None and sumv is not None and sump != sumv:
        yield Hit(n, detail=f"SUMV={sumv}")


@rule("003F.00.0590", "ZL_LIST/ZAP/Z_SL/SANK_IT", "CHTX", "SANK_IT обязателен при выполнении условия: SANK.S_SUM<>0")
def sank_it_required(r):
    for s in all_present(r.z_sl, "SANK"):
        v = to_dec(tx(s, "S_SUM"))
        if v is not None and v != Decimal(0):
            yield from need(r.z_sl, "SANK_IT")
            return
