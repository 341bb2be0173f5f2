"""CSRF for the REST APIs, one rule: a write made with the browser session needs the CSRF token
in the ``X-CSRFToken`` header, like the forms.  A call authenticated by a JWT or an API key in the
``Authorization`` header needs none (another site cannot send that header with the user's
credential) — but only when that credential does authenticate: a made-up header beside a session
cookie is a session call and needs the token."""

from __future__ import annotations

from typing import Optional

from flask import current_app, request
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

CSRF_MISSING = "Запрос из браузера без токена CSRF (заголовок X-CSRFToken)"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticated_by_header() -> bool:
    """Whether the ``Authorization`` header holds an API key or a JWT that authenticates."""
    header = request.headers.get("Authorization") or ""
    if not header.lower().startswith("bearer "):
        return False
    sm = current_app.appbuilder.sm
    key = sm.extract_api_key_from_request()
    if key is not None:
        return sm.validate_api_key(key) is not None
    try:
        verify_jwt_in_request()
    except Exception:  # noqa: BLE001 — any invalid, expired or foreign token
        return False
    return True


def session_write_refusal() -> Optional[str]:
    """The reason to refuse this request, or None when it may go on."""
    if request.method in SAFE_METHODS or authenticated_by_header():
        return None
    if not current_user.is_authenticated:
        return None  # not the session: protect() decides (401 without credentials)
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
    except (CSRFError, ValidationError):
        return CSRF_MISSING
    return None
