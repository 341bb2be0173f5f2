"""The calculation of a case (``MedicalCase.calc_detail``, :meth:`app.tariffs.book.Calculation.detail`)
as lines for people (the case card) and as the structure of the МИС API (:func:`cost`): what each
SL cost, by which formula and coefficients."""

from __future__ import annotations

import json
from typing import Optional

from markupsafe import Markup, escape

_FACTORS = (
    ("base", "БС"),
    ("koef_z", "КЗ"),
    ("koef_up", "КС_КСГ"),
    ("koef_d", "КД"),
    ("koef_u", "КУСмо"),
    ("wage_share", "Дзп"),
)
#: where a factor comes from when the calculation does not say: the base rate is always a tariff
#: row (kind ``base``), the wage share always the КСГ table (:func:`app.tariffs.book.calculate`)
_SOURCES = {"base": "тарифы", "wage_share": "таблица КСГ"}
#: the names of the factors of the КСГ formula, by their symbol
FACTOR_NAMES = {
    "БС": "базовая ставка",
    "КЗ": "коэффициент относительной затратоемкости",
    "КС_КСГ": "управленческий коэффициент КСГ",
    "КД": "коэффициент дифференциации",
    "КУСмо": "коэффициент уровня медицинской организации",
    "Дзп": "доля заработной платы и прочих расходов",
    "ΣКСЛП": "сумма коэффициентов сложности лечения пациента",
}


def lines(detail: Optional[dict]) -> list[str]:
    if not detail:
        return []
    out = []
    for part in detail.get("sl") or ():
        sl = f"SL {part.get('sl_id')}: " if part.get("sl_id") else ""
        if part.get("kind") == "ksg":
            what = f"КСГ {part['code']}" if part.get("code") else f"КПГ {part.get('kpg')}"
            out.append(f"{sl}{what}, {part.get('days')} дн.: {part.get('formula')}")
            sources = part.get("sources") or {}
            factors = []
            for key, label in _FACTORS:
                if part.get(key) is not None:
                    src = sources.get(key)
                    factors.append(f"{label} = {part[key]}" + (f" ({src})" if src else ""))
            kslp = part.get("kslp") or []
            if kslp:
                factors.append(f"ΣКСЛП = {' + '.join(kslp)} = {part.get('kslp_sum')}")
            out.append("; ".join(factors))
            if part.get("interrupted"):
                out.append(
                    f"прерванный случай: {part['interrupted']}; доля {part.get('share')} ({part.get('share_reason')})"
                )
            out.append(f"КСГ {part.get('ksg_amount')} + КСЛП {part.get('kslp_amount')}; итого {part.get('sum')}")
        else:
            items = ", ".join(f"{u['code']}: {u['tariff']} × {u['kol']} = {u['sum']}" for u in part.get("usl") or ())
            out.append(f"{sl}услуги: {items}; итого {part.get('sum')}")
    if detail.get("missing"):
        out.append("нет тарифа: " + ", ".join(detail["missing"]))
    if detail.get("total") is not None:
        out.append(f"стоимость по тарифам: {detail['total']}")
    return out


def format_calc_detail(value) -> Markup:
    """A formatter of ``calc_detail`` (the JSON text) for the case card."""
    if not value:
        return Markup("")
    try:
        detail = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return escape(value)
    return Markup("<br>").join(escape(line) for line in lines(detail))


def cost(detail: Optional[dict]) -> dict:
    """``calc_detail`` (parsed) as the structure of the МИС API: ``total`` (None: not priced),
    ``missing`` (what had no tariff) and ``parts``, one per SL — a КСГ part with its ``formula``,
    ``factors`` (``name``, ``code`` — the symbol of the formula, ``value``, ``source``), the КСЛП,
    the share of an interrupted case and why; a services part with its ``usl``.  Keys an older
    calculation did not store are None (or empty)."""
    detail = detail or {}
    parts = []
    for part in detail.get("sl") or ():
        kind = part.get("kind") or "usl"
        out = {"sl_id": part.get("sl_id"), "kind": kind, "sum": part.get("sum")}
        if kind == "ksg":
            sources = part.get("sources") or {}
            factors = [
                {
                    "name": FACTOR_NAMES[label],
                    "code": label,
                    "value": part[key],
                    "source": sources.get(key) or _SOURCES.get(key),
                }
                for key, label in _FACTORS
                if part.get(key) is not None
            ]
            kslp = list(part.get("kslp") or ())
            if kslp:
                factors.append(
                    {
                        "name": FACTOR_NAMES["ΣКСЛП"],
                        "code": "ΣКСЛП",
                        "value": part.get("kslp_sum"),
                        "source": " + ".join(kslp),
                    }
                )
            out.update(
                ksg=part.get("code"),
                kpg=part.get("kpg"),
                days=part.get("days"),
                formula=part.get("formula"),
                factors=factors,
                kslp=kslp,
                ksg_amount=part.get("ksg_amount"),
                kslp_amount=part.get("kslp_amount"),
                interrupted=part.get("interrupted"),
                share=part.get("share"),
                share_reason=part.get("share_reason"),
                usl=[],
            )
        else:
            out.update(
                ksg=None,
                kpg=None,
                days=None,
                formula=None,
                factors=[],
                kslp=[],
                ksg_amount=None,
                kslp_amount=None,
                interrupted=None,
                share=None,
                share_reason=None,
                usl=[
                    {
                        "code": u.get("code"),
                        "tariff": u.get("tariff"),
                        "kol": u.get("kol"),
                        "sum": u.get("sum"),
                        "level": u.get("level"),
                        "kpg": u.get("kpg"),
                    }
                    for u in part.get("usl") or ()
                ],
            )
        parts.append(out)
    return {"total": detail.get("total"), "missing": list(detail.get("missing") or ()), "parts": parts}


def parse(value) -> Optional[dict]:
    """``calc_detail`` as stored (JSON text) -> dict; empty or not JSON -> None."""
    if not value:
        return None
    if isinstance(value, dict):
        return value
    try:
        detail = json.loads(value)
    except ValueError:
        return None
    return detail if isinstance(detail, dict) else None
