"""МЭК of the cost recalculation (stage «Перерасчет стоимости»; ``c.calc`` is the calculation)."""

from __future__ import annotations

from decimal import Decimal

from app.controls.mek.registry import MekHit, mek_rule
from app.controls.values import present
from app.models.tariff import TARIFF_KINDS


@mek_rule(
    "003K.14.0040",
    "ZL_LIST/ZAP/Z_SL/SL/USL/CODE_USL",
    "CHTX",
    "Нет тарифа на дату оказания медицинской помощи",
    refusal="1.4.1",
    scope="tariff",
)
def no_tariff(c, ctx):
    calc = c.calc
    if calc is None:
        return
    for m in calc.missing:
        on = f" на {m.on:%d.%m.%Y}" if m.on else ""
        yield MekHit(
            m.node, sl=m.sl, usl=m.usl, value=m.code, detail=f"{TARIFF_KINDS.get(m.kind, m.kind)} {m.code}{on}"
        )


@mek_rule(
    "003K.14.0050",
    "ZL_LIST/ZAP/Z_SL/SUMV",
    "CHTX",
    "Сумма, выставленная к оплате, не соответствует стоимости по тарифам",
    refusal="1.4.2",
    share=None,
    scope="tariff",
)
def sum_differs(c, ctx):
    """|SUMV − cost by the tariffs| above ``MEK_SUM_TOLERANCE``: the overcharge is withheld (the
    case is paid at the tariff); an undercharge is reported and nothing is withheld."""
    calc = c.calc
    if calc is None or calc.total is None or c.sumv is None:
        return
    diff = c.sumv - calc.total
    if abs(diff) > ctx.sum_tolerance:
        yield MekHit(
            present(c.z_sl, "SUMV"), value=str(c.sumv), detail=f"по тарифам {calc.total}", amount=max(diff, Decimal(0))
        )
