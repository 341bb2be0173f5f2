"""«Текущие реестры» (linked filters, status changes one by one or in bulk — each confirmed with the
registries' number and sum, the bulk menu offering only what the chosen rows allow —, documents,
the payer's МЭК results, «Повторить»), a registry's cases, the printable documents, and «Закрытые
реестры» (the same filter panel, from 12 months back by default; columns the user adds).
Thin: the rules are in :mod:`app.services.registries`."""

from __future__ import annotations

import datetime as dt
import io
import json

from flask import abort, flash, g, has_request_context, redirect, render_template, request, send_file, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core.formatting import format_date, format_datetime, format_money, format_period
from app.core.outcome import Outcome
from app.core.withheld import Withheld
from app.errors import parse_page, query_safe
from app.models.registry import Registry
from app.models.vocabulary import OrgKind, RegistryStatus, Resource
from app.security.request_scope import not_found_message
from app.security.scoped_views import ScopedModelView
from app.services.accounts import preferences
from app.services.registries import cases, mek_results, overview, printing, queries, timeline, workflow
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


#: the bulk actions of the action panel, by the status they move the registries to
BULK_ACTIONS = {
    RegistryStatus.SENT: "to_sent",
    RegistryStatus.TAKEN: "to_taken",
    RegistryStatus.MO_SIGNING: "to_mo_signing",
}
DELETE_ACTION = "delete_registry"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bulk_actions_of(row: overview.RowActions) -> list[str]:
    """The bulk actions the user may take on this row now (the menu offers what every chosen row allows)."""
    names = [BULK_ACTIONS[t] for t in row.targets if t in BULK_ACTIONS and t not in row.needs_comment]
    return names + ([DELETE_ACTION] if row.can_delete else [])


@row_aware
def _number_cell(item, pk):
    return Markup('<a class="oms-nowrap" href="{}" title="Карточка реестра">{}</a>').format(
        url_for("RegistryView.documents_page", pk=pk), item["number"]
    )


@row_aware
def _type_cell(item, pk):
    row = _row(pk)
    if row is None or not row.subtype:
        return text(item["reg_type"])
    return Markup('<span class="oms-nowrap">{} · {}</span>').format(item["reg_type"], row.subtype)


@row_aware
def _documents_cell(item, pk):
    return Markup(
        '<span class="oms-nowrap"><a href="{}" title="Документы"><i class="fa fa-file-text-o"></i></a> '
        '<a href="{}" title="Случаи реестра" class="registry-cases"><i class="fa fa-list"></i></a> '
        '<a href="{}" title="Хронология" class="registry-timeline"><i class="fa fa-clock-o"></i></a></span>'
    ).format(
        url_for("RegistryView.documents_page", pk=pk),
        url_for("RegistryView.cases_page", pk=pk),
        url_for("RegistryView.timeline_page", pk=pk),
    )


def withheld_text(w: Withheld) -> Markup:
    """«Снято по МЭК» of a registry: the sum, then the fully refused and the partly paid cases."""
    if not w.count:
        return Markup('<span class="oms-nowrap">0,00</span>')
    parts = []
    if w.refused:
        parts.append(f"отказ {w.refused}")
    if w.partial:
        parts.append(f"частично {w.partial}")
    title = (
        f"Отказано полностью: {w.refused} на сумму {format_money(w.refused_sum)}; "
        f"снято частично: {w.partial} на сумму {format_money(w.partial_sum)}"
    )
    return Markup(
        '<span class="oms-nowrap" title="{}">{}</span><br><small class="text-muted oms-nowrap">{}</small>'
    ).format(title, format_money(w.sum), ", ".join(parts))


@row_aware
def _withheld_cell(item, pk):
    row = _row(pk)
    if row is None:
        return text(item.get("mek_refused"))
    return link(url_for("RegistryView.documents_page", pk=pk) + "#withheld", withheld_text(row.withheld))


# in the Excel file: the sum withheld (the page's figure), not the count the column holds
_withheld_cell.plain = lambda item, pk: row.withheld.sum if (row := _row(pk)) is not None else None


@row_aware
def _status_cell(item, pk):
    row = _row(pk)
    cell = Markup('<span class="oms-nowrap">{}</span>').format(item["status"])
    if row is not None and row.error:
        cell += Markup('<br><small class="text-danger">{}</small>').format(row.error[:300])
    return cell


@row_aware
def _actions_cell(item, pk):
    """The status dropdown with the transitions this user may make now (confirmed first, with the
    registry's number and sum; a comment where the move needs one), the signing icon when it is
    the user's turn, «Повторить» after a failed documents job."""
    row = _row(pk)
    if row is None:
        return ""
    html = Markup("")
    if row.targets:
        options = Markup("").join(
            Markup('<option value="{0}"{1}>{0}</option>').format(
                t, Markup(' data-needs-comment="1"') if t in row.needs_comment else ""
            )
            for t in row.targets
        )
        comment = (
            Markup(
                '<input type="text" name="comment" class="form-control input-sm registry-comment" '
                'placeholder="комментарий" style="width:8em"> '
            )
            if row.needs_comment
            else Markup("")
        )
        html += Markup(
            '<form method="post" action="{url}" class="form-inline registry-status oms-nowrap" '
            'data-number="{number}" data-sum="{sum}" data-count="1">'
            '<input type="hidden" name="csrf_token" value="{csrf}">'
            '<input type="hidden" name="expected" value="{status}">'
            '<select name="target" class="form-control input-sm">{options}</select> {comment}'
            '<button type="submit" class="btn btn-primary btn-sm">Выполнить</button></form>'
        ).format(
            url=url_for("RegistryView.status", pk=pk),
            csrf=generate_csrf(),
            status=row.status,
            options=options,
            comment=comment,
            number=item["number"],
            sum=format_money(item["sum_declared"]) if item.get("sum_declared") is not None else "",
        )
    if row.can_sign:
        html += Markup(
            '<a class="btn btn-success btn-sm sign-registry" href="{}" title="{}">'
            '<i class="fa fa-pencil-square-o"></i> {}</a>'
        ).format(url_for("RegistrySigningView.page", pk=pk), "Подписать", "Подписать")
    if row.can_retry:
        html += Markup(
            '<form method="post" action="{}"><input type="hidden" name="csrf_token" value="{}">'
            '<button class="btn btn-warning btn-sm">Повторить</button></form>'
        ).format(url_for("RegistryView.retry", pk=pk), generate_csrf())
    return html


def format_date_text(value: str) -> str:
    """«2025-12-03» → «03.12.2025» (a date of the query string as people read it)."""
    try:
        return format_date(dt.date.fromisoformat(value))
    except ValueError:
        return value


def _is_mo_user() -> bool:
    org = getattr(getattr(g, "user", None), "organisation", None)
    return org is not None and org.kind == OrgKind.MO


def _signed_in() -> bool:
    return has_request_context() and getattr(g, "user", None) is not None and g.user.is_authenticated


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
    closed = False  # the closed registries («Закрыт с» in the panel)
    datamodel = SQLAInterface(Registry)
    class_permission_name = Resource.REGISTRY
    list_widget = OmsListWidget
    crud_methods = ()
    confirm_sum_column = "sum_declared"  # the bulk confirmations: «Выбрано: N на сумму X»
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
    # «organisation»: the ТФОМС's home page opens an МО's registries (``_flt_0_organisation``)
    search_columns = ["year", "month", "status", "reg_type", "subtype", "payer", "subdivision", "organisation"]
    base_order = ("id", "desc")
    formatters_columns = {
        "sum_declared": format_money,
        "sum_calc": format_money,
        "created_at": format_datetime,
        "changed_at": format_datetime,
        "period": format_period,
    }
    label_columns = {
        "number": _l("Number"),
        "period": _l("Period"),
        "reg_type": _l("Registry type"),
        "subtype": _l("Subtype"),
        "subdivision": _l("Subdivision"),
        "organisation": "МО",
        "payer": _l("Payer"),
        "status": _l("Status"),
        "cases": "Случаев",
        "sum_declared": "Выставлено",
        "sum_calc": "К оплате",
        "created_by": _l("Created by"),
        "created_at": _l("Created at"),
        "changed_at": _l("Changed at"),
        "year": _l("Year"),
        "month": _l("Month"),
    }

    #: the columns of the list: an МО user sees its subdivisions, the СМО and the ТФОМС the МО
    LIST_COLUMNS = [
        "number",
        "period",
        "reg_type",
        "organisation",
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
        "cases_page": "read",
        "print_document": "read",
        "retry": "write",
        "mek_upload": "write",
        "timeline_page": "read",
        "timeline_print": "read",
        "timeline_xlsx": "read",
    }

    def __init__(self, **kwargs):
        self.formatters_columns = {
            **self.formatters_columns,
            "number": _number_cell,
            "reg_type": _type_cell,
            "documents": _documents_cell,
            "actions_cell": _actions_cell,
            "status": _status_cell,
            "mek_refused": _withheld_cell,
        }
        self.label_columns = {
            **self.label_columns,
            "reg_type": "Тип",
            "documents": _l("Documents"),
            "actions_cell": _l("Action"),
            "mek_refused": "Снято по МЭК",
        }
        super().__init__(**kwargs)

    @staticmethod
    def _for_user(columns: list[str]) -> list[str]:
        """The МО column for the СМО and the ТФОМС; the subdivision for an МО."""
        if not _signed_in():
            return list(columns)
        drop = "organisation" if _is_mo_user() else "subdivision"
        return [c for c in columns if c != drop]

    @property
    def list_columns(self):
        return self._for_user(self.LIST_COLUMNS)

    @list_columns.setter
    def list_columns(self, value):
        pass

    def _linked(self) -> dict:
        if not self.linked_filters:
            return {}
        chosen = query_safe(queries.LINKED.read(request.args), ids=("payer_id", "subdivision_id"), periods=("period",))
        if self.closed:
            chosen["status"] = ""
        return chosen

    def _since(self) -> str:
        """«Закрыт с» of «Закрытые реестры»: the last 12 months until the user changes it."""
        if not self.closed:
            return ""
        return str(request.args.get("since", queries.default_since())).strip()

    def _get_list_widget(self, filters, **kwargs):
        chosen = self._linked()
        since = self._since()
        if any(chosen.values()) or since:
            filters = filters.copy()
            clause = queries.filter_clause(chosen)
            if since:
                clause = clause & queries.since_clause(since)
            filters.add_filter("id", _ClauseFilter, clause)
        widget = super()._get_list_widget(filters, **kwargs)
        g._registry_rows = overview.row_actions(g.user, list(widget["list"].template_args.get("pks") or []))
        return widget

    def export_filter_notes(self) -> list[str]:
        labels = {
            "period": "Период",
            "status": "Статус",
            "reg_type": "Тип реестра",
            "subtype": "Подвид",
            "payer_id": "Плательщик",
            "subdivision_id": "Подразделение",
        }
        chosen = self._linked()
        options = queries.filter_options(g.user, chosen, closed=self.closed)
        notes = []
        for key, value in chosen.items():
            if value:
                label = dict(options.get(key, [])).get(value, value)
                notes.append(f"{labels.get(key, key)}: {label}")
        if self._since():
            notes.append(f"Закрыт с: {format_date_text(self._since())}")
        return notes

    def render_template(self, template, **kwargs):
        if template == self.list_template and self.linked_filters:
            chosen = self._linked()
            rows = getattr(g, "_registry_rows", {})
            kwargs.update(
                linked=chosen,
                linked_options=queries.filter_options(g.user, chosen, closed=self.closed),
                linked_keys=[k for k in queries.FILTERS if not (self.closed and k == "status")],
                closed=self.closed,
                since=self._since(),
                since_text=format_date_text(self._since()),
                clear_url=url_for(f"{type(self).__name__}.list"),
                row_actions_json=json.dumps({str(pk): _bulk_actions_of(r) for pk, r in rows.items()}),
                bulk_actions=[*BULK_ACTIONS.values(), DELETE_ACTION],
                sent_status=str(RegistryStatus.SENT),
                default_since=queries.default_since(),
            )
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
        result = mek_results.load_results_upload(g.user, pk, upload.stream, upload.filename)
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
            signatures=page.signatures,
            steps=page.steps,
            withheld=page.withheld,
            printable=printing.printable_kinds(page.registry),
            title=f"Реестр {page.registry.number}",
        )

    @expose("/cases/<int:pk>")
    @has_access
    def cases_page(self, pk):
        page = cases.registry_cases(g.user, pk, parse_page(request.args.get("page"), cases.PAGE_SIZE))
        if page is None:
            abort(404)
        return self.render_template(
            "oms/registry_cases.html",
            page=page,
            reg=page.registry,
            page_size=cases.PAGE_SIZE,
            title=f"Случаи реестра {page.registry.number}",
        )

    @expose("/print/<int:pk>/<kind>")
    @has_access
    def print_document(self, pk, kind):
        page = printing.print_page(g.user, pk, kind)
        if page is None:
            abort(404)
        return render_template(page.template, page=page, doc=page.data, reg=page.registry)

    @expose("/timeline/<int:pk>")
    @has_access
    def timeline_page(self, pk):
        """«Хронология»: the registry's whole story, in time order."""
        story = timeline.registry_timeline(g.user, pk)
        if story is None:
            abort(404, not_found_message(Registry))
        return self.render_template("oms/registry_timeline.html", timeline=story, reg=story.registry, title=story.title)

    @expose("/timeline/<int:pk>/print")
    @has_access
    def timeline_print(self, pk):
        """The timeline on A4 (landscape): the browser's «Печать» makes the PDF."""
        story = timeline.registry_timeline(g.user, pk)
        if story is None:
            abort(404, not_found_message(Registry))
        return render_template(
            "oms/registry_timeline_print.html",
            page={"title": "Хронология реестра"},
            doc=story.registry,
            reg=story.registry,
            timeline=story,
        )

    @expose("/timeline/<int:pk>.xlsx")
    @has_access
    def timeline_xlsx(self, pk):
        """The timeline for an auditor: the page's entries as an Excel workbook."""
        result = timeline.timeline_xlsx(g.user, pk)
        if result is None:
            abort(404, not_found_message(Registry))
        data, name = result
        return send_file(io.BytesIO(data), as_attachment=True, download_name=name, mimetype=XLSX_MIMETYPE)

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

    @action(
        "to_sent",
        "→ Отправлен",
        "Отправить выбранные реестры плательщику (статус «Отправлен»)?",
        "fa-paper-plane",
        single=False,
    )
    def to_sent(self, items):
        return self._bulk_status(items, RegistryStatus.SENT)

    @action("to_taken", "→ Выгружен", "Перевести выбранные реестры в статус «Выгружен»?", "fa-download", single=False)
    def to_taken(self, items):
        return self._bulk_status(items, RegistryStatus.TAKEN)

    @action("to_mo_signing", "→ На подпись МО", "Передать выбранные реестры на подпись МО?", "fa-pencil", single=False)
    def to_mo_signing(self, items):
        return self._bulk_status(items, RegistryStatus.MO_SIGNING)

    @action(
        "delete_registry",
        "Удалить реестр",
        "Удалить выбранные реестры? Их случаи вернутся в статус «Принят».",
        "fa-trash",
        single=False,  # the show page offers no unfiltered buttons: the row's form and the bulk menu do
    )
    def delete_registry(self, items):
        _flash_all(queries.delete_registries(g.user, self._ids(items)))
        return redirect(url_for("RegistryView.list"))


CLOSED_BASE_COLUMNS = ["number", "period", "reg_type", "organisation", "payer", "cases", "sum_calc", "changed_at"]
CLOSED_OPTIONAL_COLUMNS = ["documents", "subdivision", "sum_declared", "mek_refused", "created_by", "created_at"]
PREF_CLOSED_COLUMNS = "closed_registries.columns"


class ClosedRegistryView(RegistryView):
    """«Закрытые реестры»: the filter panel of «Текущие реестры», with «Закрыт с» at 12 months back
    to start with; «Добавить столбец» adds columns (among them «Документы»), remembered for the
    user.  No status changes: a closed registry stays closed."""

    route_base = "/closed-registries"
    list_title = _l("Closed registries")
    base_filters = [["status", FilterEqual, RegistryStatus.CLOSED]]
    list_template = "oms/closed_registries.html"
    closed = True
    search_columns = ["changed_at", "year", "month", "reg_type", "subtype", "payer", "subdivision", "organisation"]
    method_permission_name = {**RegistryView.method_permission_name, "columns": "read"}
    # no bulk actions on closed registries
    to_sent = to_taken = to_mo_signing = delete_registry = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.label_columns["changed_at"] = "Дата закрытия"

    @property
    def list_columns(self):
        if not _signed_in():
            return CLOSED_BASE_COLUMNS + CLOSED_OPTIONAL_COLUMNS
        chosen = preferences.get(g.user, PREF_CLOSED_COLUMNS) or []
        return self._for_user(CLOSED_BASE_COLUMNS) + [c for c in CLOSED_OPTIONAL_COLUMNS if c in chosen]

    @list_columns.setter
    def list_columns(self, value):
        pass

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
