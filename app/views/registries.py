"""«Текущие реестры» (linked filters, status changes one by one or in bulk, documents, the payer's
МЭК results, «Повторить») and «Закрытые реестры» (the last 12 months, columns the user adds).
Thin: the rules are in :mod:`app.services.registries`."""

from __future__ import annotations

import datetime as dt
import io

from flask import abort, flash, g, has_request_context, redirect, request, send_file, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core.formatting import format_datetime, format_money
from app.core.outcome import Outcome
from app.errors import query_safe
from app.models.registry import Registry
from app.models.vocabulary import RegistryStatus, Resource
from app.security.scoped_views import ScopedModelView
from app.services.accounts import preferences
from app.services.registries import mek_results, overview, queries, workflow
from app.services.registries.documents import documents_of
from app.services.signing import registry_signing
from app.views.formatting import link, row_aware, text
from app.views.widgets import OmsListWidget


def _flash_all(outcomes: list[Outcome]) -> None:
    for result in outcomes:
        flash(result.message, "success" if result.ok else "danger")


def _row(pk) -> overview.RowActions | None:
    """The actions of a row of the page being shown (computed once for the page)."""
    return getattr(g, "_registry_rows", {}).get(int(pk))


@row_aware
def _documents_cell(item, pk):
    return link(url_for("RegistryView.documents_page", pk=pk), Markup('<i class="fa fa-file-text-o"></i>'))


@row_aware
def _mek_refused_cell(item, pk):
    return link(url_for("RegistryView.documents_page", pk=pk) + "#refusals", item["mek_refused"])


@row_aware
def _status_cell(item, pk):
    row = _row(pk)
    cell = text(item["status"])
    if row is not None and row.error:
        cell += Markup('<br><small class="text-danger">{}</small>').format(row.error[:300])
    return cell


@row_aware
def _actions_cell(item, pk):
    """The status dropdown with the transitions this user may make now, the signing icon when it
    is the user's turn, «Повторить» after a failed documents job."""
    row = _row(pk)
    if row is None:
        return ""
    html = Markup("")
    if row.targets:
        options = Markup("").join(Markup('<option value="{0}">{0}</option>').format(t) for t in row.targets)
        html += Markup(
            '<form method="post" action="{url}" class="form-inline registry-status">'
            '<input type="hidden" name="csrf_token" value="{csrf}">'
            '<input type="hidden" name="expected" value="{status}">'
            '<select name="target" class="form-control input-sm">{options}</select> '
            '<input type="text" name="comment" class="form-control input-sm" placeholder="{hint}" style="width:9em"> '
            '<button type="submit" class="btn btn-primary btn-sm">OK</button></form>'
        ).format(
            url=url_for("RegistryView.status", pk=pk),
            csrf=generate_csrf(),
            status=row.status,
            options=options,
            hint="комментарий",
        )
    if row.can_sign:
        html += Markup(
            '<a class="btn btn-success btn-sm sign-registry" href="{}" title="{}">'
            '<i class="fa fa-pencil-square-o"></i> {}</a>'
        ).format(url_for("RegistrySigningView.page", pk=pk), _l("Sign"), _l("Sign"))
    if row.can_retry:
        html += Markup(
            '<form method="post" action="{}"><input type="hidden" name="csrf_token" value="{}">'
            '<button class="btn btn-warning btn-sm">Повторить</button></form>'
        ).format(url_for("RegistryView.retry", pk=pk), generate_csrf())
    return html


class _ClauseFilter(BaseFilter):
    """A list filter whose value is a SQL condition made by a service."""

    name = "clause"
    arg_name = None

    def apply(self, query, value):
        return query.filter(value)


class RegistryView(ScopedModelView):
    """«Текущие реестры»: every registry not yet «Закрыт», with the linked dropdowns of
    «Формирование» (period, status, type, subtype, payer, subdivision)."""

    base_filters = [["status", FilterNotEqual, RegistryStatus.CLOSED]]
    route_base = "/registries"
    list_template = "oms/registry_list.html"
    linked_filters = True  # the linked dropdowns of queries.LINKED (else: FAB's search)
    datamodel = SQLAInterface(Registry)
    class_permission_name = Resource.REGISTRY
    list_widget = OmsListWidget
    crud_methods = ()
    list_title = _l("Current registries")
    show_title = _l("Registry")
    show_columns = [
        "number",
        "period",
        "reg_type",
        "subtype",
        "subdivision",
        "organisation",
        "payer",
        "status",
        "cases",
        "sum_declared",
        "sum_calc",
        "created_by",
        "created_at",
        "changed_at",
    ]
    search_columns = ["year", "month", "status", "reg_type", "subtype", "payer", "subdivision"]
    base_order = ("id", "desc")
    formatters_columns = {
        "sum_declared": format_money,
        "sum_calc": format_money,
        "created_at": format_datetime,
        "changed_at": format_datetime,
    }
    label_columns = {
        "number": _l("Number"),
        "period": _l("Period"),
        "reg_type": _l("Registry type"),
        "subtype": _l("Subtype"),
        "subdivision": _l("Subdivision"),
        "organisation": _l("MO"),
        "payer": _l("Payer"),
        "status": _l("Status"),
        "cases": _l("Cases"),
        "sum_declared": _l("Declared sum"),
        "sum_calc": _l("Sum to pay"),
        "created_by": _l("Created by"),
        "created_at": _l("Created at"),
        "changed_at": _l("Changed at"),
        "year": _l("Year"),
        "month": _l("Month"),
    }

    list_columns = [
        "number",
        "period",
        "reg_type",
        "subtype",
        "subdivision",
        "payer",
        "status",
        "cases",
        "sum_declared",
        "sum_calc",
        "mek_refused",
        "documents",
        "actions_cell",
    ]
    method_permission_name = {
        "status": "write",
        "documents_page": "read",
        "document": "read",
        "documents_zip": "read",
        "retry": "write",
        "mek_upload": "write",
    }

    def __init__(self, **kwargs):
        self.formatters_columns = {
            **self.formatters_columns,
            "documents": _documents_cell,
            "actions_cell": _actions_cell,
            "status": _status_cell,
            "mek_refused": _mek_refused_cell,
        }
        self.label_columns = {
            **self.label_columns,
            "documents": _l("Documents"),
            "actions_cell": _l("Action"),
            "mek_refused": _l("Closed cases removed on MEK"),
        }
        super().__init__(**kwargs)

    def _linked(self) -> dict:
        if not self.linked_filters:
            return {}
        return query_safe(queries.LINKED.read(request.args), ids=("payer_id", "subdivision_id"), periods=("period",))

    def _get_list_widget(self, filters, **kwargs):
        chosen = self._linked()
        if any(chosen.values()):
            filters = filters.copy()
            filters.add_filter("id", _ClauseFilter, queries.filter_clause(chosen))
        widget = super()._get_list_widget(filters, **kwargs)
        g._registry_rows = overview.row_actions(g.user, list(widget["list"].template_args.get("pks") or []))
        return widget

    def render_template(self, template, **kwargs):
        if template == RegistryView.list_template:
            chosen = self._linked()
            kwargs.update(linked=chosen, linked_options=queries.filter_options(g.user, chosen))
        return super().render_template(template, **kwargs)

    @expose("/status/<int:pk>", methods=["POST"])
    @has_access
    def status(self, pk):
        self._scoped_get(pk)  # 404 outside the scope, like every route
        result = workflow.change_status(
            g.user, pk, request.form.get("target", ""), request.form.get("comment"), request.form.get("expected")
        )
        flash(result.message, "success" if result.ok else "danger")
        return redirect(request.referrer or url_for("RegistryView.list"))

    @expose("/mek/<int:pk>", methods=["POST"])
    @has_access
    def mek_upload(self, pk):
        self._scoped_get(pk)
        upload = request.files.get("results")
        if upload is None or not upload.filename:
            flash(str(_l("Choose the MEK results file")), "warning")
            return redirect(url_for("RegistryView.documents_page", pk=pk))
        result = mek_results.load_results_upload(g.user, pk, upload.stream)
        flash(
            result.message + ("" if result.ok else ": " + "; ".join((result.reasons or [])[:10])),
            "success" if result.ok else "danger",
        )
        return redirect(url_for("RegistryView.documents_page", pk=pk))

    @expose("/retry/<int:pk>", methods=["POST"])
    @has_access
    def retry(self, pk):
        self._scoped_get(pk)
        result = workflow.retry_documents(g.user, pk)
        flash(result.message, "success" if result.ok else "danger")
        return redirect(url_for("RegistryView.list"))

    @expose("/documents/<int:pk>")
    @has_access
    def documents_page(self, pk):
        page = overview.registry_overview(g.user, pk)
        if page is None:
            abort(404)
        return self.render_template(
            "oms/registry_documents.html",
            reg=page.registry,
            refusals=page.refusals,
            can_load=page.can_load_results and self.appbuilder.sm.has_access("can_write", self.class_permission_name),
            docs=page.documents,
            history=page.history,
            checks=page.checks,
            title=_l("Registry %(n)s", n=page.registry.number),
        )

    @expose("/documents/<int:pk>/<int:doc_id>")
    @has_access
    def document(self, pk, doc_id):
        reg = self._scoped_get(pk)
        doc = next((d for d in documents_of(reg.id) if d.id == doc_id), None)
        if doc is None:
            abort(404)
        return send_file(doc.path, as_attachment=True, download_name=doc.file_name)

    @expose("/documents/<int:pk>.zip")
    @has_access
    def documents_zip(self, pk):
        reg = self._scoped_get(pk)
        buffer = io.BytesIO()
        registry_signing.write_documents_zip(reg.id, buffer)  # with the signatures (.sig) made so far
        buffer.seek(0)
        return send_file(
            buffer, as_attachment=True, download_name=f"Реестр_{reg.number}.zip", mimetype="application/zip"
        )

    def _ids(self, items) -> list[int]:
        return [r.id for r in (items if isinstance(items, list) else [items])]

    def _bulk_status(self, items, target: str):
        """The common dropdown of the action panel: several registries in the same status at once."""
        _flash_all(workflow.change_statuses(g.user, self._ids(items), target))
        return redirect(url_for("RegistryView.list"))

    @action("to_sent", "→ Отправлен", None, "fa-paper-plane")
    def to_sent(self, items):
        return self._bulk_status(items, RegistryStatus.SENT)

    @action("to_taken", "→ Выгружен", None, "fa-download")
    def to_taken(self, items):
        return self._bulk_status(items, RegistryStatus.TAKEN)

    @action("to_mo_signing", "→ На подпись МО", None, "fa-pencil")
    def to_mo_signing(self, items):
        return self._bulk_status(items, RegistryStatus.MO_SIGNING)

    @action(
        "delete_registry",
        _l("Delete"),
        _l("Delete the selected registries? Their cases return to «Принят»."),
        "fa-trash",
    )
    def delete_registry(self, items):
        _flash_all(queries.delete_registries(g.user, self._ids(items)))
        return redirect(url_for("RegistryView.list"))


CLOSED_BASE_COLUMNS = ["number", "period", "reg_type", "subtype", "payer", "status", "cases", "sum_calc", "changed_at"]
CLOSED_OPTIONAL_COLUMNS = ["documents", "subdivision", "sum_declared", "created_by", "created_at"]
PREF_CLOSED_COLUMNS = "closed_registries.columns"


class ClosedRegistryView(RegistryView):
    """«Закрытые реестры»: the filter starts at the last 12 months; «Добавить столбец» adds columns
    (among them «Документы»), remembered for the user."""

    route_base = "/closed-registries"
    list_title = _l("Closed registries")
    base_filters = [["status", FilterEqual, RegistryStatus.CLOSED]]
    list_template = "oms/closed_registries.html"
    linked_filters = False
    search_columns = ["changed_at", "year", "month", "reg_type", "subtype", "payer", "subdivision"]
    method_permission_name = {**RegistryView.method_permission_name, "columns": "read"}

    @property
    def list_columns(self):
        if not has_request_context() or not getattr(g, "user", None) or not g.user.is_authenticated:
            return CLOSED_BASE_COLUMNS + CLOSED_OPTIONAL_COLUMNS
        chosen = preferences.get(g.user, PREF_CLOSED_COLUMNS) or []
        return CLOSED_BASE_COLUMNS + [c for c in CLOSED_OPTIONAL_COLUMNS if c in chosen]

    @list_columns.setter
    def list_columns(self, value):
        pass

    @expose("/list/")
    @has_access
    def list(self):
        if not any(k.startswith("_flt_") for k in request.args):
            since = (dt.date.today() - dt.timedelta(days=365)).isoformat()
            return redirect(url_for("ClosedRegistryView.list", _flt_1_changed_at=since))
        return super().list()

    @expose("/columns", methods=["POST"])
    @has_access
    def columns(self):
        chosen = [c for c in request.form.getlist("column") if c in CLOSED_OPTIONAL_COLUMNS]
        preferences.put(g.user, PREF_CLOSED_COLUMNS, chosen)
        return redirect(request.referrer or url_for("ClosedRegistryView.list"))

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs["optional_columns"] = [(c, self.label_columns.get(c, c)) for c in CLOSED_OPTIONAL_COLUMNS]
            kwargs["chosen_columns"] = preferences.get(g.user, PREF_CLOSED_COLUMNS) or []
        return super().render_template(template, **kwargs)
