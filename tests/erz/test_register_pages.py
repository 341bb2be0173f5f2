"""«Справочники» → the register of the insured (search, a person's policy history) and the
tariffs: pages of the fund; МО and СМО users have neither the pages nor the menu entries."""

from __future__ import annotations

from app.demo.people import demo_person
from app.extensions import db
from app.models.erz import ErzPerson
from app.security.roles import ROLE_TFOMS
from tests.factories import make_user, org_by_code


def test_fund_specialist_searches_the_register_and_sees_the_policy_history(app, browser_factory):
    one, two = demo_person(1), demo_person(2)
    with app.app_context():
        specialist = make_user(org_by_code("14"), ROLE_TFOMS).username
        pid = db.session.query(ErzPerson).filter_by(enp=one.enp).one().id
    b = browser_factory()
    b.login(specialist, "Test-Pass-2026x")
    by_enp = b.get(f"/erzpersonview/list/?_flt_3_enp={one.enp}")
    assert by_enp.status_code == 200
    html = by_enp.get_data(as_text=True)
    assert one.enp in html and two.enp not in html and one.dr.strftime("%d.%m.%Y") in html
    by_name = b.get(f"/erzpersonview/list/?_flt_3_fam={one.fam}&_flt_0_dr={one.dr.isoformat()}")
    assert one.enp in by_name.get_data(as_text=True)
    show = b.get(f"/erzpersonview/show/{pid}").get_data(as_text=True)
    assert f"{1:010d}" in show and one.enp in show  # the old policy and the ЕНП one
    assert "14001" in show and "14002" in show and "01.01.2020" in show  # СМО changed in 2020
    by_policy = b.get(f"/erzpolicyview/list/?_flt_3_number={1:010d}").get_data(as_text=True)
    assert one.fam in by_policy and "ЯК" in by_policy
    tariffs = b.get("/tariffview/list/?_flt_3_code=B01.047.001").get_data(as_text=True)
    assert "B01.047.001" in tariffs and "1\u00a0520,00" in tariffs


def test_the_menu_shows_the_register_to_the_fund_only(app, browser_factory):
    admin = browser_factory("tfoms_admin").get("/").get_data(as_text=True)
    assert "Регистр застрахованных (ЕРЗ)" in admin and "Тарифы" in admin
    for login in ("mo1_operator", "smo1_specialist"):
        b = browser_factory(login)
        assert "Регистр застрахованных" not in b.get("/").get_data(as_text=True)
        for url in ("/erzpersonview/list/", "/erzpolicyview/list/", "/tariffview/list/"):
            resp = b.get(url)
            assert resp.status_code in (302, 403), (login, url, resp.status_code)
            assert demo_person(1).enp not in resp.get_data(as_text=True)
