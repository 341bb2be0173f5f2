"""Base views for rows that belong to no organisation (reference books, control rules, the
fund's logs): permissions collapsed to read/write like the scoped views, no row scoping.

:class:`RowActions` redoes Flask-AppBuilder's action routes for every project view (the scoped
ones too): Flask-AppBuilder answers an unknown action with an ``AttributeError`` and hands the
action ``None`` for a row that does not exist.  :func:`orderable` keeps a list's sortable
columns to those SQL can sort by: Flask-AppBuilder offers a Python property (``period``,
``event_label``) or a computed cell (``documents``) too, and sorting by it fails.

Every list page of a :class:`RowActions` view offers «Выгрузить в Excel» (``/export.xlsx``, the
list's read permission: every row its filters, search and order select, in the user's scope —
:mod:`app.views.export`), and its bulk confirmations tell how many rows are chosen and, with
``confirm_sum_column``, their sum (templates/oms/widgets/list.html, static/oms-actions.js)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED, PERMISSION_PREFIX
from flask_login import current_user

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
    # the column whose raw value each row's checkbox carries (data-sum): the bulk confirmations
    # then say «Выбрано: N на сумму 1 234,56»; without it «Выбрано: N»
    confirm_sum_column: str | None = None

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

    def export_filter_notes(self) -> list[str]:
        """Conditions of the list beyond Flask-AppBuilder's filters (a view's own dropdowns), as
        «Столбец: значение», for the header of the Excel file."""
        return []

    def _list_permission(self) -> str:
        return PERMISSION_PREFIX + ((self.method_permission_name or {}).get("list") or "list")

    @expose("/export.xlsx")
    def export_xlsx(self):
        """The list as an XLSX file: every row of its current filters, search and order (at most
        100 000), in the user's scope; allowed to whoever may read the list."""
        from app.views.export import export_response

        if not current_user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login", next=request.url))
        permission = self._list_permission()
        if permission not in (self.base_permissions or ()) or not self.appbuilder.sm.has_access(
            permission, self.class_permission_name
        ):
            abort(403)
        return export_response(self)

    def _get_list_widget(self, filters, for_export: bool = False, **kwargs):
        widgets = super()._get_list_widget(filters, **kwargs)
        args = widgets["list"].template_args
        args["value_columns"] = rows = list(args["value_columns"])
        args["confirm_sum_column"] = self.confirm_sum_column
        if self.confirm_sum_column and not for_export:
            args["row_sums"] = self._row_sums(rows, list(args.get("pks") or []))
        return widgets

    def _row_sums(self, rows: list[dict], pks: list) -> list[str]:
        """The raw value of ``confirm_sum_column`` of each row of the page, as text («1234.56»)."""
        col, datamodel = self.confirm_sum_column, self.datamodel
        if rows and col in rows[0]:
            values = [r.get(col) for r in rows]
        else:  # not a list column: read it from the page's rows (already in the user's scope)
            pk_col = getattr(datamodel.obj, datamodel.get_pk_name())
            keys = [self._deserialize_pk_if_composite(pk) for pk in pks]
            items = datamodel.session.query(datamodel.obj).filter(pk_col.in_(keys)).all() if keys else []
            by_pk = {str(datamodel.get_pk_value(i)): datamodel._get_attr_value(i, col) for i in items}
            values = [by_pk.get(str(pk)) for pk in pks]
        return ["" if v is None else str(v) for v in values]


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
