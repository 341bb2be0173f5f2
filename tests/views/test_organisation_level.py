"""The level of an МО (КУСмо of the КСГ method) on the page «Организации»: shown, edited by the
ТФОМС through the form (only a level the tariffs can name), never by an МО."""

from __future__ import annotations

from app.extensions import db
from app.models.organisation import Organisation
from tests.factories import make_org

EDIT = "/organisationview/edit/{}"


def _form(org: Organisation, **changes) -> dict:
    data = {
        "kind": org.kind,
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name or "",
        "okato": org.okato or "",
        "level": org.level or "",
        "is_active": "y",
    }
    data.update(changes)
    return data


def _level(app, org_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.get(Organisation, org_id).level


def test_the_tfoms_admin_sets_the_level_through_the_form(app, browser_factory):
    with app.app_context():
        org = make_org("mo")
        org_id, form = org.id, _form(org)
    admin = browser_factory("tfoms_admin")
    page = admin.get(EDIT.format(org_id)).get_data(as_text=True)
    assert "Уровень МО" in page and "Уровень медицинской организации (для коэффициента уровня КУСмо)" in page
    admin.fetch_csrf(EDIT.format(org_id))
    resp = admin.post(EDIT.format(org_id), {**form, "level": "3.1"}, follow_redirects=True)
    assert resp.status_code == 200 and _level(app, org_id) == "3.1"
    shown = admin.get(f"/organisationview/show/{org_id}").get_data(as_text=True)
    assert "Уровень МО" in shown and "3.1" in shown
    # a level the tariffs cannot name is refused with the reason
    refused = admin.post(EDIT.format(org_id), {**form, "level": "высокий"}, follow_redirects=True)
    assert "Уровень МО: 1, 2, 3 или подуровень, например 3.1" in refused.get_data(as_text=True)
    assert _level(app, org_id) == "3.1"


def test_an_mo_user_cannot_change_the_level(app, browser_factory):
    with app.app_context():
        org = db.session.query(Organisation).filter_by(code="140001").one()
        org_id, before, form = org.id, org.level, _form(org)
    mo = browser_factory("mo1_operator")
    assert "Уровень МО" in mo.get(f"/organisationview/show/{org_id}").get_data(as_text=True)  # may read it
    mo.fetch_csrf(f"/organisationview/show/{org_id}")
    assert mo.get(EDIT.format(org_id)).status_code == 403  # no right to the form
    resp = mo.post(EDIT.format(org_id), {**form, "level": "9"})
    assert resp.status_code == 403 and _level(app, org_id) == before
