"""The scope of the request's login, the list filter of the scoped views, and the one scoped lookup
of a row by its id (:func:`get_scoped`) that every service, view, API and command uses."""

from __future__ import annotations

from typing import Optional, TypeVar

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.extensions import db
from app.security.scope import Scope

T = TypeVar("T")
NOT_FOUND = "Запись не найдена"


def not_found_message(model) -> str:
    """What a user reads when a row of ``model`` does not exist or is outside their scope (the
    same words either way): the model's ``__not_found__``, else a generic text."""
    return getattr(model, "__not_found__", NOT_FOUND)


def get_scoped(user, model: type[T], row_id, *, lock: bool = False) -> Optional[T]:
    """The row of ``model`` with this primary key if ``user`` may see it, else None (a row of
    another organisation is as absent as one that does not exist).  ``lock``: SELECT … FOR UPDATE."""
    try:
        row_id = int(row_id)
    except (TypeError, ValueError):
        return None
    if not -(2**63) < row_id < 2**63:
        return None
    pk = sa_inspect(model).primary_key[0]
    q = select(model).where(pk == row_id, Scope.of(user).clause(model))
    if lock:
        q = q.with_for_update()
    return db.session.execute(q).scalar_one_or_none()


def request_user():
    """The login of this request — by the browser session, a JWT or an API key — as our user
    model (an API key's user comes as Flask-AppBuilder's plain ``User``), or None."""
    from flask import current_app, g
    from flask_login import current_user

    if current_user.is_authenticated and not getattr(g, "_api_key_user", False):
        return current_user
    try:
        user = current_app.appbuilder.sm.current_user
    except Exception:  # no JWT in the request: flask_jwt_extended raises on lookup
        user = None
    if user is None or getattr(user, "id", None) is None:
        return None
    from app.models.user import OmsUser

    return user if isinstance(user, OmsUser) else db.session.get(OmsUser, int(user.id))


def current_scope() -> Scope:
    """The scope of the request's user (or of nobody outside a request)."""
    from flask import g, has_request_context

    if has_request_context():
        cached = getattr(g, "_oms_scope", None)
        if cached is None:
            with db.session.no_autoflush:  # may run while a new row is half-built (pre_add)
                cached = Scope.of(request_user())
            g._oms_scope = cached
        return cached
    return Scope(None, None, None)


class ScopeFilter(BaseFilter):
    """Flask-AppBuilder filter restricting a query to the current user's scope.

    Used as a base filter (``[["id", ScopeFilter, None]]``) and in related/search dropdowns.
    """

    name = "В пределах организации"
    arg_name = None

    def apply(self, query, value):
        return query.filter(current_scope().clause(self.model))


def scope_filter_spec() -> list:
    return [["id", ScopeFilter, None]]
