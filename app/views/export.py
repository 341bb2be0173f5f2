"""«Выгрузить в Excel» of every list page: all the rows the list's current filters, search and order
select — not only the visible page — in the user's scope (the view's base filters), with the
list's columns and headers (see :meth:`app.security.global_views.RowActions.export_xlsx`).

The rows come from the view's own ``_get_list_widget``, the function that makes the list page, so
whatever a view adds there (the scope, the linked filters of «Текущие реестры») holds for the file.
A cell is the column's plain value: dates and date-times as Excel dates, money as numbers, a
formatter's cell as its text, a row-aware cell (links, progress bars) as the value behind it; a
column with no value behind it (buttons, icons) is left out."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from decimal import Decimal

from flask import abort, g, send_file
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.urltools import get_filter_args, get_order_args
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from app.core.formatting import format_date, format_datetime
from app.core.xlsx import table_workbook
from app.extensions import db
from app.views.formatting import EMPTY, display

log = logging.getLogger(__name__)

EXPORT_ROW_LIMIT = 100_000
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _has_value(model, column: str) -> bool:
    """The column reads something of the row (a column, a relation, a property, a method); a list
    cell made only by its formatter (buttons, icons: no value in any row) does not."""
    return hasattr(model, column.split(".")[0])


def _is_number(shown) -> bool:
    """The formatter only wrote the number («1 234», «12,5»): the cell keeps the number."""
    text = str(shown.striptags() if isinstance(shown, Markup) else shown)
    try:
        float(re.sub(r"[\s\u00a0]", "", text).replace(",", "."))
    except ValueError:
        return False
    return True


def plain_value(formatter, value):
    """What the file holds for one cell: see the module's docstring."""
    if formatter is not None:
        if getattr(formatter, "row_aware", False):
            if isinstance(value, (tuple, list)):
                value = formatter(value)  # the row-aware cell's own plain text («3 / 5»)
        elif value is not None and not isinstance(value, (Decimal, dt.date)):  # money, dates: typed
            shown = formatter(value)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and _is_number(shown)):
                value = shown  # a code with its name («3 — амбулаторно»), a link's text
    if isinstance(value, Markup):
        value = value.striptags()
    if value is None or value == "" or value == EMPTY:
        return None
    if isinstance(value, bool):
        return display(value)
    if isinstance(value, (int, float, Decimal, dt.date)):
        return value
    shown = display(value)
    return shown.striptags() if isinstance(shown, Markup) else str(shown)


def _exported(formatter, item, column: str, pk):
    """A row-aware cell whose file value is not its column's (``formatter.plain(item, pk)``: the
    registry's withheld sum, where the column holds a count) — else :func:`plain_value`."""
    plain = getattr(formatter, "plain", None)
    if plain is not None and pk is not None:
        return plain(item, pk)
    return plain_value(formatter, item.get(column))


def _filter_value(view, column: str, value) -> str:
    """A filter's value as the user chose it: a date as ДД.ММ.ГГГГ, a related row by its name —
    only a row the user may see (another organisation's id stays a number)."""
    if isinstance(value, list):
        return ", ".join(_filter_value(view, column, v) for v in value)
    text = "" if value is None else str(value)
    datamodel = view.datamodel
    try:
        if datamodel.is_relation(column):
            return _related_name(datamodel.get_related_model(column), text)
        if datamodel.is_boolean(column):
            return "Да" if text.lower() in ("y", "1", "true", "on", "да") else "Нет"
        if datamodel.is_datetime(column):
            return format_datetime(dt.datetime.fromisoformat(text)).removesuffix(" 00:00:00")
        if datamodel.is_date(column):
            return format_date(dt.date.fromisoformat(text))
    except (ValueError, TypeError):
        pass
    return text


def _related_name(model, text: str) -> str:
    from app.security.request_scope import get_scoped, request_user
    from app.security.scope import is_scoped

    try:
        row = get_scoped(request_user(), model, text) if is_scoped(model) else db.session.get(model, int(text))
    except (ValueError, TypeError):
        row = None
    return str(row) if row is not None else f"№ {text}"


def filter_notes(view, filters) -> list[str]:
    """«Столбец: условие значение» for each filter the user set, or «без отбора»."""
    parts = []
    for flt, value in filters.get_filters_values():
        label = str(view.label_columns.get(flt.column_name, flt.column_name))
        parts.append(f"{label}: {str(flt.name).lower()} {_filter_value(view, flt.column_name, value)}".strip())
    parts += [str(p) for p in view.export_filter_notes()]
    return ["Отбор: " + ("; ".join(parts) if parts else "все записи списка (без отбора)")]


BAD_ARGUMENTS = "Условия отбора не подходят к полям списка: проверьте значения фильтров"


def _check_relation_values(view, filters) -> None:
    """A related row is chosen by its id: digits a key can hold, or 400 (Flask-AppBuilder reads an
    id it cannot find as «no related row»)."""
    for flt, value in filters.get_filters_values():
        if not view.datamodel.is_relation(flt.column_name):
            continue
        for v in value if isinstance(value, list) else [value]:
            text = "" if v is None else str(v).strip()
            if text and (not text.isascii() or not text.isdigit() or int(text) >= 2**63):
                abort(400, BAD_ARGUMENTS)


def list_rows(view, limit: int = EXPORT_ROW_LIMIT) -> tuple[list[str], list[list], int, object]:
    """(headers, rows, number of rows matching, the filters applied) of the view's list as the
    request's arguments set it — every page, at most ``limit`` rows.  An unknown filter, or a value
    the database cannot compare with its column (a text for a number, a number beyond its type),
    answers 400, as the list's own route does; an unknown order column falls back to the list's."""
    name = type(view).__name__
    order_column, order_direction = get_order_args().get(name, ("", ""))
    if order_column not in (view.order_columns or ()):
        order_column, order_direction = "", ""
    try:
        get_filter_args(view._filters)
        filters = view._filters
        _check_relation_values(view, filters)
        widget = view._get_list_widget(
            filters=filters,
            order_column=order_column,
            order_direction=order_direction,
            page=0,
            page_size=limit,
            for_export=True,
        )["list"]
        args = widget.template_args
        items = list(args["value_columns"])
    except (IndexError, OverflowError, FABException, SQLAlchemyError) as exc:
        db.session.rollback()
        log.warning("list export of %s refused: %r", name, exc)
        abort(400, BAD_ARGUMENTS)
    model = view.datamodel.obj
    columns = [
        c
        for c in args["include_columns"]
        if _has_value(model, c) or any(item.get(c) not in (None, "") for item in items)
    ]
    formatters = args.get("formatters_columns") or {}
    headers = [str(args["label_columns"].get(c, c)) for c in columns]
    pks = list(args.get("pks") or [])
    rows = [
        [_exported(formatters.get(c), item, c, pk) for c in columns]
        for item, pk in zip(items, pks or [None] * len(items), strict=True)
    ]
    return headers, rows, int(args.get("count") or 0), filters


def _n(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def export_response(view):
    """The XLSX download of the view's list (the route's whole work)."""
    headers, rows, count, filters = list_rows(view, EXPORT_ROW_LIMIT)
    title = str(view.list_title or type(view).__name__)
    now = dt.datetime.now()
    user = getattr(g, "user", None)
    who = ""
    if user is not None and getattr(user, "is_authenticated", False):
        who = f", пользователь {user.get_full_name() if hasattr(user, 'get_full_name') else user}"
    notes = filter_notes(view, filters)
    notes.append(f"Выгружено {format_datetime(now)}{who}; строк: {len(rows)}")
    if count > len(rows):
        limit = _n(EXPORT_ROW_LIMIT)
        notes.append(f"Выгружены не все строки: {_n(len(rows))} из {_n(count)} (предел {limit}), уточните отбор")
    data = table_workbook(title, notes, headers, rows)
    filename = _FILENAME_FORBIDDEN.sub(" ", f"{title} {now:%d.%m.%Y}").strip() + ".xlsx"
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
