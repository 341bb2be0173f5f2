"""The calculation of a case (``MedicalCase.calc_detail``, :meth:`app.tariffs.book.Calculation.detail`)
as lines for people: what each SL cost, by which formula and coefficients."""

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
