"""Sessions and accounts from the attacker's side: the public key of earlier versions signs no
session, production refuses a weak key, a logout (a POST with the CSRF token) or a new password
ends every earlier session cookie, the cookies' flags, temporary locks that grow, ``oms unlock``,
CSRF with a made-up ``Authorization`` header, and no demo data in production."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from app.extensions import db
from app.models.user import OmsUser
from app.security.roles import ROLE_MO
from app.security.secret_key import PUBLIC_KEYS, SecretKeyError, configure_secret_key
from tests.factories import PASSWORD, make_org, make_user

PUBLIC_KEY = next(iter(PUBLIC_KEYS))


def _forged_cookie(app, key: str, user_id: int) -> str:
    """A session cookie as Flask makes it, signed with ``key``."""
    iface = SecureCookieSessionInterface()
    signer = URLSafeTimedSerializer(
        key,
        salt=iface.salt,
        serializer=iface.serializer,
        signer_kwargs={"key_derivation": iface.key_derivation, "digest_method": iface.digest_method},
    )
    return signer.dumps({"_user_id": str(user_id), "_fresh": True, "_oms_epoch": 0})


def _admin_id(app) -> int:
    with app.app_context():
        return db.session.query(OmsUser).filter_by(username="tfoms_admin").one().id


def test_a_cookie_signed_with_the_public_key_logs_nobody_in(app):
    client = app.test_client()
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), _forged_cookie(app, PUBLIC_KEY, _admin_id(app)))
    resp = client.get("/users/list/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert app.config["SECRET_KEY"] != PUBLIC_KEY


def test_a_cookie_signed_with_the_real_key_is_what_the_check_refused(app):
    """The forgery above fails because of the key, not because of its form: the same cookie signed
    with the app's key opens the page (so the test above can fail)."""
    client = app.test_client()
    client.set_cookie(
        app.config.get("SESSION_COOKIE_NAME", "session"), _forged_cookie(app, app.config["SECRET_KEY"], _admin_id(app))
    )
    assert client.get("/users/list/").status_code == 200


@pytest.mark.parametrize("key", [None, "", PUBLIC_KEY, "short-key", "a" * 64])
def test_production_refuses_to_start_without_a_strong_key(app, key, tmp_path):
    from flask import Flask

    probe = Flask("probe")
    probe.config.update(PRODUCTION=True, SECRET_KEY=key, SECRET_KEY_FILE=tmp_path / "secret_key")
    with pytest.raises(SecretKeyError) as refused:
        configure_secret_key(probe)
    assert "SECRET_KEY" in str(refused.value) and "32" in str(refused.value)
    assert not (tmp_path / "secret_key").exists()


def test_embedded_mode_makes_a_key_once_and_keeps_it(tmp_path):
    from flask import Flask

    def make():
        probe = Flask("probe")
        probe.config.update(PRODUCTION=False, SECRET_KEY=None, SECRET_KEY_FILE=tmp_path / "secret_key")
        configure_secret_key(probe)
        return probe.config["SECRET_KEY"]

    first = make()
    assert len(first) >= 64 and first not in PUBLIC_KEYS
    assert make() == first
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_a_logout_is_a_post_with_the_csrf_token_and_ends_the_copied_cookie(app, browser_factory):
    b = browser_factory("mo1_operator")
    cookie = b.client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value
    assert b.get("/logout/").status_code == 200  # a GET only asks to confirm
    assert b.get("/files/list/").status_code == 200
    assert b.client.post("/logout/", data={}).status_code == 400  # no CSRF token: refused
    assert b.get("/files/list/").status_code == 200
    assert b.logout().status_code == 302
    assert b.get("/files/list/").status_code == 302
    thief = app.test_client()  # the cookie copied before the logout
    thief.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
    resp = thief.get("/files/list/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_new_password_ends_the_other_sessions(app, browser_factory):
    with app.app_context():
        username = make_user(make_org("mo"), ROLE_MO).username
    elsewhere = browser_factory()  # another browser of the same user
    elsewhere.login(username, PASSWORD)
    assert elsewhere.get("/files/list/").status_code == 200
    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username=username).one()
        app.appbuilder.sm.reset_password(user.id, "Another-Pass-2026x")
    assert elsewhere.get("/files/list/").status_code == 302
    assert browser_factory().login(username, "Another-Pass-2026x").status_code == 302


def test_session_cookie_flags(app, browser_factory, monkeypatch):
    b = browser_factory()
    b.fetch_csrf()
    resp = b.client.post(
        "/login/", data={"username": "mo1_operator", "password": "Demo-Oms-2026", "csrf_token": b.csrf}
    )
    header = "; ".join(resp.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    b2 = browser_factory()
    b2.fetch_csrf()
    resp = b2.client.post(
        "/login/", data={"username": "mo1_operator", "password": "Demo-Oms-2026", "csrf_token": b2.csrf}
    )
    assert "Secure" in "; ".join(resp.headers.getlist("Set-Cookie"))


def test_the_lock_is_temporary_and_grows(app, browser_factory):
    with app.app_context():
        username = make_user(make_org("mo"), ROLE_MO).username

    def five_wrong():  # from an address of their own: the per-address limit stays out of it
        b = browser_factory()
        for _ in range(5):
            b.login(username, "Wrong-Pass-0000")

    def run_out():
        with app.app_context():
            user = db.session.query(OmsUser).filter_by(username=username).one()
            user.locked_until = dt.datetime.now() - dt.timedelta(seconds=1)
            db.session.commit()

    def lock():
        with app.app_context():
            user = db.session.query(OmsUser).filter_by(username=username).one()
            return user.lock_count, user.locked_until - user.locked_at, user.is_locked

    five_wrong()
    count, length, locked = lock()
    assert (count, locked) == (1, True) and dt.timedelta(minutes=14) < length <= dt.timedelta(minutes=15)
    run_out()
    assert browser_factory().login(username, PASSWORD).status_code == 302  # the right password opens
    five_wrong()
    assert lock()[0] == 1  # a successful login in between started the count afresh
    run_out()
    five_wrong()  # a second lock in a row lasts twice as long
    count, length, locked = lock()
    assert (count, locked) == (2, True) and dt.timedelta(minutes=29) < length <= dt.timedelta(minutes=30)


def test_oms_unlock(app, browser_factory):
    with app.app_context():
        username = make_user(make_org("mo"), ROLE_MO).username
    b = browser_factory()
    for _ in range(5):
        b.login(username, "Wrong-Pass-0000")
    result = app.test_cli_runner().invoke(args=["oms", "unlock", username])
    assert result.exit_code == 0 and "разблокирована" in result.output
    with app.app_context():
        assert not db.session.query(OmsUser).filter_by(username=username).one().is_locked
    assert browser_factory().login(username, PASSWORD).status_code == 302
    assert app.test_cli_runner().invoke(args=["oms", "unlock", "nobody-here"]).exit_code != 0


def test_a_made_up_authorization_header_does_not_skip_csrf(app, browser_factory):
    b = browser_factory("mo1_operator")
    for header in ("Bearer not-a-token", "Bearer sst_not-a-key", "Basic Zm9vOmJhcg=="):
        resp = b.client.post(
            "/api/v1/mis/files/",
            headers={"Authorization": header},
            data={"archives": []},
            content_type="multipart/form-data",
        )
        assert resp.status_code in (400, 401), (header, resp.status_code)
        assert resp.status_code == 401 or "CSRF" in resp.get_json()["message"], (header, resp.get_json())


def test_no_demo_data_in_production_without_force(app, monkeypatch):
    monkeypatch.setitem(app.config, "PRODUCTION", True)
    result = app.test_cli_runner().invoke(args=["oms", "init-demo"])
    assert result.exit_code != 0 and "--force" in result.output
