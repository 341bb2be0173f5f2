"""Scoped base classes for views and REST APIs.

Every view or API over an organisation's rows derives from these, and nothing else is needed
for row scoping: lists, show/edit/delete, single actions (``/action/<name>/<pk>``), bulk actions
(``/action_post``), related dropdowns in add/edit forms and search dropdowns are restricted to
the user's scope (``app.security.scope``).  A row outside the scope answers 404; a method the
role may not use answers 403.  Writes stamp new rows with the user's organisation and refuse an
edit that would move a row out of the scope.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_appbuilder import ModelRestApi, ModelView, expose
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED, PERMISSION_PREFIX
from sqlalchemy import inspect as sa_inspect

from app.security.permissions import (API_METHOD_PERMISSIONS, CRUD_METHODS, PERM_WRITE,
                                      view_method_permissions)
from app.security.api_csrf import session_write_refusal
from app.security.request_scope import current_scope, scope_filter_spec
from app.security.scope import is_scoped

OUT_OF_SCOPE_MESSAGE = "Запись вне пределов вашей организации"


def _scoped_relation_filters(model, existing: dict | None) -> dict:
    """``{relation: [[id, ScopeFilter, None]]}`` for every relation to a scoped model."""
    filters = dict(existing or {})
    for rel in sa_inspect(model).relationships:
        if is_scoped(rel.mapper.class_) and rel.key not in filters:
            filters[rel.key] = scope_filter_spec()
    return filters


class _ScopedMixin:
    def _init_scope(self):
        model = self.datamodel.obj
        if not is_scoped(model):
            raise TypeError(f"{type(self).__name__}: model {model.__name__} declares no __scope__")
        self.base_filters = scope_filter_spec() + list(self.base_filters or [])

    # -- writes ---------------------------------------------------------------------------------
    def pre_add(self, item):
        current_scope().assign(item)
        if not current_scope().allows(item):
            raise ValueError(OUT_OF_SCOPE_MESSAGE)

    def pre_update(self, item):
        if not current_scope().allows(item):
            raise ValueError(OUT_OF_SCOPE_MESSAGE)


class ScopedModelView(_ScopedMixin, ModelView):
    """A CRUD view whose every route sees only the user's rows."""

    base_permissions = ["can_read", "can_write"]
    read_actions: tuple[str, ...] = ()     # actions that only read (downloads, reports)
    # generic CRUD routes this view offers; the others answer 403 and their buttons are hidden
    crud_methods: tuple[str, ...] = CRUD_METHODS

    def __init__(self, **kwargs):
        self._init_scope()
        model = self.datamodel.obj
        self.add_form_query_rel_fields = _scoped_relation_filters(model, self.add_form_query_rel_fields)
        self.edit_form_query_rel_fields = _scoped_relation_filters(model, self.edit_form_query_rel_fields)
        self.search_form_query_rel_fields = _scoped_relation_filters(model, self.search_form_query_rel_fields)
        self.method_permission_name = view_method_permissions(self.method_permission_name, self.crud_methods,
                                                              type(self), self.read_actions)
        super().__init__(**kwargs)

    # -- actions: Flask-AppBuilder loads these rows without base_filters, so they are redone here --
    def _action_allowed(self, name: str) -> bool:
        perm = self.get_action_permission_name(name)
        return self.appbuilder.sm.has_access(perm, self.class_permission_name)

    def get_action_permission_name(self, name: str) -> str:
        act = self.actions.get(name)
        if act is None:
            abort(404)
        perm = self.method_permission_name.get(act.func.__name__, PERM_WRITE)
        return PERMISSION_PREFIX + perm

    def _scoped_get(self, pk):
        item = self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions:
            abort(404)
        if not self.is_get_mutation_allowed() and name not in self.read_actions:
            flash(as_unicode(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            return redirect(self.get_redirect())
        if not self._action_allowed(name):
            abort(403)
        item = self._scoped_get(pk)
        return self.actions[name].func(item)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        if not self._action_allowed(name):
            abort(403)
        pks = request.form.getlist("rowid")
        items = [self._scoped_get(pk) for pk in pks]   # one foreign id refuses the whole batch
        return self.actions[name].func(items)


class ScopedReadOnlyView(ScopedModelView):
    """A scoped list/show view without add, edit or delete."""

    base_permissions = ["can_read"]


class ScopedModelRestApi(_ScopedMixin, ModelRestApi):
    """A REST API over the user's rows only (``/api/v1/<resource>/``).

    Authenticated by a token (JWT or API key) or by the browser session; with the session,
    writes need the CSRF token (header ``X-CSRFToken``) like the forms."""

    base_permissions = ["can_read", "can_write"]
    allow_browser_login = True

    def __init__(self):
        self._init_scope()
        model = self.datamodel.obj
        self.add_query_rel_fields = _scoped_relation_filters(model, self.add_query_rel_fields)
        self.edit_query_rel_fields = _scoped_relation_filters(model, self.edit_query_rel_fields)
        self.method_permission_name = {**API_METHOD_PERMISSIONS, **(self.method_permission_name or {})}
        super().__init__()

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._csrf_of_session_writes)
        return blueprint

    def _csrf_of_session_writes(self):
        reason = session_write_refusal()
        return None if reason is None else self.response(400, message=reason)

    def pre_add(self, item):
        try:
            super().pre_add(item)
        except ValueError:
            abort(403)

    def pre_update(self, item):
        try:
            super().pre_update(item)
        except ValueError:
            abort(403)


class ScopedReadOnlyApi(ScopedModelRestApi):
    base_permissions = ["can_read"]
    include_route_methods = {"get", "get_list", "info"}
