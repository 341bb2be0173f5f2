"""Calling the МИС REST API in tests: a client with an API key or a JWT in the Authorization
header, as a МИС would.  Requests run outside any app context (see tests/conftest.py)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Optional

FILES = "/api/v1/mis/files"
CASES = "/api/v1/mis/cases"
REGISTRIES = "/api/v1/mis/registries"
OPENAPI = "/api/v1/_openapi"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026")


def new_key(app, username: str, name: str = "МИС (тест)") -> str:
    """A fresh API key of the login (made through the service, in its own app context)."""
    from app.extensions import db
    from app.models.user import OmsUser
    from app.services.accounts.api_keys import create_key

    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username=username).one()
        return create_key(user, name)["key"]


class Api:
    """A test client that authenticates every call with ``Authorization: Bearer <token>``."""

    def __init__(self, browser, token: Optional[str]):
        self.client = browser.client  # its own remote address (login rate limit)
        self.token = token

    @classmethod
    def with_key(cls, app, browser_factory, username: str) -> "Api":
        return cls(browser_factory(), new_key(app, username))

    @classmethod
    def with_jwt(cls, browser_factory, username: str, password: str = DEMO_PASSWORD) -> "Api":
        browser = browser_factory()
        resp = browser.client.post(
            "/api/v1/security/login", json={"username": username, "password": password, "provider": "db"}
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)
        token = resp.get_json()["access_token"]
        assert token and not token.startswith("sst_")
        return cls(browser, token)

    @classmethod
    def by(cls, kind: str, app, browser_factory, username: str, password: str = DEMO_PASSWORD) -> "Api":
        if kind == "key":
            return cls.with_key(app, browser_factory, username)
        return cls.with_jwt(browser_factory, username, password)

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(), **kw)

    def upload(self, *paths: Path):
        data = {"archives": [(io.BytesIO(Path(p).read_bytes()), Path(p).name) for p in paths]}
        return self.client.post(f"{FILES}/", data=data, content_type="multipart/form-data", headers=self._headers())


def fetch_spec(app, browser_factory, username: str = "mo1_operator") -> dict:
    """The OpenAPI document as a МИС fetches it (with an API key of the login)."""
    resp = Api.with_key(app, browser_factory, username).get(OPENAPI)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()
