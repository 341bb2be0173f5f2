"""Logins: Russian errors, a temporary lock after 5 failures and the unlock by the administrator,
the login rate limit, CSRF, the password policy and the audit of it all."""

from __future__ import annotations

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import OmsUser
from app.security.roles import ROLE_MO
from tests.factories import PASSWORD, make_org, make_user


def _events(username, event):
    return db.session.query(AuditEvent).filter_by(username=username, event=event).count()


def test_wrong_password_shows_russian_error(app, browser_factory):
    b = browser_factory()
    resp = b.login("mo1_operator", "wrong-password", follow=True)
    html = resp.get_data(as_text=True)
    assert "Неверное имя пользователя или пароль" in html
    assert b.get("/organisationview/list/").status_code in (302, 401, 403)


def test_demo_login_works_and_is_audited(app, browser_factory):
    b = browser_factory("mo1_operator")
    resp = b.get("/")
    assert "Оператор РБ №1" in resp.get_data(as_text=True)
    b.logout()
    with app.app_context():
        assert _events("mo1_operator", "login") >= 1
        assert _events("mo1_operator", "logout") >= 1


def test_account_locks_after_five_failures_and_admin_unlocks(app, browser_factory):
    with app.app_context():
        username = make_user(make_org("mo"), ROLE_MO).username
    b = browser_factory()
    for _ in range(5):
        b.login(username, "Wrong-Pass-0000")
    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username=username).one()
        assert user.locked_at is not None and user.locked_until > user.locked_at and user.active is True
        assert _events(username, "account_locked") == 1
        assert _events(username, "login_failed") >= 5
        user_id = user.id
    # the right password does not open a locked account; the page says why
    resp = b.login(username, PASSWORD, follow=True)
    assert "Учетная запись временно заблокирована" in resp.get_data(as_text=True)
    assert b.get("/organisationview/list/").status_code != 200

    admin = browser_factory("tfoms_admin")
    resp = admin.post("/users/action_post", data={"action": "unlock", "rowid": [str(user_id)]})
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.get(OmsUser, user_id)
        assert user.locked_until is None and user.active is True and user.fail_login_count == 0
        assert db.session.query(AuditEvent).filter_by(event="account_unlocked", object_id=str(user_id)).count() == 1
    resp = browser_factory().login(username, PASSWORD)
    assert resp.status_code == 302 and "/login" not in resp.headers["Location"]


def test_unlock_is_refused_to_non_admins(app, browser_factory):
    with app.app_context():
        user = make_user(make_org("mo"), ROLE_MO)
        user_id = user.id
    b = browser_factory("mo1_operator")
    resp = b.post("/users/action_post", data={"action": "unlock", "rowid": [str(user_id)]})
    assert resp.status_code in (302, 403)
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(event="account_unlocked", object_id=str(user_id)).count() == 0


def test_login_without_csrf_token_is_refused(app, browser_factory):
    b = browser_factory()
    b.fetch_csrf()
    resp = b.client.post("/login/", data={"username": "mo1_operator", "password": "Demo-Oms-2026"})
    assert resp.status_code == 400
    assert b.get("/organisationview/list/").status_code != 200


def test_login_rate_limit(app, browser_factory):
    b = browser_factory()
    codes = [b.login("nobody-at-all", "x").status_code for _ in range(12)]
    assert 429 in codes
    assert codes[0] != 429


def test_password_policy_refuses_weak_password(app, browser_factory):
    admin = browser_factory("tfoms_admin")
    with app.app_context():
        org_id = make_org("mo").id
        role_id = app.appbuilder.sm.find_role(ROLE_MO).id
    data = {
        "first_name": "Слабый",
        "last_name": "Пароль",
        "username": "weak_pw_user",
        "email": "weak@test.local",
        "active": "y",
        "roles": [str(role_id)],
        "organisation": str(org_id),
        "password": "password1",
        "conf_password": "password1",
    }
    resp = admin.post("/users/add", data=data)
    assert resp.status_code == 200  # the form comes back with the error
    with app.app_context():
        assert db.session.query(OmsUser).filter_by(username="weak_pw_user").count() == 0
    data.update(password="Strong-Pass-2026", conf_password="Strong-Pass-2026")
    resp = admin.post("/users/add", data=data)
    assert resp.status_code == 302
    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username="weak_pw_user").one()
        assert user.organisation_id == org_id
        assert db.session.query(AuditEvent).filter_by(event="user_created", object_id=str(user.id)).count() == 1


def test_user_rules_subdivision_of_own_organisation(app, browser_factory):
    from tests.factories import make_subdivision

    admin = browser_factory("tfoms_admin")
    with app.app_context():
        org_id = make_org("mo").id
        other_sub_id = make_subdivision(make_org("mo")).id
        role_id = app.appbuilder.sm.find_role(ROLE_MO).id
    data = {
        "first_name": "Чужое",
        "last_name": "Подразделение",
        "username": "wrong_sub_user",
        "email": "wrong_sub@test.local",
        "active": "y",
        "roles": [str(role_id)],
        "organisation": str(org_id),
        "subdivision": str(other_sub_id),
        "password": "Strong-Pass-2026",
        "conf_password": "Strong-Pass-2026",
    }
    resp = admin.post("/users/add", data=data, follow_redirects=True)
    assert "Подразделение должно принадлежать организации пользователя" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(OmsUser).filter_by(username="wrong_sub_user").count() == 0
