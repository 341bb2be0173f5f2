"""«Текущие реестры»: the linked dropdowns (period, status, type, subtype, payer, subdivision) —
linked like on «Формирование», scoped from the attacker's side, and filtering the right rows."""

from __future__ import annotations

import html
import re

import pytest

from app.extensions import db
from app.models.registry import Registry
from app.security.roles import ROLE_MO, ROLE_SMO
from tests.factories import PASSWORD, make_org, make_subdivision, make_user, unique


def _registry(mo, sub, payer, period, status, reg_type="АПП", subtype="H") -> Registry:
    year, month = (int(x) for x in period.split("-"))
    reg = Registry(
        number=f"{mo.code}-F-{unique()}",
        organisation_id=mo.id,
        subdivision_id=sub.id if sub else None,
        payer_id=payer.id,
        year=year,
        month=month,
        reg_type=reg_type,
        subtype=subtype,
        status=status,
        cases=1,
        sum_declared=100,
        sum_calc=100,
    )
    db.session.add(reg)
    db.session.commit()
    return reg


class World:
    """Two МО, two СМО, registries of several periods; ids, codes and logins only (the requests
    run outside any app context)."""

    def __init__(self, app):
        with app.app_context():
            mo_a, mo_b = make_org("mo"), make_org("mo")
            sub_a1, sub_a2, sub_b1 = make_subdivision(mo_a), make_subdivision(mo_a), make_subdivision(mo_b)
            smo_s, smo_t = make_org("smo"), make_org("smo")
            regs = {
                "r1": _registry(mo_a, sub_a1, smo_s, "2031-03", "Создан", "АПП", "H"),
                "r2": _registry(mo_a, sub_a1, smo_t, "2031-04", "Отправлен", "Стационар", "H"),
                "r3": _registry(mo_a, None, smo_s, "2031-04", "Создан", "СМП", "C"),
                "r4": _registry(mo_a, sub_a2, smo_s, "2031-03", "Выгружен", "АПП", "H"),
                "r5": _registry(mo_b, sub_b1, smo_t, "2032-05", "Создан", "Дневной стационар", "T"),
                "closed": _registry(mo_a, sub_a1, smo_s, "2030-11", "Закрыт", "АПП", "DP"),
            }
            self.number = {k: r.number for k, r in regs.items()}
            self.smo_s, self.smo_t = str(smo_s.id), str(smo_t.id)
            self.smo_s_code, self.smo_t_code = smo_s.code, smo_t.code
            self.sub = {"a1": str(sub_a1.id), "a2": str(sub_a2.id), "b1": str(sub_b1.id)}
            self.sub_code = {"a1": sub_a1.code, "a2": sub_a2.code, "b1": sub_b1.code}
            self.login = {
                "mo_a": make_user(mo_a, ROLE_MO).username,
                "mo_a_sub1": make_user(mo_a, ROLE_MO, subdivision=sub_a1).username,
                "mo_b": make_user(mo_b, ROLE_MO).username,
                "smo_s": make_user(smo_s, ROLE_SMO).username,
                "smo_t": make_user(smo_t, ROLE_SMO).username,
            }


@pytest.fixture()
def world(app):
    return World(app)


def _page(browser_factory, login, query=""):
    b = browser_factory()
    assert b.login(login, PASSWORD).status_code == 302
    resp = b.get(f"/registries/list/{query}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _options(page: str, key: str) -> dict[str, str]:
    select = page.split(f'id="f_{key}"')[1].split("</select>")[0]
    return {
        v: html.unescape(label.strip())
        for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)
        if v
    }


def _rows(page: str, world: World) -> set[str]:
    # the number cell links to the registry card
    return {k for k, n in world.number.items() if f">{n}</a>" in page}


def test_dropdowns_are_linked(app, world, browser_factory):
    page = _page(browser_factory, world.login["mo_a"])
    assert set(_options(page, "period")) == {"2031-03", "2031-04"}  # «Закрыт» is not current
    assert list(_options(page, "status")) == ["Создан", "Отправлен", "Выгружен"]  # in workflow order
    assert set(_options(page, "reg_type")) == {"АПП", "Стационар", "СМП"}
    assert set(_options(page, "subtype")) == {"H", "C"}
    assert set(_options(page, "payer_id")) == {world.smo_s, world.smo_t}
    subs = _options(page, "subdivision_id")
    assert set(subs) == {world.sub["a1"], world.sub["a2"], "0"} and subs["0"] == "без подразделения"
    assert _rows(page, world) == {"r1", "r2", "r3", "r4"}

    # choosing a period narrows every other list; the period list keeps its own choices
    page = _page(browser_factory, world.login["mo_a"], "?period=2031-03")
    assert set(_options(page, "period")) == {"2031-03", "2031-04"}
    assert set(_options(page, "reg_type")) == {"АПП"}
    assert list(_options(page, "status")) == ["Создан", "Выгружен"]
    assert set(_options(page, "subtype")) == {"H"}
    assert set(_options(page, "payer_id")) == {world.smo_s}
    assert set(_options(page, "subdivision_id")) == {world.sub["a1"], world.sub["a2"]}
    assert 'value="2031-03" selected' in page

    # and a payer narrows the periods
    page = _page(browser_factory, world.login["mo_a"], f"?payer_id={world.smo_t}")
    assert set(_options(page, "period")) == {"2031-04"}
    assert set(_options(page, "status")) == {"Отправлен"}


def test_filtering_gives_the_right_rows(app, world, browser_factory):
    login = world.login["mo_a"]
    cases = {
        "?period=2031-03": {"r1", "r4"},
        "?period=2031-04&status=Создан": {"r3"},
        f"?payer_id={world.smo_t}": {"r2"},
        "?subdivision_id=0": {"r3"},
        f"?subdivision_id={world.sub['a2']}": {"r4"},
        "?reg_type=АПП&status=Выгружен": {"r4"},
        "?subtype=C": {"r3"},
        "?period=2031-03&reg_type=СМП": set(),
        "?period=garbage": set(),
        "?status=Закрыт": set(),  # closed ones are on «Закрытые реестры»
    }
    for query, expected in cases.items():
        assert _rows(_page(browser_factory, login, query), world) == expected, query


def test_options_never_show_another_organisations_values(app, world, browser_factory):
    """From the attacker's side: another МО, a non-payer СМО, another subdivision's login."""
    # an СМО sees the registries addressed to it only: its own payer, their periods and subdivisions
    page = _page(browser_factory, world.login["smo_t"])
    assert set(_options(page, "payer_id")) == {world.smo_t}
    assert set(_options(page, "period")) == {"2031-04", "2032-05"}
    assert set(_options(page, "subdivision_id")) == {world.sub["a1"], world.sub["b1"]}
    assert set(_options(page, "reg_type")) == {"Стационар", "Дневной стационар"}
    assert world.smo_s_code not in page and world.sub_code["a2"] not in page
    assert _rows(page, world) == {"r2", "r5"}
    # another payer's id in the address shows nothing of it
    page = _page(browser_factory, world.login["smo_t"], f"?payer_id={world.smo_s}")
    assert _rows(page, world) == set() and world.smo_s_code not in page

    page = _page(browser_factory, world.login["smo_s"])
    assert set(_options(page, "payer_id")) == {world.smo_s}
    assert set(_options(page, "period")) == {"2031-03", "2031-04"}
    assert world.smo_t_code not in page and world.sub_code["b1"] not in page

    # another МО: only its own values
    page = _page(browser_factory, world.login["mo_b"])
    assert set(_options(page, "period")) == {"2032-05"}
    assert set(_options(page, "payer_id")) == {world.smo_t}
    assert set(_options(page, "subdivision_id")) == {world.sub["b1"]}
    assert set(_options(page, "status")) == {"Создан"}
    assert not any(world.sub_code[k] in page for k in ("a1", "a2")) and world.smo_s_code not in page
    page = _page(browser_factory, world.login["mo_b"], "?period=2031-03")
    assert _rows(page, world) == set()

    # a login limited to a subdivision: that subdivision's registries only
    page = _page(browser_factory, world.login["mo_a_sub1"])
    assert set(_options(page, "subdivision_id")) == {world.sub["a1"]}
    assert set(_options(page, "period")) == {"2031-03", "2031-04"}
    assert set(_options(page, "reg_type")) == {"АПП", "Стационар"}
    assert set(_options(page, "status")) == {"Создан", "Отправлен"}
    assert world.sub_code["a2"] not in page
    assert _rows(page, world) == {"r1", "r2"}
    page = _page(browser_factory, world.login["mo_a_sub1"], f"?subdivision_id={world.sub['a2']}")
    assert _rows(page, world) == set()
