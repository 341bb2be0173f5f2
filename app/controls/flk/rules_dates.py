"""Date order: referral ≤ case start ≤ case end ≤ invoice date; SL inside Z_SL; USL inside SL;
the case belongs to the reporting period."""

from __future__ import annotations

from app.controls.flk.registry import Hit, rule
from app.controls.values import present, to_date, tx


def _d(node):
    return to_date(node.text) if node is not None else None


@rule("006F.00.0310", "ZL_LIST/ZAP/Z_SL/NPR_DATE", "CHT", "Значение поля не должно быть больше DATE_Z_1")
def npr_date_before_start(r):
    n = present(r.z_sl, "NPR_DATE")
    d = _d(n)
    if d is not None and r.date_z_1 is not None and d > r.date_z_1:
        yield Hit(n, detail=f"DATE_Z_1={r.date_z_1:%d.%m.%Y}")


@rule("006F.00.0311", "ZL_LIST/ZAP/Z_SL/NPR_DATE", "CHT", "Значение поля не должно быть меньше DR")
def npr_date_after_birth(r):
    n = present(r.z_sl, "NPR_DATE")
    d = _d(n)
    if d is not None and r.dr is not None and d < r.dr:
        yield Hit(n, detail=f"DR={r.dr:%d.%m.%Y}")


@rule("006F.00.0330", "ZL_LIST/ZAP/Z_SL/DATE_Z_1", "CHTX", "Значение поля не должно быть больше DATE_Z_2")
def z_dates_order(r):
    if r.date_z_1 is not None and r.date_z_2 is not None and r.date_z_1 > r.date_z_2:
        yield Hit(present(r.z_sl, "DATE_Z_1"), detail=f"DATE_Z_2={r.date_z_2:%d.%m.%Y}")


@rule("006F.00.0340", "ZL_LIST/ZAP/Z_SL/DATE_Z_2", "CHTX", "Значение поля не должно быть больше DSCHET")
def z_end_before_invoice(r):
    dschet = r.ctx.dschet
    if r.date_z_2 is not None and dschet is not None and r.date_z_2 > dschet:
        yield Hit(present(r.z_sl, "DATE_Z_2"), detail=f"DSCHET={dschet:%d.%m.%Y}")


@rule("006F.00.0400", "ZL_LIST/ZAP/Z_SL/SL/DATE_1", "CHTX", "Значение поля не должно быть меньше DATE_Z_1")
def sl_start_in_case(r):
    if r.date_z_1 is None:
        return
    for sl in r.sls:
        n = present(sl, "DATE_1")
        d = _d(n)
        if d is not None and d < r.date_z_1:
            yield Hit(n, sl=sl, detail=f"DATE_Z_1={r.date_z_1:%d.%m.%Y}")


@rule("006F.00.0410", "ZL_LIST/ZAP/Z_SL/SL/DATE_1", "CHTX", "Значение поля не должно быть больше DATE_2")
def sl_dates_order(r):
    for sl in r.sls:
        n = present(sl, "DATE_1")
        d1, d2 = _d(n), to_date(tx(sl, "DATE_2"))
        if d1 is not None and d2 is not None and d1 > d2:
            yield Hit(n, sl=sl, detail=f"DATE_2={d2:%d.%m.%Y}")


@rule("006F.00.0420", "ZL_LIST/ZAP/Z_SL/SL/DATE_2", "CHTX", "Значение поля не должно быть больше DATE_Z_2")
def sl_end_in_case(r):
    if r.date_z_2 is None:
        return
    for sl in r.sls:
        n = present(sl, "DATE_2")
        d = _d(n)
        if d is not None and d > r.date_z_2:
            yield Hit(n, sl=sl, detail=f"DATE_Z_2={r.date_z_2:%d.%m.%Y}")


@rule("006F.00.0530", "ZL_LIST/ZAP/Z_SL/SL/USL/DATE_IN", "CHT", "Значение поля не должно быть меньше DATE_1")
def usl_start_in_sl(r):
    for sl in r.sls:
        d1 = to_date(tx(sl, "DATE_1"))
        if d1 is None:
            continue
        for u in sl.children:
            if u.tag == "USL":
                n = present(u, "DATE_IN")
                d = _d(n)
                if d is not None and d < d1:
                    yield Hit(n, sl=sl, usl=u, detail=f"DATE_1={d1:%d.%m.%Y}")


@rule("006F.00.0550", "ZL_LIST/ZAP/Z_SL/SL/USL/DATE_IN", "CHTX", "Значение поля не должно быть больше DATE_OUT")
def usl_dates_order(r):
    for sl, u in r.usls():
        n = present(u, "DATE_IN")
        d_in, d_out = _d(n), to_date(tx(u, "DATE_OUT"))
        if d_in is not None and d_out is not None and d_in > d_out:
            yield Hit(n, sl=sl, usl=u, detail=f"DATE_OUT={d_out:%d.%m.%Y}")


@rule("006F.00.0560", "ZL_LIST/ZAP/Z_SL/SL/USL/DATE_OUT", "CHTX", "Значение поля не должно быть больше DATE_2")
def usl_end_in_sl(r):
    for sl in r.sls:
        d2 = to_date(tx(sl, "DATE_2"))
        if d2 is None:
            continue
        for u in sl.children:
            if u.tag == "USL":
                n = present(u, "DATE_OUT")
                d = _d(n)
                if d is not None and d > d2:
                    yield Hit(n, sl=sl, usl=u, detail=f"DATE_2={d2:%d.%m.%Y}")


@rule(
    "006F.00.0160",
    "ZL_LIST/SCHET/YEAR",
    "CHTX",
    "YEAR должен быть больше или равен году DATE_Z_2 по всем законченным случаям",
    scope="record",
)
def year_covers_case(r):
    year = r.ctx.year
    if year is not None and r.date_z_2 is not None and year < r.date_z_2.year:
        yield Hit(at=present(r.z_sl, "DATE_Z_2"), value=str(year), detail=f"DATE_Z_2={r.date_z_2:%d.%m.%Y}")


@rule(
    "006F.00.0180",
    "ZL_LIST/SCHET/MONTH",
    "CHTX",
    "Если год DATE_Z_2 равен YEAR, MONTH должен быть больше или равен месяцу DATE_Z_2",
    scope="record",
)
def month_covers_case(r):
    year, month = r.ctx.year, r.ctx.month
    d = r.date_z_2
    if year is not None and month is not None and d is not None and d.year == year and month < d.month:
        yield Hit(at=present(r.z_sl, "DATE_Z_2"), value=str(month), detail=f"DATE_Z_2={d:%d.%m.%Y}")
