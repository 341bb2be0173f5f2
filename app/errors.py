"""Hand-made requests answer 400 or 404 with a message, never 500: the safe parsing of ids and
arguments, the guard of Flask-AppBuilder's generic routes, and the Russian error pages.

Why requests crashed.  Flask-AppBuilder passes what the URL says straight to the database:
``/<view>/show/<pk>``, ``/edit/<pk>``, ``/action/<name>/<pk>``, the ``rowid`` of
``/action_post``, the ``_flt_…`` filters, ``page_…``/``psize_…`` and ``_oc_…``.  SQLite takes
almost anything (a text compared with a number is simply unequal) and fails only above 2⁶³
(``OverflowError``); PostgreSQL refuses a value its column type cannot hold: SQLAlchemy's psycopg
dialect sends ``%(id)s::INTEGER``, so an id above 2³¹ raises ``DataError: integer out of range``, a
negative OFFSET or LIMIT, a text compared with a number or a boolean, or a NUL character raise
too.  So the rule is to look at every id and argument once, here, before any query sees it:

- **ids** (:func:`parse_id`): ASCII digits from 1 to the largest value of the key's column type
  (PostgreSQL's ``integer`` unless the column is a ``BigInteger``).  An id that no row can have
  answers 404 like a missing row;
- :func:`guard_request` (before every request) checks the path ids of every route (an
  ``<int:…>`` argument is an id, from 1; so is a ``<pk>``), the action name and the ``rowid`` of
  the generic action routes, the list arguments of Flask-AppBuilder's views (page, page size,
  order column, filters by the column's type), the chart's ``group_by``, the ``pk`` of the
  password reset form, the rison of the REST APIs' ``?q=``, and refuses a NUL character anywhere
  in the request; it answers Flask-AppBuilder's file download route (the project keeps no files
  in upload fields, there is no ``UPLOAD_FOLDER``) with 404;
- the pages and APIs that read their own arguments use :func:`parse_page`, :func:`parse_period`,
  :func:`parse_ids` and :func:`query_safe` (the linked filters);
- the error pages (:func:`register_error_handlers`): 400, 403, 404, 405 and 413 answer the Russian
  page with the usual menu, or JSON ``{"message": …}`` under ``/api/``; a 500 is logged with its
  exception and answers the Russian page too (in testing mode Flask re-raises the exception
  instead, so a test still fails on it).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable, Mapping, Optional

from flask import abort, current_app, has_request_context, jsonify, render_template, request
from markupsafe import escape
from sqlalchemy import BigInteger, Integer, SmallInteger
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.types import TypeDecorator
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from app.security.global_views import RowActions

log = logging.getLogger(__name__)

INT2_MAX = 2**15 - 1
INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
#: the largest row offset of a list page (no list of the system has more rows)
MAX_OFFSET = INT4_MAX
#: the largest page size of a Flask-AppBuilder list (its own choices go up to 100)
MAX_LIST_PAGE_SIZE = 1000

NOT_FOUND = "Запись не найдена"
PAGE_NOT_FOUND = "Такой страницы нет. Проверьте адрес или вернитесь на главную страницу."
API_NOT_FOUND = "Такого адреса в API нет"
FORBIDDEN = "Недостаточно прав для этого действия"
BAD_REQUEST = "Запрос содержит неверные параметры"
NUL_REFUSED = "Запрос содержит недопустимый символ (NUL)"
BAD_PAGE = "Номер страницы указывается целым числом от 0"
BAD_PAGE_SIZE = f"Размер страницы указывается целым числом от 1 до {MAX_LIST_PAGE_SIZE}"
BAD_ORDER = "Нельзя упорядочить список по столбцу «{}»"
UNKNOWN_FILTER = "Неизвестный фильтр «{}»"
BAD_FILTER = "Неверное значение фильтра «{}»"
NOT_SEARCHABLE = "Поиск по столбцу «{}» не поддерживается"
BAD_RISON = "Неверный аргумент q: ожидается выражение rison или JSON"
CSRF_REFUSED = "Форма устарела или отправлена с другого сайта: обновите страницу и повторите действие"
SERVER_ERROR = (
    "Произошла внутренняя ошибка. Она записана в журнал сервера; повторите попытку позже или сообщите администратору."
)

_DIGITS = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"[+-]?[0-9]+")
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


# -- safe parsing -----------------------------------------------------------------------------------
def integer_bounds(column_type: Any) -> tuple[int, int]:
    """The values an integer column can hold on PostgreSQL (SQLite holds more: the stricter wins)."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    if isinstance(column_type, BigInteger):
        return -INT8_MAX - 1, INT8_MAX
    if isinstance(column_type, SmallInteger):
        return -INT2_MAX - 1, INT2_MAX
    return -INT4_MAX - 1, INT4_MAX


def single_pk(model: Any) -> Any:
    """The primary key column of a model with a one-column key, else None."""
    if model is None:
        return None
    try:
        keys = sa_inspect(model).primary_key
    except Exception:  # not a mapped class
        return None
    return keys[0] if len(keys) == 1 else None


def parse_id(value: Any, column: Any = None) -> Optional[int | str]:
    """A row id from a URL, a form or a query string, or None when no row can have it: ASCII
    digits from 1 to the largest value of ``column``'s type (PostgreSQL's ``integer`` when no
    column is known).  A text key (``String`` column) is returned as text up to its length."""
    column_type = getattr(column, "type", None)
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl
    if column_type is not None and not isinstance(column_type, Integer):
        text = str(value)
        length = getattr(column_type, "length", None)
        if not text or "\x00" in text or (length and len(text) > length):
            return None
        return text
    if isinstance(value, bool):
        return None
    text = str(value) if isinstance(value, int) else value
    if not isinstance(text, str) or not _DIGITS.fullmatch(text) or len(text) > 19:
        return None
    number = int(text)
    high = integer_bounds(column_type)[1] if column_type is not None else INT4_MAX
    return number if 1 <= number <= high else None


def parse_ids(text: Optional[str], column: Any = None) -> list[int]:
    """``"1,2,3"`` -> ``[1, 2, 3]``; any id no row can have -> ``[]`` (the whole list is refused)."""
    ids = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        parsed = parse_id(part, column)
        if parsed is None:
            return []
        ids.append(parsed)
    return ids


def parse_page(value: Any, size: int) -> int:
    """A page number (from 0) of a list of ``size`` rows a page: garbage is page 0, a page past the
    largest offset is the last page any list could have (an empty page)."""
    try:
        page = int(str(value).strip()) if value is not None and _SIGNED.fullmatch(str(value).strip()) else 0
    except ValueError:
        page = 0
    return min(max(0, page), MAX_OFFSET // max(1, size))


def parse_period(text: Optional[str]) -> Optional[tuple[int, int]]:
    """``"2026-07"`` -> ``(2026, 7)``; anything else (a year not of four digits, a month not from 1
    to 12) -> None."""
    m = _PERIOD.fullmatch((text or "").strip())
    if m is None:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    return (year, month) if year >= 1 and 1 <= month <= 12 else None


#: what a linked filter value becomes when no query may see it: a text no dropdown offers, which
#: the services read as "keeps nothing" (like any other garbage)
NOTHING = "-"


def query_safe(filters: Mapping[str, str], ids: Iterable[str] = (), periods: Iterable[str] = ()) -> dict[str, str]:
    """The filters of a page with every id that no row can have and every period that is not
    «ГГГГ-ММ» replaced by :data:`NOTHING` (the list keeps nothing, as for any other garbage), so
    the values that reach a query fit its columns."""
    out = dict(filters)
    for key in ids:
        value = str(out.get(key) or "").strip()
        if value and value != "0" and parse_id(value) is None:
            out[key] = NOTHING
    for key in periods:
        value = str(out.get(key) or "").strip()
        if value and parse_period(value) is None:
            out[key] = NOTHING
    return out


def has_nul(values: Iterable[Any]) -> bool:
    return any(isinstance(v, str) and "\x00" in v for v in values)


def _json_has_nul(data: Any) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_json_has_nul(k) or _json_has_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_json_has_nul(v) for v in data)
    return False


# -- filters of Flask-AppBuilder's lists and REST APIs -----------------------------------------------
def filter_value_problem(datamodel: Any, column: str, value: Any, label: str = "") -> Optional[str]:
    """Why ``value`` cannot filter ``column`` of ``datamodel`` (the message for the user), or None.

    Flask-AppBuilder converts integers, dates and booleans ("y") itself and compares anything else
    as it came: the value must then have the column's type, or PostgreSQL refuses the query.  A
    value Flask-AppBuilder reads as "no value" (a text for a number or a date) is let through: the
    list keeps no rows, or the filter is ignored."""
    name = label or column
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, (list, dict)):
            return BAD_FILTER.format(name)
        if isinstance(v, str) and "\x00" in v:
            return NUL_REFUSED
        if datamodel.is_relation(column):
            pk = single_pk(datamodel.get_related_model(column))
            if pk is None or parse_id(v, pk) is None:
                return BAD_FILTER.format(name)
        elif datamodel.is_integer(column):
            try:
                number = int(v)
            except (TypeError, ValueError, OverflowError):
                continue  # Flask-AppBuilder: None, no rows
            low, high = integer_bounds(datamodel.list_columns[column].type)
            if not low <= number <= high:
                return BAD_FILTER.format(name)
        elif datamodel.is_float(column):
            try:
                float(v)
            except (TypeError, ValueError, OverflowError):
                continue
        elif datamodel.is_numeric(column) or datamodel.is_binary(column):
            # Flask-AppBuilder compares a NUMERIC or a binary column with the text as it came
            return NOT_SEARCHABLE.format(name)
        elif datamodel.is_boolean(column):
            if v not in ("y", True, False):
                return BAD_FILTER.format(name)
        elif datamodel.is_date(column) or datamodel.is_datetime(column):
            continue  # parsed by Flask-AppBuilder; garbage: None
        elif not isinstance(v, str):
            return BAD_FILTER.format(name)
    return None


def _label(view: Any, column: str) -> str:
    return str((getattr(view, "label_columns", None) or {}).get(column, column))


def _check_list_arguments(view: Any, views_by_name: Mapping[str, Any], method: str) -> None:
    """The arguments Flask-AppBuilder's list, show, edit, add and chart read from the query string."""
    from flask_appbuilder.models.filters import Filters

    args = request.args
    for arg in args:
        page_of = re.findall("page_(.*)", arg)  # Flask-AppBuilder's own patterns
        size_of = re.findall("psize_(.*)", arg)
        if page_of or size_of:
            for value in args.getlist(arg):
                if not _DIGITS.fullmatch(value.strip()) or len(value.strip()) > 10:
                    abort(400, BAD_PAGE_SIZE if size_of else BAD_PAGE)
            if size_of and int(args.get(arg).strip()) > MAX_LIST_PAGE_SIZE:
                abort(400, BAD_PAGE_SIZE)
            if page_of and not size_of:
                target = views_by_name.get(page_of[0])
                size = args.get(f"psize_{page_of[0]}", "").strip()
                size = int(size) if _DIGITS.fullmatch(size) else getattr(target, "page_size", None) or 25
                if int(args.get(arg).strip()) * max(1, size) > MAX_OFFSET:
                    abort(400, BAD_PAGE)
        order_of = re.findall("_oc_(.*)", arg)
        if order_of:
            target = views_by_name.get(order_of[0])
            columns = getattr(target, "order_columns", None)
            if target is not None and columns is not None and args.get(arg) not in columns:
                abort(400, BAD_ORDER.format(args.get(arg)[:100]))
    filters = getattr(view, "_filters", None)
    if not isinstance(filters, Filters):
        return
    searchable = filters.get_search_filters() if method in ("list", "chart") else filters._all_filters
    for arg in args:
        m = re.findall(r"_flt_(\d)_(.*)", arg)
        if not m:
            continue
        index, column = int(m[0][0]), m[0][1]
        if column not in searchable:
            continue  # Flask-AppBuilder ignores it
        label = _label(view, column)
        if index >= len(filters._all_filters.get(column, ())):
            abort(400, UNKNOWN_FILTER.format(label))
        values = args.getlist(arg)
        if method in ("add", "edit"):
            # only the relation filters are used there: they preset the form's field
            if view.datamodel.is_relation(column) and any(values):
                if len(values) != 1 or filter_value_problem(view.datamodel, column, values[0], label):
                    abort(400, BAD_FILTER.format(label))
            continue
        problem = filter_value_problem(view.datamodel, column, values, label)
        if problem:
            abort(400, problem)


def _views_by_blueprint() -> dict[str, Any]:
    appbuilder = current_app.appbuilder
    cache = current_app.extensions.setdefault("oms_views_by_blueprint", {})
    if cache.get("n") != len(appbuilder.baseviews):
        cache["views"] = {
            v.blueprint.name: v for v in appbuilder.baseviews if getattr(v, "blueprint", None) is not None
        }
        cache["names"] = {type(v).__name__: v for v in appbuilder.baseviews}
        cache["n"] = len(appbuilder.baseviews)
    return cache


def _is_id_argument(rule: Any, arg: str) -> bool:
    return isinstance(rule._converters.get(arg), IntegerConverter) or arg == "pk"


def guard_request() -> None:
    """Before every request: refuse what no query may see (see the module's docstring)."""
    rule = request.url_rule
    if rule is None:
        return  # no route: the 404/405 handlers answer
    view_args = request.view_args or {}
    if (
        has_nul(view_args.values())
        or has_nul(request.args.keys())
        or has_nul(v for values in request.args.listvalues() for v in values)
    ):
        abort(400, NUL_REFUSED)
    form = _form()
    if has_nul(form.keys()) or has_nul(v for values in form.listvalues() for v in values):
        abort(400, NUL_REFUSED)
    if request.is_json and _json_has_nul(request.get_json(silent=True)):
        abort(400, NUL_REFUSED)

    known = _views_by_blueprint()
    view = known["views"].get(request.blueprint or "")
    datamodel = getattr(view, "datamodel", None)
    model = getattr(datamodel, "obj", None)
    pk_column = single_pk(model)
    for arg, value in view_args.items():
        if _is_id_argument(rule, arg) and parse_id(value, pk_column if arg == "pk" else None) is None:
            abort(404, NOT_FOUND)
    if view is None:
        return
    method = request.endpoint.rpartition(".")[2]
    actions = getattr(view, "actions", None)
    if method in ("action", "action_post") and isinstance(actions, dict):
        name = view_args.get("name") if method == "action" else form.get("action")
        if name not in actions:
            abort(404, NOT_FOUND)
        pks = form.getlist("rowid") if method == "action_post" else [view_args.get("pk")]
        if any(parse_id(pk, pk_column) is None for pk in pks):
            abort(404, NOT_FOUND)
        if not isinstance(view, RowActions):
            # Flask-AppBuilder's own views (roles, groups) hand their action None for a missing row
            filters = getattr(view, "_base_filters", None)
            if any(datamodel.get(parse_id(pk, pk_column), filters) is None for pk in pks):
                abort(404, NOT_FOUND)
    from flask_appbuilder.api import BaseApi
    from flask_appbuilder.baseviews import BaseCRUDView, BaseModelView
    from flask_appbuilder.charts.views import GroupByChartView

    if method == "download" and isinstance(view, BaseCRUDView) and not current_app.config.get("UPLOAD_FOLDER"):
        abort(404, NOT_FOUND)
    if isinstance(view, GroupByChartView) and method == "chart":
        group_by = view_args.get("group_by", "0")
        if not _DIGITS.fullmatch(str(group_by)) or int(group_by) >= len(view.definitions):
            abort(404, NOT_FOUND)
    if isinstance(view, BaseModelView) and method in ("list", "show", "edit", "add", "chart", "export_xlsx"):
        _check_list_arguments(view, known["names"], method)
    if request.blueprint == "ResetPasswordView":
        _check_reset_password_user()
    if request.args.get("q") and isinstance(view, BaseApi):
        _check_rison(request.args.get("q"))


def _check_rison(text: str) -> None:
    """Flask-AppBuilder's REST APIs read ``?q=`` as rison and answer its syntax errors with 400,
    but the rison parser raises ``ValueError`` for a malformed number (``q=2026-99``) — a 500."""
    import prison

    try:
        prison.loads(text)
    except prison.decoder.ParserException:
        pass  # Flask-AppBuilder answers it (or reads JSON)
    except Exception:
        abort(400, BAD_RISON)


def _form():
    """The form fields of a POST (an upload too large is left to the view, which answers it)."""
    from werkzeug.datastructures import MultiDict

    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return MultiDict()
    try:
        return request.form
    except RequestEntityTooLarge:
        return MultiDict()


def _check_reset_password_user() -> None:
    """Flask-AppBuilder's «Reset password» form (administrators) names the user in ``?pk=``, and
    resets ``None`` when there is none."""
    from app.extensions import db

    sm = current_app.appbuilder.sm
    user_id = parse_id(request.args.get("pk"), single_pk(sm.user_model))
    if user_id is None or db.session.get(sm.user_model, user_id) is None:
        abort(404, NOT_FOUND)


# -- error pages ------------------------------------------------------------------------------------
TITLES = {
    400: "Неверный запрос",
    403: "Доступ запрещен",
    404: "Страница не найдена",
    405: "Метод не поддерживается",
    413: "Слишком большой запрос",
    500: "Внутренняя ошибка",
}
DEFAULT_MESSAGES = {
    400: BAD_REQUEST,
    403: FORBIDDEN,
    404: PAGE_NOT_FOUND,
    405: "Этот адрес не принимает такой запрос",
    413: "Файл или запрос больше допустимого размера",
    500: SERVER_ERROR,
}


def _is_api() -> bool:
    return has_request_context() and request.path.startswith("/api/")


def _message(error: HTTPException) -> str:
    """The error's own description when the project wrote it (Russian), else the default text."""
    from flask_wtf.csrf import CSRFError

    if isinstance(error, CSRFError):
        return CSRF_REFUSED
    description = error.description if isinstance(error.description, str) else ""
    if description and _CYRILLIC.search(description):
        return description
    if error.code == 404 and _is_api():
        return API_NOT_FOUND
    return DEFAULT_MESSAGES.get(error.code, BAD_REQUEST)


def error_page(code: int, message: str):
    """The answer of an error: JSON ``{"message": …}`` under ``/api/``, else the Russian page with
    the menu (a bare page when even that cannot be drawn)."""
    if _is_api():
        return jsonify(message=message), code
    try:
        appbuilder = current_app.appbuilder
        html = render_template(
            "oms/error.html",
            base_template=appbuilder.base_template,
            appbuilder=appbuilder,
            code=code,
            title=TITLES.get(code, TITLES[400]),
            message=message,
        )
    except Exception:  # the menu needs the database: it may be down
        log.exception("the error page %s could not be drawn", code)
        html = (
            f'<!doctype html><html lang="ru"><meta charset="utf-8"><title>{code}</title>'
            f'<div id="oms-error"><h1>{TITLES.get(code, "")}</h1><p>{escape(message)}</p></div></html>'
        )
    return html, code


def _http_error(error: HTTPException):
    if error.code == 405 and _names_an_impossible_row(error):
        return error_page(404, NOT_FOUND)
    return error_page(error.code or 400, _message(error))


def _names_an_impossible_row(error: HTTPException) -> bool:
    """A 405 whose URL names an id no row can have is a 404: ``GET /api/v1/<resource>/-1`` misses
    the API's ``<int:pk>`` GET route and finds only its ``<pk>`` PUT and DELETE."""
    methods = sorted(getattr(error, "valid_methods", None) or ())
    if not methods:
        return False
    try:
        adapter = current_app.url_map.bind_to_environ(request.environ)
        rule, args = adapter.match(method=methods[0], return_rule=True)
    except HTTPException:
        return False
    return any(_is_id_argument(rule, arg) and parse_id(value) is None for arg, value in args.items())


def _server_error(error: Exception):
    """An unexpected exception (outside testing mode): logged with its traceback, the session's
    transaction rolled back (the page's menu reads the database), the Russian page answered."""
    original = getattr(error, "original_exception", None) or error
    log.error("500 on %s %s", request.method, request.path, exc_info=original)
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:  # pragma: no cover - the database is gone
        log.exception("rollback after a 500 failed")
    return error_page(500, SERVER_ERROR)


def register_error_handlers(app) -> None:
    """The guard before every request and the error pages.  Called by ``create_app`` after
    Flask-AppBuilder is set up, so the guard runs after its hook that sets ``g.user`` (the error
    page draws the user's menu)."""
    app.before_request(guard_request)
    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, _http_error)
    app.register_error_handler(500, _server_error)
