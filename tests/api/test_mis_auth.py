"""Authentication of the МИС REST API: API keys (made by `oms api-key` and on «Ключи API»),
JWTs, and what a wrong, revoked or expired key, a bad token, no token and a browser session
without the CSRF token get."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.registry import Registry, RegistryStatusChange
from app.security.roles import ROLE_MO
from tests.api.helpers import FILES, REGISTRIES, Api
from tests.factories import PASSWORD, make_registry, make_uploaded_file, make_user, org_by_code


@pytest.fixture()
def rows(app):
    """A file and a registry of the demo МО 140001 (whole МО, paid by 14001), and a fresh login of it."""
    with app.app_context():
        mo = org_by_code("140001")
        file = make_uploaded_file(mo)
        reg = make_registry(mo, None, org_by_code("14001"))
        login = make_user(mo, ROLE_MO).username
        return {"file": file.id, "registry": reg.id, "login": login}


def _calls(rows):
    yield "GET", f"{FILES}/{rows['file']}"
    yield "GET", f"{FILES}/"
    yield "POST", f"{FILES}/"
    yield "GET", f"{REGISTRIES}/"
    yield "POST", f"{REGISTRIES}/{rows['registry']}/status"
    yield "GET", f"{REGISTRIES}/{rows['registry']}/documents.zip"


def _registry_status(app, reg_id):
    with app.app_context():
        db.session.expire_all()
        return (
            db.session.get(Registry, reg_id).status,
            db.session.query(RegistryStatusChange).filter_by(registry_id=reg_id).count(),
        )


def test_the_key_works_and_a_wrong_one_answers_401(app, browser_factory, rows):
    good = Api.with_key(app, browser_factory, rows["login"])
    assert good.get(f"{FILES}/{rows['file']}").status_code == 200
    before = _registry_status(app, rows["registry"])
    wrong = "sst_" + good.token[4:-4] + ("AAAA" if not good.token.endswith("AAAA") else "BBBB")
    for token in (wrong, "sst_", "sst_nonsense", None, "not-a.jwt.token"):
        api = Api(browser_factory(), token)
        for method, url in _calls(rows):
            resp = api.get(url) if method == "GET" else api.post(url, json={"status": "Отправлен"})
            assert resp.status_code == 401, f"{token!r} {method} {url} -> {resp.status_code}"
            assert resp.get_json()["message"].startswith("Нет доступа"), resp.get_json()
    assert _registry_status(app, rows["registry"]) == before


def test_cli_creates_lists_and_revokes_a_key(app, browser_factory, rows):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["oms", "api-key", "create", "--user", rows["login"], "--name", "МИС «Барс»"])
    assert made.exit_code == 0, made.output
    info = json.loads(made.output)
    assert info["key"].startswith("sst_") and info["name"] == "МИС «Барс»" and info["user"] == rows["login"]
    assert info["state"] == "действует"
    api = Api(browser_factory(), info["key"])
    assert api.get(f"{FILES}/{rows['file']}").status_code == 200

    listed = runner.invoke(args=["oms", "api-key", "list", "--user", rows["login"]])
    assert listed.exit_code == 0
    assert info["key"] not in listed.output  # the key is printed once, at creation
    assert [k["uuid"] for k in json.loads(listed.output)] == [info["uuid"]]
    everyone = json.loads(runner.invoke(args=["oms", "api-key", "list"]).output)
    assert info["uuid"] in {k["uuid"] for k in everyone}

    revoked = runner.invoke(args=["oms", "api-key", "revoke", info["uuid"]])
    assert revoked.exit_code == 0 and json.loads(revoked.output)["state"] == "отозван"
    assert api.get(f"{FILES}/{rows['file']}").status_code == 401
    assert api.post(f"{REGISTRIES}/{rows['registry']}/status", json={"status": "Отправлен"}).status_code == 401
    assert _registry_status(app, rows["registry"])[0] == "Создан"

    unknown = runner.invoke(args=["oms", "api-key", "create", "--user", "no-such-login", "--name", "x"])
    assert unknown.exit_code != 0 and "не найден" in unknown.output
    nameless = runner.invoke(args=["oms", "api-key", "create", "--user", rows["login"], "--name", " "])
    assert nameless.exit_code != 0 and "название" in nameless.output
    with app.app_context():
        events = {e.event for e in db.session.query(AuditEvent).filter(AuditEvent.object_id == info["uuid"])}
        assert events == {"api_key_created", "api_key_revoked"}


def test_an_expired_key_and_a_locked_login_answer_401(app, browser_factory, rows):
    from flask_appbuilder.security.sqla.models import ApiKey

    expired = Api.with_key(app, browser_factory, rows["login"])
    assert expired.get(f"{FILES}/").status_code == 200
    with app.app_context():
        for key in db.session.query(ApiKey).filter(ApiKey.key_prefix == "sst_").all():
            if key.user.username == rows["login"]:
                key.expires_on = dt.datetime.now() - dt.timedelta(minutes=1)
        db.session.commit()
    assert expired.get(f"{FILES}/").status_code == 401

    with app.app_context():
        mo = org_by_code("140001")
        locked_login = make_user(mo, ROLE_MO).username
    locked = Api.with_key(app, browser_factory, locked_login)
    assert locked.get(f"{FILES}/").status_code == 200
    with app.app_context():
        from app.models.user import OmsUser

        user = db.session.query(OmsUser).filter_by(username=locked_login).one()
        user.locked_at, user.active = dt.datetime.now(), False
        db.session.commit()
    assert locked.get(f"{FILES}/").status_code == 401


def test_a_role_without_the_page_gets_403_whatever_the_id(app, browser_factory, rows):
    smo = Api.with_key(app, browser_factory, "smo1_specialist")
    for url in (f"{FILES}/", f"{FILES}/{rows['file']}", f"{FILES}/987654321/errors"):
        resp = smo.get(url)
        assert resp.status_code == 403 and resp.get_json()["message"] == "Недостаточно прав для этого действия"
    assert smo.get(f"{REGISTRIES}/").status_code == 200


def test_jwt_login_works_and_a_wrong_password_gets_no_token(app, browser_factory, rows):
    api = Api.with_jwt(browser_factory, rows["login"], PASSWORD)
    assert api.get(f"{FILES}/{rows['file']}").get_json()["result"]["id"] == rows["file"]
    refused = browser_factory().client.post(
        "/api/v1/security/login", json={"username": rows["login"], "password": "wrong-Password-1", "provider": "db"}
    )
    assert refused.status_code == 401 and "access_token" not in (refused.get_json() or {})
    # an expired token of the same login
    from flask_jwt_extended import create_access_token

    with app.app_context():
        from app.models.user import OmsUser

        user_id = db.session.query(OmsUser).filter_by(username=rows["login"]).one().id
        with app.test_request_context():
            stale = create_access_token(identity=str(user_id), expires_delta=dt.timedelta(seconds=-5))
    resp = Api(browser_factory(), stale).get(f"{FILES}/{rows['file']}")
    assert resp.status_code == 401 and resp.get_json()["message"].startswith("Нет доступа")


def test_jwt_login_is_rate_limited_like_the_login_form(app, browser_factory):
    client = browser_factory().client  # one address
    codes = [
        client.post(
            "/api/v1/security/login", json={"username": f"nobody-{i}", "password": "x", "provider": "db"}
        ).status_code
        for i in range(12)
    ]
    assert codes[0] == 401 and codes[-1] == 429, codes


def test_browser_session_writes_need_the_csrf_token(app, browser_factory, rows):
    b = browser_factory()
    assert b.login(rows["login"], PASSWORD).status_code == 302
    b.fetch_csrf("/files/upload")
    url = f"{REGISTRIES}/{rows['registry']}/status"
    no_token = b.client.post(url, json={"status": "Отправлен", "expected": "Выгружен"})
    assert no_token.status_code == 400 and "CSRF" in no_token.get_json()["message"]
    upload = b.client.post(f"{FILES}/", data={}, content_type="multipart/form-data")
    assert upload.status_code == 400 and "CSRF" in upload.get_json()["message"]
    # with the token the session may write: here the «expected» status is stale, so 409 and no change
    with_token = b.client.post(
        url, json={"status": "Отправлен", "expected": "Выгружен"}, headers={"X-CSRFToken": b.csrf}
    )
    assert with_token.status_code == 409
    assert b.client.get(f"{FILES}/{rows['file']}").status_code == 200  # reads need no token
    assert _registry_status(app, rows["registry"]) == ("Создан", 0)


def test_key_page_makes_shows_once_and_revokes_own_keys_only(app, browser_factory, rows):
    owner = browser_factory()
    assert owner.login(rows["login"], PASSWORD).status_code == 302
    page = owner.get("/api-keys/")
    assert page.status_code == 200 and "Ключи API" in page.get_data(as_text=True)
    owner.fetch_csrf("/api-keys/")
    made = owner.post("/api-keys/create", data={"name": "МИС на странице", "expires_on": "2099-01-01"})
    html = made.get_data(as_text=True)
    assert made.status_code == 200
    key = re.search(r"(sst_[A-Za-z0-9_\-]+)", html).group(1)
    uuid = re.search(r'data-uuid="([0-9a-f\-]{36})"', html).group(1)
    assert "МИС на странице" in html and "01.01.2099" in html
    assert key not in owner.get("/api-keys/").get_data(as_text=True)  # shown once
    api = Api(browser_factory(), key)
    assert api.get(f"{FILES}/{rows['file']}").status_code == 200

    # another user cannot revoke it (404, the key works on); a request without CSRF is refused
    with app.app_context():
        other = make_user(org_by_code("140001"), ROLE_MO).username
    intruder = browser_factory()
    assert intruder.login(other, PASSWORD).status_code == 302
    intruder.fetch_csrf("/api-keys/")
    assert intruder.post(f"/api-keys/revoke/{uuid}").status_code == 404
    assert uuid not in intruder.get("/api-keys/").get_data(as_text=True)
    assert owner.client.post(f"/api-keys/revoke/{uuid}", data={}).status_code == 400
    assert api.get(f"{FILES}/{rows['file']}").status_code == 200

    done = owner.post(f"/api-keys/revoke/{uuid}", follow_redirects=True)
    assert done.status_code == 200 and "отозван" in done.get_data(as_text=True)
    assert api.get(f"{FILES}/{rows['file']}").status_code == 401
    past = owner.post("/api-keys/create", data={"name": "просрочен", "expires_on": "2020-01-01"}, follow_redirects=True)
    assert "позже сегодняшнего дня" in past.get_data(as_text=True)


def test_key_page_is_in_the_menu_of_every_role(app, browser_factory):
    for username in ("mo1_operator", "smo1_specialist", "tfoms_admin"):
        html = browser_factory(username).get("/").get_data(as_text=True)
        assert "/api-keys/" in html and "Ключи API" in html, username
