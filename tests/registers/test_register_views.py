"""«Справочники» → «Прикрепление к МО» and «Лицензии МО»: the fund searches them; an МО or СМО
login has neither the pages nor the menu entries, and reaches no row by list, show or search —
and were a role to grant the page, an МО would see the rows of its own code only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from app.demo.people import demo_person
from app.extensions import appbuilder, db
from app.models.organisation import Organisation
from app.models.registers import MoAttachment, MoLicence
from app.models.vocabulary import Resource
from app.security.roles import ROLE_TFOMS
from tests.factories import make_org, make_user, org_by_code
from tests.registers.conftest import TEST_MO

PASSWORD = "Test-Pass-2026x"
PAGES = ("/moattachmentview/list/", "/molicenceview/list/")


@pytest.fixture()
def rows(app):
    """One attachment and one licence row of МО 149901 and of МО 149902 (ids by МО).  Requests
    run outside any app context of the test (``flask.g`` would be shared with them)."""
    ids = {}
    with app.app_context():
        for mo, enp in (("149901", "7700000000000501"), ("149902", "7700000000000502")):
            a = MoAttachment(enp=enp, mo_code=mo, date_begin=dt.date(2021, 3, 1), site="Участок 9")
            lic = MoLicence(mo_code=mo, usl_ok=1, profil=29, licence_number=f"ЛО-{mo}", date_begin=dt.date(2019, 5, 1))
            db.session.add_all([a, lic])
            db.session.commit()
            ids[mo] = (a.id, lic.id)
    yield ids
    with app.app_context():
        db.session.execute(delete(MoAttachment).where(MoAttachment.mo_code.in_(TEST_MO)))
        db.session.execute(delete(MoLicence).where(MoLicence.mo_code.in_(TEST_MO)))
        db.session.commit()


def _login(browser_factory, username):
    b = browser_factory()
    resp = b.login(username, PASSWORD)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    return b


def test_the_fund_searches_both_registers(app, rows, browser_factory):
    with app.app_context():
        specialist = make_user(org_by_code("14"), ROLE_TFOMS).username
    b = _login(browser_factory, specialist)
    page = b.get("/moattachmentview/list/?_flt_0_enp=7700000000000501")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "7700000000000501" in html and "7700000000000502" not in html
    assert "01.03.2021" in html and "Участок 9" in html and "Прикрепление застрахованных к МО" in html
    by_mo = b.get("/molicenceview/list/?_flt_0_mo_code=149902&_flt_0_profil=29").get_data(as_text=True)
    assert "ЛО-149902" in by_mo and "ЛО-149901" not in by_mo and "1 — Стационарно" in by_mo
    att_id, lic_id = rows["149902"]
    show = b.get(f"/moattachmentview/show/{att_id}").get_data(as_text=True)
    assert "7700000000000502" in show and "Действует с" in show
    show = b.get(f"/molicenceview/show/{lic_id}").get_data(as_text=True)
    assert "ЛО-149902" in show and "Номер лицензии" in show and "01.05.2019" in show
    # the demo register is there too
    demo = b.get(f"/moattachmentview/list/?_flt_0_enp={demo_person(1).enp}").get_data(as_text=True)
    assert "140001" in demo
    menu = b.get("/").get_data(as_text=True)
    assert "Прикрепление к МО" in menu and "Лицензии МО" in menu


@pytest.mark.parametrize("login", ["mo1_operator", "mo1_sub1_operator", "smo1_specialist"])
def test_mo_and_smo_logins_reach_no_row(app, rows, browser_factory, login):
    b = browser_factory(login)
    assert "Прикрепление к МО" not in b.get("/").get_data(as_text=True)
    att_id, lic_id = rows["149902"]
    urls = list(PAGES) + [
        f"/moattachmentview/show/{att_id}",
        f"/molicenceview/show/{lic_id}",
        "/moattachmentview/list/?_flt_0_enp=7700000000000502",
        f"/moattachmentview/list/?_flt_0_enp={demo_person(1).enp}",
        "/moattachmentview/add",
        f"/moattachmentview/edit/{att_id}",
        f"/moattachmentview/delete/{att_id}",
    ]
    for url in urls:
        resp = b.get(url)
        assert resp.status_code in (302, 403, 404), (login, url, resp.status_code)
        text = resp.get_data(as_text=True)
        assert "7700000000000502" not in text and demo_person(1).enp not in text and "ЛО-149902" not in text
    for url in (f"/moattachmentview/delete/{att_id}", f"/molicenceview/edit/{lic_id}"):
        assert b.post(url, data={"mo_code": "000000"}).status_code in (302, 403, 404)
    with app.app_context():
        assert db.session.get(MoAttachment, att_id) is not None
        assert db.session.get(MoLicence, lic_id).mo_code == "149902"
    # no REST API serves the registers
    for api in ("/api/v1/moattachment/", "/api/v1/molicence/"):
        assert b.api("GET", api).status_code == 404


@pytest.fixture()
def granted_role(app):
    """A role that grants both pages (as an administrator might by mistake); removed afterwards."""
    name = "Тест: реестры фонда"
    with app.app_context():
        sm = appbuilder.sm
        role = sm.add_role(name)
        for resource in (Resource.MO_ATTACHMENT, Resource.MO_LICENCE):
            sm.add_permission_role(role, sm.find_permission_view_menu("can_read", resource))
        db.session.commit()
    yield name
    with app.app_context():
        role = appbuilder.sm.find_role(name)
        for user in list(role.user):
            user.roles = [r for r in user.roles if r.id != role.id]
        role.permissions = []
        db.session.commit()
        db.session.delete(role)
        db.session.commit()


def test_the_scope_is_the_second_lock(app, rows, browser_factory, granted_role):
    """Given the pages, an МО login sees its own МО code's rows only, an СМО none."""
    with app.app_context():
        mo = db.session.execute(select(Organisation).where(Organisation.code == "149901")).scalar_one_or_none()
        mo = mo or make_org("mo", code="149901")
        smo = make_org("smo")
        mo_user, smo_user = make_user(mo, granted_role).username, make_user(smo, granted_role).username
    b = _login(browser_factory, mo_user)
    html = b.get("/moattachmentview/list/").get_data(as_text=True)
    assert "7700000000000501" in html and "7700000000000502" not in html and demo_person(1).enp not in html
    html = b.get("/molicenceview/list/").get_data(as_text=True)
    assert "ЛО-149901" in html and "ЛО-149902" not in html
    own_att, own_lic = rows["149901"]
    other_att, other_lic = rows["149902"]
    assert b.get(f"/moattachmentview/show/{own_att}").status_code == 200
    assert b.get(f"/molicenceview/show/{own_lic}").status_code == 200
    for url in (f"/moattachmentview/show/{other_att}", f"/molicenceview/show/{other_lic}"):
        resp = b.get(url)
        assert resp.status_code == 404 and "149902" not in resp.get_data(as_text=True), url
    html = b.get("/moattachmentview/list/?_flt_0_mo_code=149902").get_data(as_text=True)
    assert "7700000000000502" not in html
    b = _login(browser_factory, smo_user)
    html = b.get("/moattachmentview/list/").get_data(as_text=True)
    assert "7700000000000501" not in html and "7700000000000502" not in html
    assert b.get(f"/moattachmentview/show/{own_att}").status_code == 404


def test_the_registers_permissions_are_resource_members_with_the_stored_names():
    """Stored permissions name the resources «MoAttachment» / «MoLicence»: the members keep them."""
    from app.security.roles import ROLE_GRANTS
    from app.views.registers import MoAttachmentView, MoLicenceView

    assert (Resource.MO_ATTACHMENT, Resource.MO_LICENCE) == ("MoAttachment", "MoLicence")
    assert MoAttachmentView.class_permission_name is Resource.MO_ATTACHMENT
    assert MoLicenceView.class_permission_name is Resource.MO_LICENCE
    assert {Resource.MO_ATTACHMENT, Resource.MO_LICENCE} <= set(ROLE_GRANTS[ROLE_TFOMS])
