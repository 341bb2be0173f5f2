"""The common base of the МИС REST API.

Authentication (Flask-AppBuilder's ``protect()``): an API key (``Authorization: Bearer sst_…``,
checked first), a JWT from ``POST /api/v1/security/login`` (``Authorization: Bearer <token>``),
or the browser session.  A wrong, expired or revoked key, a bad token or none answer 401.

Authorisation is the pages' own: each API names the pages' resource (``UploadedFile``,
``Registry``) and maps its methods to ``read`` / ``write``, so a role that may not read the page
gets 403 for every call, whatever the id.  Rows go through :class:`app.security.scope.Scope` of
the authenticated login: a row of another МО, of an СМО that is not the payer or of another
subdivision answers 404 exactly like an id that does not exist.

With the browser session (and only then), writes need the CSRF token in the ``X-CSRFToken``
header like the forms; a token or key in the ``Authorization`` header cannot be sent by another
site, so those calls need none.
"""
from __future__ import annotations

import os

from flask import after_this_request, request, send_file
from flask_appbuilder.api import BaseApi

from app.models.user import OmsUser
from app.security.api_csrf import session_write_refusal
from app.security.request_scope import request_user

NOT_AUTHORIZED = "Нет доступа: неверный, просроченный или отозванный ключ API или токен"
FORBIDDEN = "Недостаточно прав для этого действия"

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class MisApi(BaseApi):
    """Base of the МИС APIs: JSON in Russian, money as decimal strings, rows in the user's scope."""

    version = "v1"
    allow_browser_login = True
    base_permissions = ["can_read", "can_write"]
    openapi_spec_tag = "МИС"

    # -- answers --------------------------------------------------------------------------------------
    def response_401(self):
        return self.response(401, message=NOT_AUTHORIZED)

    def response_403(self):
        return self.response(403, message=FORBIDDEN)

    def not_found(self, message: str):
        return self.response(404, message=message)

    # -- who is calling -------------------------------------------------------------------------------
    def api_user(self) -> OmsUser:
        """The authenticated login as our user model (session, JWT or API key)."""
        return request_user()

    def csrf_refusal(self):
        """For writes: None when allowed, else the 400 answer (session calls without the token)."""
        reason = session_write_refusal()
        return None if reason is None else self.response(400, message=reason)

    # -- arguments ------------------------------------------------------------------------------------
    @staticmethod
    def paging() -> tuple[int, int]:
        """``page`` (from 0) and ``page_size`` (1…1000) of the query string."""
        def number(name, default):
            try:
                return int(request.args.get(name, default))
            except (TypeError, ValueError):
                return default
        page = max(0, number("page", 0))
        size = min(MAX_PAGE_SIZE, max(1, number("page_size", DEFAULT_PAGE_SIZE)))
        return page, size

    # -- files ----------------------------------------------------------------------------------------
    @staticmethod
    def send_temporary(path, download_name: str, mimetype: str):
        """Send a file made for this answer and remove it afterwards."""
        @after_this_request
        def _cleanup(response):
            try:
                os.unlink(path)
            except OSError:
                pass
            return response
        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name)

