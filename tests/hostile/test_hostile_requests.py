"""Hand-made requests from the attacker's side: no request answers 500.

The requests are made from the url map and the registered views, not from a hand-kept list of
pages: every rule with a path argument gets ids that no row can have (above PostgreSQL's
integer and bigint, negative, zero, not a number), an id that could exist but does not, and odd
strings for its other arguments; every view with the action routes gets unknown actions and
broken row ids; every Flask-AppBuilder list gets broken paging, ordering and filter arguments;
every page and API gets hostile query and form arguments; the model REST APIs get rison garbage.
They are sent as an МО user, an СМО user and the ТФОМС administrator.

A 500 fails the test — in testing mode Flask re-raises a view's exception, so the client's
exception counts as one.  Where the answer is fixed, another status fails it too: 404 for an id
no row can have, an unknown action or Flask-AppBuilder's file download; 400 or a normal page for
broken list arguments.  The 4xx answers of the pages must be the Russian error page, those of
the API JSON ``{"message": …}``.

To stay fast (every error page draws the user's menu), the hostile values rotate: each route,
argument and method gets one hostile value per user, the next route the next value, and the
three users start the rotation at different places, so that every value meets many routes of
every kind and every route meets several values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import count
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import BigInteger
from sqlalchemy import inspect as sa_inspect
from werkzeug.routing import IntegerConverter

from app.extensions import appbuilder

#: an МО user, an СМО user and the ТФОМС administrator
LOGINS = ("mo1_operator", "smo1_specialist", "tfoms_admin")
ADMIN = "tfoms_admin"

#: ids no row can have: above PostgreSQL's integer (2³¹; a BIGINT key may have it: _expect_for_id)
#: and bigint (2⁶³), far above both, negative, zero, not a number
IMPOSSIBLE_IDS = ("2147483648", "9223372036854775808", "99999999999999999999", "-1", "0", "abc", "1e3")
#: an id that could exist but does not: the view answers as for any row it does not have (404),
#: or refuses the route itself first (403; a redirect for a change asked by GET)
ABSENT_ID = "2147483647"
ABSENT_OK = frozenset({302, 403, 404})
NOT_FOUND = frozenset({404})
#: odd values of the other path arguments (action and file names, statuses, stages, codes, …)
ODD_STRINGS = ("nosuchthing", "\x00", "9" * 30, "x" * 2000, "../../etc/passwd", "'; drop table x; --")
HUGE = "9999999999999999999"

#: the session ends or changes with these (login, logout, token refresh, interface language)
SESSION_METHODS = {"login", "logout", "refresh"}


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    data: dict | None = None  # form fields (pages) or JSON body (API)
    expect: frozenset = frozenset()  # the statuses allowed; empty: anything but 500
    why: str = ""


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    def fail(self, who: str, probe: Probe, what: str) -> None:
        self.failures.append(f"{who}: {probe.method} {probe.url[:160]!r} ({probe.why}) -> {what}")


class Rotation:
    """The next value of a list at each call; users start at different places."""

    def __init__(self, values, start: int):
        self.values, self.at = tuple(values), count(start)

    def __call__(self):
        return self.values[next(self.at) % len(self.values)]


# -- what the url map and the views offer ---------------------------------------------------------
def _views() -> dict:
    """Blueprint name -> registered view (Flask-AppBuilder names a view's blueprint after it)."""
    return {v.blueprint.name: v for v in appbuilder.baseviews if getattr(v, "blueprint", None) is not None}


def _view_of(rule, views):
    return views.get(rule.endpoint.partition(".")[0])


def _rules(app):
    """The rules an attacker may call without ending the session (static files left out)."""
    for rule in app.url_map.iter_rules():
        view, _, method = rule.endpoint.rpartition(".")
        if rule.endpoint == "static" or view in ("appbuilder", "LocaleView") or method in SESSION_METHODS:
            continue
        yield rule


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _is_id(rule, arg: str) -> bool:
    return isinstance(rule._converters.get(arg), IntegerConverter) or arg == "pk"


def _big_key(view) -> bool:
    """The view's model has a BIGINT key: 2³¹ is a possible id there."""
    model = getattr(getattr(view, "datamodel", None), "obj", None)
    return model is not None and isinstance(sa_inspect(model).primary_key[0].type, BigInteger)


def _expect_for_id(value: str, view, arg: str = "pk") -> frozenset:
    absent = value == ABSENT_ID or value == "2147483648" and arg == "pk" and _big_key(view)
    return ABSENT_OK if absent else NOT_FOUND


def _fill(rule, values: dict) -> str:
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", lambda m: quote(str(values[m.group(1)]), safe=""), rule.rule)


def _benign(rule, view) -> dict:
    """Harmless values of the path arguments: an id, the view's first action, a known stage."""
    actions = list(getattr(view, "actions", None) or {})
    values = {}
    for arg in rule.arguments:
        if _is_id(rule, arg):
            values[arg] = "1"
        elif arg == "name":
            values[arg] = actions[0] if actions else "nosuchaction"
        else:
            values[arg] = {"stage": "ФЛК", "version": "v1", "group_by": "0", "filename": "x.txt"}.get(arg, "x")
    return values


# -- the probes ------------------------------------------------------------------------------------
def path_probes(app, start: int) -> list[Probe]:
    """Every rule with path arguments, every method: each id argument with an id no row can have
    (404) or one that could exist (404, or the route's own refusal first) — the users take turns;
    each other argument with an odd string (an unknown action or file: 404; anything else: not
    500).  The other path arguments are harmless, and no real id reaches a route that changes
    something."""
    views, impossible, odd = _views(), Rotation(IMPOSSIBLE_IDS, start), Rotation(ODD_STRINGS, start)
    turn = count(start)
    probes = []
    for rule in _rules(app):
        view, method_name = _view_of(rule, views), rule.endpoint.rpartition(".")[2]
        for arg in sorted(rule.arguments):
            for verb in _methods(rule):
                values = _benign(rule, view)
                if _is_id(rule, arg):
                    bad = impossible() if next(turn) % 2 == 0 else ABSENT_ID
                    probes.append(
                        Probe(
                            verb,
                            _fill(rule, {**values, arg: bad}),
                            expect=_expect_for_id(bad, view, arg),
                            why=f"{rule.endpoint}: {arg}={bad!r}",
                        )
                    )
                    continue
                if any(_is_id(rule, a) for a in rule.arguments) and verb != "GET":
                    continue  # its path holds a real id: only read
                value = odd()
                expect = frozenset()
                if (arg == "name" and method_name == "action") or method_name == "download":
                    expect = frozenset({400, 404}) if "\x00" in value else NOT_FOUND  # NUL: 400 anywhere
                probes.append(
                    Probe(verb, _fill(rule, {**values, arg: value}), expect=expect, why=f"{rule.endpoint}: odd {arg}")
                )
    return probes


def action_probes(app, start: int) -> list[Probe]:
    """Every view with the action routes: an unknown action (404), every action with row ids no
    row can have (404) or that could exist (404 or the action's refusal)."""
    impossible = Rotation(IMPOSSIBLE_IDS, start)
    probes = []
    for view in _views().values():
        if not isinstance(getattr(view, "actions", None), dict) or not hasattr(view, "action_post"):
            continue
        base = view.blueprint.url_prefix or ""
        post = f"{base}/action_post"
        probes += [
            Probe("POST", f"{base}/action/nosuchaction/1", expect=NOT_FOUND, why="unknown single action"),
            Probe(
                "POST", post, {"action": "nosuchaction", "rowid": ["1"]}, expect=NOT_FOUND, why="unknown bulk action"
            ),
            Probe("POST", post, {"rowid": ["1"]}, expect=frozenset({400, 404}), why="bulk action without a name"),
        ]
        for name in view.actions:  # only ids no row has: a real row would be acted on
            for bad in (impossible(), impossible(), ABSENT_ID):
                probes.append(
                    Probe(
                        "POST",
                        post,
                        {"action": name, "rowid": [bad]},
                        expect=_expect_for_id(bad, view),
                        why=f"bulk {name}: rowid={bad!r}",
                    )
                )
    return probes


def _list_views(app):
    from flask_appbuilder.baseviews import BaseCRUDView

    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    return [v for v in _views().values() if isinstance(v, BaseCRUDView) and f"{v.blueprint.name}.list" in endpoints]


LIST_OK = frozenset({200, 302, 400, 403})  # a page (or the route's redirect/refusal), or 400


def list_probes(app, start: int) -> list[Probe]:
    """Flask-AppBuilder's list arguments on every list: page and page size huge, negative or not
    a number, the page of another view, an unknown order column and direction."""
    paging = Rotation((HUGE, "-1", "abc", "", "1e3", "\x00"), start)
    probes = []
    for view in _list_views(app):
        name, url = type(view).__name__, f"{view.blueprint.url_prefix or ''}/list/"
        for args in (
            {f"page_{name}": paging()},
            {f"page_{name}": paging()},
            {f"psize_{name}": paging()},
            {f"page_{name}": HUGE, f"psize_{name}": "100"},
            {f"psize_{name}": HUGE},
            {"page_size": "abc", "page_nosuchview": "abc"},
            {f"_oc_{name}": "nosuchcolumn", f"_od_{name}": "asc"},
            {f"_oc_{name}": "id; drop table x", f"_od_{name}": "sideways"},
            {f"_flt_9_{name}": "1", "_flt_0_nosuchcolumn": "1"},
        ):
            probes.append(Probe("GET", f"{url}?{urlencode(args)}", expect=LIST_OK, why=f"list arguments {args}"))
    return probes


def filter_probes(app, start: int) -> list[Probe]:
    """Every search column of every list with a value of the wrong type (two for a column of a
    typed kind: number, relation, boolean, date), the filter and the value rotating; a filter past
    the last one; every order column: a normal page or 400.  The pages show one row (they are many)."""
    values = Rotation(("abc", "99999999999999999999", "1.5", "\x00", "", "notadate", "-1", "y", "2147483648"), start)
    direction = Rotation(("asc", "desc"), start)
    index_at = count(start)
    probes = []
    for view in _list_views(app):
        name, url = type(view).__name__, f"{view.blueprint.url_prefix or ''}/list/"
        one_row = {f"psize_{name}": "1"}
        for col in view.order_columns or ():
            args = {**one_row, f"_oc_{name}": col, f"_od_{name}": direction()}
            probes.append(Probe("GET", f"{url}?{urlencode(args)}", expect=frozenset({200, 302}), why=f"order by {col}"))
        searchable = view._filters.get_search_filters()
        for col, flts in searchable.items():
            dm = view.datamodel
            typed = not (dm.is_string(col) or dm.is_text(col))
            for _ in range(2 if typed else 1):
                index = next(index_at) % len(flts)
                args = {**one_row, f"_flt_{index}_{col}": values()}
                probes.append(Probe("GET", f"{url}?{urlencode(args)}", expect=LIST_OK, why=f"filter {index} of {col}"))
        for col, flts in list(searchable.items())[:1]:
            args = {**one_row, f"_flt_{len(flts)}_{col}": "1"}
            probes.append(
                Probe("GET", f"{url}?{urlencode(args)}", expect=LIST_OK, why=f"no filter {len(flts)} of {col}")
            )
        add = f"{view.blueprint.url_prefix or ''}/add"
        for col in view._filters._all_filters:  # the add form presets a relation from a filter
            if view.datamodel.is_relation(col):
                probes.append(
                    Probe(
                        "GET",
                        f"{add}?{urlencode([(f'_flt_0_{col}', values()), (f'_flt_0_{col}', '2')])}",
                        expect=frozenset({200, 302, 400, 403}),
                        why=f"add preset {col}",
                    )
                )
    return probes


#: the query arguments the pages and APIs read, and hostile values for them
QUERY_ARGS = (
    "page",
    "page_size",
    "period",
    "subdivision_id",
    "payer_id",
    "status",
    "stage",
    "code",
    "format",
    "archive",
    "ids",
    "target",
    "pk",
    "q",
    "reg_type",
    "subtype",
    "next",
    "payer",
    "group_by",
)
QUERY_VALUES = ("99999999999999999999", "99999999999-01", "", "-1", "abc", "2026-99", "(garbage", "1" * 400)


def query_probes(app, start: int) -> list[Probe]:
    """Every GET route but Flask-AppBuilder's generic ones (those are the path and list probes'),
    path arguments harmless: all the query arguments above at once, each with another hostile
    value (or none), shifted from request to request and from user to user so that each argument
    meets each value; and one argument with a NUL character.  Anything but 500."""
    generic = {"show", "edit", "delete", "action", "download", "add", "this_form_get"}
    views, nul_in = _views(), Rotation(QUERY_ARGS, start)
    shifts = count(start)
    probes = []
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint.rpartition(".")[2] in generic:
            continue
        url = _fill(rule, _benign(rule, _view_of(rule, views)))
        for _ in range(4):
            shift = next(shifts)
            args = {arg: QUERY_VALUES[(i + shift) % len(QUERY_VALUES)] for i, arg in enumerate(QUERY_ARGS)}
            probes.append(Probe("GET", f"{url}?{urlencode(args)}", why=f"hostile query arguments {shift}"))
        nul = urlencode({nul_in(): "a\x00b"})
        probes.append(Probe("GET", f"{url}?{nul}", why="NUL in a query argument"))
    return probes


#: hostile fields of the forms the pages post (periods, ids, statuses, comments, file names, …)
FORM_FIELDS = {
    "period": "99999999999-01",
    "reg_type": "\x00",
    "subdivision": ["99999999999", "\x00"],
    "user_id": "99999999999999999999",
    "ids": "99999999999999999999,-1,abc",
    "target": "\x00",
    "expected": "\x00",
    "comment": "\x00",
    "reason": "\x00",
    "column": "\x00",
    "name": "\x00",
    "expires_on": "99999-99-99",
    "action": "nosuchaction",
    "rowid": ["abc"],
    "passphrase": "\x00",
}


def form_probes(app, start: int) -> list[Probe]:
    """Every POST page without an id in its path (those are the path probes': a real id would be
    acted on) and without Flask-AppBuilder's add/edit forms (they validate their fields): hostile
    form fields, and ids no row can have in the query string.  Flask-AppBuilder's «Reset password»
    names its user in ``?pk=``: a valid form for a user no row can be answers 404."""
    impossible = Rotation(IMPOSSIBLE_IDS, start)
    views = _views()
    probes = []
    for rule in _rules(app):
        method_name = rule.endpoint.rpartition(".")[2]
        if (
            "POST" not in rule.methods
            or method_name in ("add", "edit")
            or rule.rule.startswith("/api/")
            or any(_is_id(rule, arg) for arg in rule.arguments)
        ):
            continue
        url = _fill(rule, _benign(rule, _view_of(rule, views)))
        probes.append(Probe("POST", url, FORM_FIELDS, why="hostile form"))
        bad = impossible()
        if rule.endpoint.startswith("ResetPasswordView."):
            probes.append(
                Probe(
                    "POST",
                    f"{url}?{urlencode({'pk': bad})}",
                    {"password": "Hostile-Pass-2026", "conf_password": "Hostile-Pass-2026"},
                    expect=NOT_FOUND,
                    why="password of a user no row can be",
                )
            )
        else:
            probes.append(Probe("POST", f"{url}?{urlencode({'pk': bad, 'ids': bad})}", why="hostile query ids"))
    return probes


#: JSON bodies of the wrong shape or types, and with a NUL character
API_BODIES = (
    {"status": "a\x00b", "comment": "\x00", "expected": "\x00"},
    {"status": ["x"], "comment": {"a": 1}, "code": ["x"], "name": {"a": 1}, "kind": 5},
    ["not", "an", "object"],
)


def api_probes(app, start: int) -> list[Probe]:
    """The model REST APIs: ``_info``, rison garbage, paging out of range, unknown order columns
    and columns, filters of the wrong type (every filter of every search column), ids no row
    can have for PUT and DELETE: 200, 400 or the role's 403, never 500.  Every API POST route
    without an id in its path: bodies of the wrong shape (no row is made of them)."""
    from flask_appbuilder.api import ModelRestApi

    impossible, values = (
        Rotation(IMPOSSIBLE_IDS, start),
        Rotation(("abc", "99999999999999999999", "1.5", "'\x00'", "!(abc)", "-1", "(a:1)", "!t", "'y'"), start),
    )
    ok = frozenset({200, 400, 403})
    probes = []
    for rule in _rules(app):
        if rule.rule.startswith("/api/") and "POST" in rule.methods and not rule.arguments:
            probes += [
                Probe("POST", rule.rule, body, expect=frozenset({400, 403, 422}), why="API body") for body in API_BODIES
            ]
    for api in _views().values():
        if not isinstance(api, ModelRestApi):
            continue
        base = api.blueprint.url_prefix
        probes.append(Probe("GET", f"{base}/_info", expect=frozenset({200, 403}), why="_info"))
        for q in (
            "(garbage",
            "!(",
            "(page:-1)",
            f"(page:{HUGE},page_size:10)",
            "(page_size:-5)",
            f"(page_size:{HUGE})",
            "(order_column:nosuchcolumn,order_direction:asc)",
            "(order_column:id,order_direction:sideways)",
            "(columns:!(nosuchcolumn))",
            "(filters:!((col:nosuchcolumn,opr:eq,value:1)))",
            "(filters:!((col:id)))",
            "(filters:abc)",
            "(keys:!(nosuch))",
            "(page:'abc')",
        ):
            probes.append(Probe("GET", f"{base}/?{urlencode({'q': q})}", expect=ok, why="list q"))
            probes.append(Probe("GET", f"{base}/_info?{urlencode({'q': q})}", expect=ok, why="_info q"))
        for col, flts in api._filters.get_search_filters().items():
            for flt in flts:
                q = f"(filters:!((col:{col},opr:{flt.arg_name},value:{values()})))"
                probes.append(
                    Probe("GET", f"{base}/?{urlencode({'q': q})}", expect=ok, why=f"filter {flt.arg_name} on {col}")
                )
        for verb in ("PUT", "DELETE"):
            bad = impossible()
            probes.append(
                Probe(
                    verb,
                    f"{base}/{quote(bad)}",
                    {"name": "x"},
                    expect=_expect_for_id(bad, api),
                    why=f"{verb} id {bad!r}",
                )
            )
    return probes


# -- sending and judging ---------------------------------------------------------------------------
def _send(browser, probe: Probe):
    if probe.method == "GET":
        return browser.get(probe.url)
    if probe.url.startswith("/api/"):
        return browser.api(probe.method, probe.url, json=probe.data if probe.data is not None else {})
    return browser.post(probe.url, data=probe.data)


RUSSIAN_ERROR_PAGE = 'id="oms-error"'


def run(browser, who: str, probes, report: Report) -> None:
    for probe in probes:
        report.sent += 1
        try:
            resp = _send(browser, probe)
        except Exception as exc:  # testing mode: the exception of a 500
            report.fail(who, probe, f"exception {type(exc).__name__}: {str(exc)[:300]}")
            continue
        status = resp.status_code
        if status >= 500:
            report.fail(who, probe, f"{status} {resp.get_data(as_text=True)[:300]!r}")
        elif probe.expect and status not in probe.expect:
            report.fail(who, probe, f"{status}, expected {sorted(probe.expect)}")
        elif status in (400, 403, 404, 405):
            if probe.url.startswith("/api/"):
                body = resp.get_json(silent=True)
                if not (isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]):
                    report.fail(who, probe, f"{status} without a JSON message: {resp.get_data(as_text=True)[:200]!r}")
            elif RUSSIAN_ERROR_PAGE not in resp.get_data(as_text=True):
                report.fail(who, probe, f"{status} is not the Russian error page")


def attack(app, browser_factory, who: str, *families) -> None:
    start = LOGINS.index(who) * 3
    with app.app_context():
        probes = [p for family in families for p in family(app, start)]
    report = Report()
    run(browser_factory(who), who, probes, report)
    assert report.sent > 0
    shown = "\n".join(report.failures[:60])
    assert not report.failures, f"{len(report.failures)} of {report.sent} hand-made requests failed:\n{shown}"


@pytest.mark.parametrize("who", LOGINS)
def test_ids_no_row_can_have_and_odd_path_arguments(app, browser_factory, who):
    attack(app, browser_factory, who, path_probes, action_probes)


@pytest.mark.parametrize("who", LOGINS)
def test_broken_list_arguments(app, browser_factory, who):
    families = (list_probes, filter_probes) if who == ADMIN else (list_probes,)  # the fund sees every list
    attack(app, browser_factory, who, *families)


@pytest.mark.parametrize("who", LOGINS)
def test_hostile_query_and_form_arguments(app, browser_factory, who):
    attack(app, browser_factory, who, query_probes, form_probes)


@pytest.mark.parametrize("who", LOGINS)
def test_model_rest_apis(app, browser_factory, who):
    attack(app, browser_factory, who, api_probes)


# -- the error pages -------------------------------------------------------------------------------
def test_error_pages_are_russian_with_the_menu(app, browser_factory):
    mo = browser_factory("mo1_operator")
    for url, code, words in (
        ("/no/such/page", 404, "Страница не найдена"),
        ("/registries/show/99999999999", 404, "Запись не найдена"),
        ("/users/list/", 403, "Недостаточно прав"),
        (f"/registries/list/?page_RegistryView={HUGE}", 400, "Номер страницы"),
    ):
        resp = mo.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == code, url
        assert words in html and RUSSIAN_ERROR_PAGE in html, url
        assert "Текущие реестры" in html, f"{url}: the error page has no menu"
        assert "Not Found" not in html and "Forbidden" not in html
    api = mo.get("/api/v1/mis/files/99999999999999999999")
    assert (api.status_code, api.get_json()) == (404, {"message": "Запись не найдена"})
    api = mo.get("/api/v1/nosuch")
    assert api.status_code == 404 and api.get_json()["message"] == "Такого адреса в API нет"


def test_a_500_is_logged_and_answers_the_russian_page(app, caplog):
    """Outside testing mode (in testing mode Flask re-raises, so the tests see every 500)."""
    from app.errors import _server_error

    boom = RuntimeError("сбой для проверки")
    with app.test_request_context("/registries/list/"), caplog.at_level("ERROR", logger="app.errors"):
        html, code = _server_error(boom)
    assert code == 500 and "Внутренняя ошибка" in html and RUSSIAN_ERROR_PAGE in html
    assert "сбой для проверки" not in html
    assert any(r.exc_info and r.exc_info[1] is boom for r in caplog.records)


def test_the_cases_that_crashed(app, browser_factory):
    """The requests that answered 500 before, by name (the walks above find them all)."""
    admin, mo = browser_factory(ADMIN), browser_factory("mo1_operator")
    for browser, method, url, data, code in (
        (mo, "GET", "/registries/show/99999999999", None, 404),
        (mo, "GET", "/registries/documents/2147483648", None, 404),
        (mo, "GET", "/files/cases/99999999999999999999", None, 404),
        (mo, "GET", "/files/download/x", None, 404),
        (mo, "POST", "/registries/action/nosuchaction/1", {}, 404),
        (mo, "POST", "/registries/action_post", {"action": "nosuchaction", "rowid": "1"}, 404),
        (mo, "POST", "/files/action_post", {"action": "delete_data", "rowid": "99999999999"}, 404),
        (mo, "GET", f"/registries/list/?page_RegistryView={HUGE}", None, 400),
        (mo, "GET", "/registries/list/?psize_RegistryView=-5", None, 400),
        (mo, "GET", "/registries/list/?page_size=abc", None, 400),
        (mo, "GET", "/registries/list/?_oc_RegistryView=nosuchcolumn&_od_RegistryView=asc", None, 400),
        (mo, "GET", "/registries/list/?_oc_RegistryView=period&_od_RegistryView=asc", None, 400),
        (mo, "GET", "/registries/list/?_oc_RegistryView=number&_od_RegistryView=sideways", None, 200),
        (mo, "GET", "/registries/list/?_flt_0_year=abc", None, 200),
        (mo, "GET", "/registries/list/?_flt_0_year=99999999999", None, 400),
        (mo, "GET", "/registries/list/?_flt_9_year=1", None, 400),
        (mo, "GET", "/registries/list/?_flt_0_payer=abc", None, 400),
        (mo, "GET", "/registries/list/?subdivision_id=abc", None, 200),
        (mo, "GET", "/registries/list/?subdivision_id=99999999999&period=99999999999-01", None, 200),
        (mo, "GET", "/closed-registries/list/?_flt_1_changed_at=notadate", None, 200),
        (mo, "GET", "/formation/?subdivision_id=99999999999", None, 200),
        (mo, "GET", "/formation/cases?period=99999999999-01&subdivision_id=99999999999&page=" + HUGE, None, 302),
        (mo, "GET", f"/files/cases/1/x?page={HUGE}", None, (200, 404)),
        (mo, "GET", "/cases/confirm?target=x&ids=99999999999999999999", None, 302),
        (mo, "GET", f"/api/v1/mis/files/?page={HUGE}", None, 200),
        (mo, "GET", "/api/v1/mis/registries/?period=99999999999-01", None, 400),
        (mo, "GET", "/api/v1/mis/files/99999999999999999999", None, 404),
        (mo, "GET", "/api/v1/organisation/-1", None, 404),
        (mo, "GET", "/api/v1/organisation/?q=(garbage", None, 400),
        (mo, "GET", "/api/v1/organisation/?q=2026-99", None, 400),
        (mo, "GET", "/api/v1/organisation/?q=(page:-1)", None, 200),
        (mo, "GET", "/api/v1/organisation/?q=(filters:!((col:is_active,opr:eq,value:abc)))", None, 400),
        (mo, "GET", "/api/v1/organisation/_info?q=(garbage", None, 400),
        (mo, "POST", "/api-keys/create", {"name": "a\x00b"}, 400),
        (admin, "POST", "/roles/action/copyrole/2147483647", {}, 404),
        (admin, "POST", "/users/action_post", {"action": "unlock", "rowid": "2147483647"}, 404),
        (admin, "GET", "/userstatschartview/chart/nosuch", None, 404),
        (admin, "GET", "/userstatschartview/chart/7", None, 404),
        (admin, "GET", "/userstatschartview/chart/0", None, 404),  # no user statistics page any more
        (admin, "GET", "/trust-roots/list/?_flt_3_der=abc", None, 400),
        (admin, "GET", "/users/list/?_flt_0_active=abc", None, 400),
        (
            admin,
            "GET",
            "/organisationview/add?_flt_0_kind=x&_flt_0_subdivisions=1&_flt_0_subdivisions=2",
            None,
            (200, 400),
        ),
        (
            admin,
            "POST",
            "/resetpassword/form?pk=2147483647",
            {"password": "Hostile-Pass-2026", "conf_password": "Hostile-Pass-2026"},
            404,
        ),
    ):
        resp = browser.get(url) if method == "GET" else (browser.post(url, data=data))
        allowed = code if isinstance(code, tuple) else (code,)
        assert resp.status_code in allowed, f"{method} {url} -> {resp.status_code}, expected {code}"
