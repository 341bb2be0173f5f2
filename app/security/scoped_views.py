"""Scoped base classes for views and REST APIs.

Every view or API over an organisation's rows derives from these, and nothing else is needed
for row scoping: lists, show/edit/delete, single actions (``/action/<name>/<pk>``), bulk actions
(``/action_post``), related dropdowns in add/edit forms and search dropdowns are restricted to
the user's scope (``app.security.scope``).  A row outside the scope answers 404; a method the
role may not use answers 403.  Writes stamp new rows with the user's organisation and refuse an
edit that would move a row out of the scope.
"""

from __future__ import annotations

from flask import abort
from flask_appbuilder import ModelRestApi, ModelView
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.exceptions import FABException
from sqlalchemy import inspect as sa_inspect

from app.errors import FORBIDDEN, MAX_OFFSET, NOT_FOUND, filter_value_problem
from app.security.api_csrf import session_write_refusal
from app.security.global_views import RowActions, orderable
from app.security.permissions import API_METHOD_PERMISSIONS, CRUD_METHODS, PERM_WRITE, view_method_permissions
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


class ScopedModelView(_ScopedMixin, RowActions, ModelView):
    """A CRUD view whose every route sees only the user's rows."""

    base_permissions = ["can_read", "can_write"]
    # generic CRUD routes this view offers; the others answer 403 and their buttons are hidden
    crud_methods: tuple[str, ...] = CRUD_METHODS

    def __init__(self, **kwargs):
        self._init_scope()
        model = self.datamodel.obj
        self.add_form_query_rel_fields = _scoped_relation_filters(model, self.add_form_query_rel_fields)
        self.edit_form_query_rel_fields = _scoped_relation_filters(model, self.edit_form_query_rel_fields)
        self.search_form_query_rel_fields = _scoped_relation_filters(model, self.search_form_query_rel_fields)
        self.method_permission_name = view_method_permissions(
            self.method_permission_name, self.crud_methods, type(self), self.read_actions
        )
        super().__init__(**kwargs)
        self.order_columns = orderable(self.datamodel, self.order_columns)

    # -- actions (RowActions): Flask-AppBuilder loads their rows without base_filters; RowActions
    # loads them through the view's base filters, the scope among them ---------------------------
    def get_action_permission_name(self, name: str) -> str:
        act = self.actions.get(name)
        if act is None:
            abort(404)
        perm = self.method_permission_name.get(act.func.__name__, PERM_WRITE)
        return PERMISSION_PREFIX + perm

    def _scoped_get(self, pk):
        """The row of the view's model with this id inside the user's scope, else 404."""
        return self._row_or_404(pk)


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

    # -- answers in Russian, like the МИС API -----------------------------------------------------
    def response_400(self, message: str = None):
        detail = f": {message}" if message else ""
        return self.response(400, message=f"Неверные параметры запроса{detail}")

    def response_401(self):
        return self.response(401, message="Нет доступа: войдите в систему или передайте действующий токен")

    def response_403(self):
        return self.response(403, message=FORBIDDEN)

    def response_404(self):
        return self.response(404, message=NOT_FOUND)

    def response_422(self, message: str = None):
        detail = f": {message}" if message else ""
        return self.response(422, message=f"Запись не может быть сохранена{detail}")

    def response_500(self, message: str = None):
        # the exception is logged by Flask-AppBuilder's @safe; its text stays in the log
        return self.response(500, message="Внутренняя ошибка сервера; она записана в журнал")

    # -- the list's arguments: values the database could not compare answer 400 ------------------
    def _handle_filters_args(self, rison_args):
        joined = super()._handle_filters_args(rison_args)
        for flt, value in self._filters.get_filters_values():
            problem = filter_value_problem(
                self.datamodel, flt.column_name, value, str(self.label_columns.get(flt.column_name, flt.column_name))
            )
            if problem:
                raise FABException(problem)
        return joined

    def _sanitize_page_args(self, page, page_size):
        page, page_size = super()._sanitize_page_args(page, page_size)
        if page is not None and page_size:
            page = min(max(0, page), MAX_OFFSET // page_size)  # no negative or overflowing OFFSET
        return page, page_size

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
