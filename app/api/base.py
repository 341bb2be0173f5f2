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

from app.errors import parse_page, parse_period
from app.models.user import OmsUser
from app.security.api_csrf import session_write_refusal
from app.security.request_scope import request_user
from app.services.intake.listing import BAD_PERIOD

NOT_AUTHORIZED = "Нет доступа: неверный, просроченный или отозванный ключ API или токен"
FORBIDDEN = "Недостаточно прав для этого действия"
BAD_ARGUMENTS = "Неверные параметры запроса"
SERVER_ERROR = "Внутренняя ошибка сервера; она записана в журнал"

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

    def response_400(self, message: str = None):
        return self.response(400, message=message or BAD_ARGUMENTS)

    def response_500(self, message: str = None):
        # Flask-AppBuilder's @safe logs the exception; its text stays in the log
        return self.response(500, message=SERVER_ERROR)

    def not_found(self, message: str):
        return self.response(404, message=message)

    # -- arguments every list reads, checked before a query sees them ----------------------------------
    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._refuse_bad_period)
        return blueprint

    def _refuse_bad_period(self):
        """``period`` of the lists: «ГГГГ-ММ»; a year of more digits than four would reach the query."""
        period = (request.args.get("period") or "").strip()
        if period and parse_period(period) is None:
            return self.response_400(message=BAD_PERIOD)
        return None

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
        """``page`` (from 0; past the last possible row: an empty page) and ``page_size`` (1…1000)
        of the query string; garbage is the default."""

        def number(name, default):
            try:
                return int(request.args.get(name, default))
            except (TypeError, ValueError):
                return default

        size = min(MAX_PAGE_SIZE, max(1, number("page_size", DEFAULT_PAGE_SIZE)))
        return parse_page(request.args.get("page"), size), size

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
