"""МЭК of the КСГ block (KSG_KPG): the grouper (003K.00.0520, stage «Перерасчет стоимости», only
when the КСГ tables are loaded), IT_SL = 1 (003K.00.0970) and the КСЛП of an over-long stay
(003K.00.0980).  The method and its sources: :mod:`app.tariffs.ksg_method`.

Reason of refusal: F014 1.4.2 (the cost of the case is not what the tariffs give: «необоснованное
применение тарифа»), the whole case (share 1) — the КСГ or the КСЛП determines the whole cost.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Optional

from app.controls.mek.registry import MekHit, mek_rule
from app.controls.values import present, to_date, to_int, tx
from app.tariffs import ksg_method as km

_COST = "1.4.2"  # необоснованное применение тарифа (стоимость случая не по тарифам)
_TOLERANCE = Decimal("0.01")


def settings() -> km.KsgSettings:
    """The method's settings: the app's config when there is an app, else the defaults."""
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            return km.KsgSettings.from_config(current_app.config)
    except ImportError:  # pragma: no cover
        pass
    return km.KsgSettings()


def _settings(ctx) -> km.KsgSettings:
    """:func:`settings` once per МЭК context (not once per case)."""
    s = ctx._cache.get("ksg_settings")
    if s is None:
        s = ctx._cache["ksg_settings"] = settings()
    return s


def _dec(text: Optional[str]) -> Optional[Decimal]:
    try:
        return Decimal(text.strip()) if text and text.strip() else None
    except InvalidOperation:
        return None


@mek_rule(
    "003K.00.0520",
    "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/N_KSG",
    "CH",
    "Неверное сочетание основного диагноза и КСГ",
    refusal=_COST,
    scope="tariff",
)
def ds1_not_in_grouper(c, ctx):
    """DS1 (or its rubric) is not a main diagnosis of the КСГ in the grouper of the year; only
    when the КСГ tables are loaded and list DS1 for that КСГ (a КСГ by a service only is not
    judged)."""
    calc = c.calc
    if calc is None:
        return
    for m in getattr(calc, "grouper_mismatch", ()):
        yield MekHit(
            m.node, sl=m.sl, value=m.ksg, detail=f"DS1 {m.ds1 or '—'} не относится к КСГ {m.ksg} по группировщику"
        )


@mek_rule(
    "003K.00.0970",
    "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/IT_SL",
    "CH",
    "Взаимное несоответствие заполнения SL_K и IT_SL",
    refusal=_COST,
)
def it_sl_one_only_for_eco(c, ctx):
    """SL_K = 1 with IT_SL = 1 only for the КСГ of the ЭКО stages (:data:`ECO_KSG`)."""
    for sl in c.sls:
        k = sl.child("KSG_KPG")
        if k is None or tx(k, "SL_K") != "1":
            continue
        it = _dec(tx(k, "IT_SL"))
        if it is not None and it == 1 and (tx(k, "N_KSG") or "").strip() not in km.ECO_KSG:
            yield MekHit(present(k, "IT_SL"), sl=sl, detail=f"КСГ {tx(k, 'N_KSG') or '—'} не ЭКО")


def _reanimation(sl) -> bool:
    """A stay in reanimation: a service of the SL with PROFIL 5 (V002 «анестезиологии и
    реаниматологии»)."""
    return any(u.tag == "USL" and tx(u, "PROFIL") == "5" for u in sl.children)


@mek_rule(
    "003K.00.0980",
    "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/SL_KOEF",
    "CH",
    "Неверно рассчитан корректирующий коэффициент для сверхдлительного случая",
    refusal=_COST,
)
def long_stay_kslp_wrong(c, ctx):
    """With IT_SL given and KD above the normative duration (30 days, 45 for
    :data:`~app.tariffs.ksg_method.LONG_STAY_45_KSG`), one КСЛП of the SL (SL_KOEF/Z_SL, else
    IT_SL) must be 1 + (KD − NKD)/NKD × Kдл (Kдл 0.25, 0.4 with reanimation), ±0.01; written as
    its part above 1 it is accepted too."""
    for sl in c.sls:
        k = sl.child("KSG_KPG")
        if k is None or _dec(tx(k, "IT_SL")) is None:
            continue
        s = _settings(ctx)
        days = km.duration(c.usl_ok, to_int(tx(sl, "KD")), to_date(tx(sl, "DATE_1")), to_date(tx(sl, "DATE_2")))
        expected = km.long_stay_kslp(days, (tx(k, "N_KSG") or "").strip(), _reanimation(sl), s)
        if expected is None:
            continue
        values = [_dec(tx(x, "Z_SL")) for x in k.all("SL_KOEF")] or [_dec(tx(k, "IT_SL"))]
        if any(
            v is not None and (abs(v - expected) <= _TOLERANCE or abs(v - (expected - 1)) <= _TOLERANCE) for v in values
        ):
            continue
        node = k.child("SL_KOEF") if k.child("SL_KOEF") is not None else present(k, "IT_SL")
        yield MekHit(
            node, sl=sl, value=str(values[0]) if values[0] is not None else None, detail=f"KD {days}: КСЛП {expected}"
        )
