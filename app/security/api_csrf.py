"""CSRF for the REST APIs, one rule: a write made with the browser session needs the CSRF token
in the ``X-CSRFToken`` header, like the forms.  A JWT or API key in the ``Authorization`` header
cannot be sent by another site, so those calls need none."""
from __future__ import annotations

from typing import Optional

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

CSRF_MISSING = "Запрос из браузера без токена CSRF (заголовок X-CSRFToken)"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_write_refusal() -> Optional[str]:
    """The reason to refuse this request, or None when it may go on."""
    if request.method in SAFE_METHODS or request.headers.get("Authorization"):
        return None
    if getattr(g, "_api_key_user", False) or not current_user.is_authenticated:
        return None                     # not the session: protect() decides (401 without credentials)
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
    except (CSRFError, ValidationError):
        return CSRF_MISSING
    return None
