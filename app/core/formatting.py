"""How values look in the Russian UI: dates ДД.ММ.ГГГГ, money «1 234,56»."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

NBSP = "\u00a0"


def format_date(value: Optional[dt.date]) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y")


def format_datetime(value: Optional[dt.datetime]) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y %H:%M:%S")


def format_period(value, month=None) -> str:
    """A reporting period as people read it, «ММ.ГГГГ»: from «ГГГГ-ММ» (the filters' and the
    models' ``period``), or from a year and a month."""
    if month is not None:
        return f"{int(month):02d}.{value}" if value else ""
    text = str(value or "")
    year, _, mm = text.partition("-")
    return f"{mm}.{year}" if year.isdigit() and mm.isdigit() else text


def format_money(value) -> str:
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{NBSP.join(groups)},{frac}"


def register_template_filters(app) -> None:
    app.jinja_env.filters["ru_date"] = format_date
    app.jinja_env.filters["ru_datetime"] = format_datetime
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["ru_period"] = format_period
