"""The generic scoped APIs (/api/v1/organisation, /api/v1/subdivision) with an API key or a JWT
see the caller's rows (the scope follows the token's login, not only the browser session), and a
write made with the browser session needs the CSRF token."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.organisation import Subdivision
from tests.api.helpers import Api


@pytest.mark.parametrize("kind", ["key", "jwt"])
def test_token_calls_see_their_own_rows_only(app, browser_factory, kind):
    api = Api.by(kind, app, browser_factory, "mo1_operator")
    resp = api.get("/api/v1/organisation/")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    codes = {row["code"] for row in resp.get_json()["result"]}
    assert codes == {"140001"}
    subs = {row["code"] for row in api.get("/api/v1/subdivision/").get_json()["result"]}
    assert "140011" in subs and all(code.startswith("1400") for code in subs)
    smo = Api.by(kind, app, browser_factory, "smo1_specialist")
    assert {row["code"] for row in smo.get("/api/v1/organisation/").get_json()["result"]} == {"14001"}


def test_session_writes_need_the_csrf_token(app, browser_factory):
    admin = browser_factory("tfoms_admin")
    with app.app_context():
        from tests.factories import org_by_code

        mo_id = org_by_code("140002").id
    body = {"organisation": mo_id, "code": "149901", "name": "Подразделение через API"}
    refused = admin.client.post("/api/v1/subdivision/", json=body)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    with app.app_context():
        assert db.session.query(Subdivision).filter_by(code="149901").count() == 0
    admin.fetch_csrf("/subdivisionview/list/")
    done = admin.client.post("/api/v1/subdivision/", json=body, headers={"X-CSRFToken": admin.csrf})
    assert done.status_code == 201, done.get_data(as_text=True)
    keyed = Api.by("key", app, browser_factory, "tfoms_admin")
    assert keyed.post("/api/v1/subdivision/", json={**body, "code": "149902"}).status_code == 201
