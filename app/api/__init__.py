"""The REST API for a МИС (the hospital information system): ``/api/v1/mis/...``.

- :mod:`app.api.files` — upload archives, poll a file, its errors, its cases, the FLK_P protocol;
- :mod:`app.api.cases` — one case with the breakdown of its recalculated cost;
- :mod:`app.api.registries` — registries, status changes, documents;
- :mod:`app.services.accounts.api_keys`, :mod:`app.api.key_views`, :mod:`app.api.cli` — API keys (page «Ключи API»,
  ``oms api-key create|list|revoke``).

Documented by OpenAPI (``/api/v1/_openapi``, Swagger UI at ``/swagger/v1``); authenticated by an
API key or a JWT (``POST /api/v1/security/login``), see :mod:`app.api.base`.
"""

from __future__ import annotations


def register_api(appbuilder, admin_category: str) -> None:
    """Register the APIs, the page «Ключи API» (in ``admin_category``) and ``oms api-key``."""
    from flask_babel import lazy_gettext as _l

    from app.api.cases import MisCaseApi
    from app.api.files import MisFileApi
    from app.api.key_views import ApiKeyView
    from app.api.registries import MisRegistryApi

    for api in (MisFileApi, MisCaseApi, MisRegistryApi):
        _share_page_permissions(appbuilder, appbuilder.add_api(api))
    appbuilder.add_view(ApiKeyView, "API keys", label=_l("API keys"), icon="fa-key", category=admin_category)
    _limit_api_login(appbuilder)
    _token_errors_are_401(appbuilder)


def _share_page_permissions(appbuilder, api) -> None:
    """The APIs use the pages' resources (``UploadedFile``, ``Registry``) with ``can_read`` /
    ``can_write``.  Flask-AppBuilder's permission sync removes from a resource every permission
    the view being synced does not list, so the API lists the pages' own ones too (it never
    checks them): otherwise each ``oms sync-roles`` would try to delete the pages' permissions."""
    shared = {
        perm
        for view in appbuilder.baseviews
        if view is not api and getattr(view, "class_permission_name", None) == api.class_permission_name
        for perm in (getattr(view, "base_permissions", None) or ())
    }
    api.base_permissions = sorted(set(api.base_permissions) | shared)


def _limit_api_login(appbuilder) -> None:
    """The JWT login (``POST /api/v1/security/login``) is a login: the same rate limit per address
    as the login form (``AUTH_RATE_LIMIT``); Flask-AppBuilder limits only the form."""
    from flask_appbuilder.security.api import SecurityApi

    sm = appbuilder.sm
    if not sm.is_auth_limited:
        return
    for view in appbuilder.baseviews:
        if isinstance(view, SecurityApi) and getattr(view, "blueprint", None) is not None:
            sm.limiter.limit(sm.auth_rate_limit, methods=["POST"])(view.blueprint)


def _token_errors_are_401(appbuilder) -> None:
    """A missing, malformed, forged or expired JWT answers 401 with the API's Russian message
    (RFC 6750 «invalid_token»; Flask-JWT-Extended would answer 422 to a malformed one)."""
    from flask import jsonify

    from app.api.base import NOT_AUTHORIZED

    def answer(*_args):
        return jsonify(message=NOT_AUTHORIZED), 401

    jwt = appbuilder.sm.jwt_manager
    jwt.unauthorized_loader(answer)
    jwt.invalid_token_loader(answer)
    jwt.expired_token_loader(answer)
