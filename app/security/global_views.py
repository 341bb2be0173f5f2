"""Base views for rows that belong to no organisation (reference books, control rules, the
fund's logs): permissions collapsed to read/write like the scoped views, no row scoping.

:class:`RowActions` redoes Flask-AppBuilder's action routes for every project view (the scoped
ones too): Flask-AppBuilder answers an unknown action with an ``AttributeError`` and hands the
action ``None`` for a row that does not exist.  :func:`orderable` keeps a list's sortable
columns to those SQL can sort by: Flask-AppBuilder offers a Python property (``period``,
``event_label``) or a computed cell (``documents``) too, and sorting by it fails."""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_appbuilder import ModelView, expose
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED

from app.security.permissions import CRUD_METHODS, view_method_permissions


def orderable(datamodel, columns) -> list[str]:
    """The columns of ``columns`` a query can sort by: the model's columns, a relation's column
    (``payer.code``), a method marked with Flask-AppBuilder's ``@renders``."""
    keep = []
    for col in columns or ():
        attribute = getattr(datamodel.obj, col, None)
        if col in datamodel.list_columns or "." in col or hasattr(attribute, "_col_name"):
            keep.append(col)
    return keep


class RowActions:
    """``/action/<name>/<pk>`` and ``/action_post``: an unknown action, or a row that does not
    exist or that the view's base filters leave out (another organisation's, for the scoped
    views), answers 404 — one such row in a bulk action refuses the whole batch; an action the
    role may not use answers 403; a changing action by GET is refused, as Flask-AppBuilder does
    (only ``read_actions`` may be links).  Put it before ``ModelView`` in the bases."""

    read_actions: tuple[str, ...] = ()  # actions that only read (downloads, reports)

    def _action_allowed(self, name: str) -> bool:
        return self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name)

    def _row_or_404(self, pk):
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
        return self.actions[name].func(self._row_or_404(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        if not self._action_allowed(name):
            abort(403)
        items = [self._row_or_404(pk) for pk in request.form.getlist("rowid")]
        return self.actions[name].func(items)


class GlobalModelView(RowActions, ModelView):
    base_permissions = ["can_read", "can_write"]
    crud_methods: tuple[str, ...] = CRUD_METHODS

    def __init__(self, **kwargs):
        self.method_permission_name = view_method_permissions(
            self.method_permission_name, self.crud_methods, type(self)
        )
        super().__init__(**kwargs)
        self.order_columns = orderable(self.datamodel, self.order_columns)


class GlobalReadOnlyView(GlobalModelView):
    base_permissions = ["can_read"]
    crud_methods = ()
