"""Cell formatters of list views. A formatter marked ``row_aware`` receives the row's values and
its primary key (see templates/oms/widgets/list.html)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import wraps

from markupsafe import Markup, escape

from app.core.formatting import format_date, format_datetime, format_money

EMPTY = "—"


def row_aware(fn):
    """``fn(item, pk)`` in list rows; on a show page (one value, no pk) the plain value."""

    @wraps(fn)
    def wrapper(item, pk=None):
        if pk is None:
            if isinstance(item, tuple):
                return text(" / ".join(str(x) for x in item))
            return text(item)
        return fn(item, pk)

    wrapper.row_aware = True
    return wrapper


def link(url: str, text) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, text)


def progress_bar(percent: int) -> Markup:
    percent = max(0, min(100, int(percent or 0)))
    return Markup(
        '<div class="progress" style="margin:4px 0 0 0;height:14px" title="{0}%">'
        '<div class="progress-bar progress-bar-striped active" role="progressbar" '
        'style="width:{0}%;min-width:2em;font-size:10px;line-height:14px">{0}%</div></div>'
    ).format(percent)


def text(value) -> Markup:
    return escape("" if value is None else value)


def display(value):
    """A value as a Russian user reads it, where no formatter says more: «—» for nothing, «Да» /
    «Нет», ДД.ММ.ГГГГ, «1 234,56», a list joined by commas.  Markup (a formatter's cell) passes."""
    if isinstance(value, Markup):
        return value
    if value is None or value == "" or (isinstance(value, (list, tuple, set)) and not value):
        return EMPTY
    if isinstance(value, bool):
        return "Да" if value else "Нет"
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(display(v)) for v in value)
    return value
