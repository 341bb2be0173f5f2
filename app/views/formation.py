"""«Формирование»: the groups of accepted cases with linked filters and «Сформировать реестр»;
«Текущие реестры» (the same linked filters, status changes, documents, the payer's МЭК results)
and «Закрытые реестры».  Thin: the rules are in the services."""
from __future__ import annotations

import datetime as dt
import io
import math

from flask import abort, flash, g, redirect, request, send_file, url_for
from markupsafe import Markup
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterNotEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app.extensions import db
from app.core.formatting import format_datetime, format_money
from app.models.intake import MedicalCase, Patient, UploadedFile
from app.models.organisation import Subdivision
from app.models.registry import Registry
from app.models.vocabulary import CaseStatus, FileStatus, RegistryStatus, RegistryType
from app.security.permissions import PERM_READ, PERM_WRITE
from app.security.scope import Scope
from app.security.scoped_views import ScopedModelView
from app.services.registries import formation
from app.services.accounts import preferences
from app.services.registries import queries as registries
from app.services.registries import documents as registry_documents
from app.services.registries import workflow as registry_workflow
from app.services.signing import registry_signing as signing
from app.views.formatting import link, row_aware, text
from app.views.intake import OmsListWidget
from app.models.vocabulary import Resource

PAGE = 200


class FormationView(BaseView):
    route_base = "/formation"
    default_view = "index"
    class_permission_name = Resource.FORMATION
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": PERM_READ, "cases": PERM_READ, "form": PERM_WRITE}

    def _filters(self):
        return {k: request.args.get(k, "") for k in formation.FILTERS}

    @expose("/")
    @has_access
    def index(self):
        filters = self._filters()
        rows = formation.groups(g.user)
        shown = formation.apply_filters(rows, filters)
        subs = []
        if g.user.organisation and not g.user.subdivision_id:
            subs = db.session.query(Subdivision).filter_by(organisation_id=g.user.organisation_id,
                                                           is_active=True).order_by(Subdivision.code).all()
        can_form = self.appbuilder.sm.has_access("can_write", self.class_permission_name)
        return self.render_template(
            "oms/formation.html", rows=shown, filters=filters, options=formation.filter_options(rows, filters),
            types=RegistryType.values(), subdivisions=subs, can_form=can_form, title=_l("Formation"),
            total_cases=sum(r.cases for r in shown), total_sum=sum(r.sum for r in shown))

    @expose("/cases")
    @has_access
    def cases(self):
        f = self._filters()
        try:
            year, month = (int(x) for x in f["period"].split("-"))
            page = max(0, int(request.args.get("page", 0)))
        except ValueError:
            return redirect(url_for("FormationView.index"))
        cond = [Scope.of(g.user).clause(MedicalCase), MedicalCase.status == CaseStatus.ACCEPTED,
                MedicalCase.registry_id.is_(None), MedicalCase.year == year, MedicalCase.month == month,
                formation.registry_type_expr() == f["reg_type"], MedicalCase.file_type == f["subtype"]]
        sub = f["subdivision_id"]
        cond.append(MedicalCase.subdivision_id == int(sub) if sub and sub != formation.NO_SUBDIVISION
                    else MedicalCase.subdivision_id.is_(None))
        q = (select(MedicalCase, Patient).outerjoin(Patient, Patient.id == MedicalCase.patient_id)
             .join(UploadedFile, and_(UploadedFile.id == MedicalCase.file_id, UploadedFile.status == FileStatus.DONE))
             .where(*cond))
        total = db.session.execute(select(db.func.count()).select_from(q.subquery())).scalar_one()
        cases = db.session.execute(q.order_by(MedicalCase.id).offset(page * PAGE).limit(PAGE)).all()
        args = "&".join(f"{k}={v}" for k, v in f.items()) + "&"
        return self.render_template("oms/file_cases.html", file=None, groups=[], cases=cases, status=None,
                                    total=total, page=page, pages=math.ceil(total / PAGE), page_arg=args,
                                    title=_l("Cases for formation"))

    @expose("/form", methods=["POST"])
    @has_access
    def form(self):
        subs = request.form.getlist("subdivision")
        result = formation.form_registries(g.user, request.form.get("period", ""),
                                           request.form.get("reg_type", ""), subs or None)
        flash(result.message, "success" if result.ok else "danger")
        return redirect(url_for("RegistryView.list") if result.ok else url_for("FormationView.index"))


@row_aware
def _documents_cell(item, pk):
    return link(url_for("RegistryView.documents_page", pk=pk), Markup('<i class="fa fa-file-text-o"></i>'))


@row_aware
def _mek_refused_cell(item, pk):
    return link(url_for("RegistryView.documents_page", pk=pk) + "#refusals", item["mek_refused"])


@row_aware
def _status_cell(item, pk):
    reg = db.session.get(Registry, pk)
    cell = text(item["status"])
    if reg is not None and reg.error:
        cell += Markup('<br><small class="text-danger">{}</small>').format(reg.error[:300])
    return cell


@row_aware
def _actions_cell(item, pk):
    """The status dropdown with the transitions this user may make now."""
    from flask_wtf.csrf import generate_csrf

    reg = db.session.get(Registry, pk)
    if reg is None:
        return ""
    html = Markup("")
    targets = registry_workflow.allowed_targets(g.user, reg)
    if targets:
        options = Markup("").join(Markup('<option value="{0}">{0}</option>').format(t) for t in targets)
        html += Markup(
            '<form method="post" action="{url}" class="form-inline registry-status">'
            '<input type="hidden" name="csrf_token" value="{csrf}">'
            '<input type="hidden" name="expected" value="{status}">'
            '<select name="target" class="form-control input-sm">{options}</select> '
            '<input type="text" name="comment" class="form-control input-sm" placeholder="{hint}" style="width:9em"> '
            '<button type="submit" class="btn btn-primary btn-sm">OK</button></form>').format(
            url=url_for("RegistryView.status", pk=pk), csrf=generate_csrf(), status=reg.status,
            options=options, hint="комментарий")
    from app.views.signing import signing_icon

    html += signing_icon(reg)
    if reg.status == RegistryStatus.SENT and reg.error and reg.organisation_id == g.user.organisation_id:
        html += Markup('<form method="post" action="{}"><input type="hidden" name="csrf_token" value="{}">'
                       '<button class="btn btn-warning btn-sm">Повторить</button></form>').format(
            url_for("RegistryView.retry", pk=pk), generate_csrf())
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
    linked_filters = True                    # the linked dropdowns of registries.LINKED (else: FAB's search)
    datamodel = SQLAInterface(Registry)
    class_permission_name = Resource.REGISTRY
    list_widget = OmsListWidget
    crud_methods = ()
    list_title = _l("Current registries")
    show_title = _l("Registry")
    show_columns = ["number", "period", "reg_type", "subtype", "subdivision", "organisation", "payer",
                    "status", "cases", "sum_declared", "sum_calc", "created_by", "created_at", "changed_at"]
    search_columns = ["year", "month", "status", "reg_type", "subtype", "payer", "subdivision"]
    base_order = ("id", "desc")
    formatters_columns = {"sum_declared": format_money, "sum_calc": format_money,
                          "created_at": format_datetime, "changed_at": format_datetime}
    label_columns = {"number": _l("Number"), "period": _l("Period"), "reg_type": _l("Registry type"),
                     "subtype": _l("Subtype"), "subdivision": _l("Subdivision"), "organisation": _l("MO"),
                     "payer": _l("Payer"), "status": _l("Status"), "cases": _l("Cases"),
                     "sum_declared": _l("Declared sum"), "sum_calc": _l("Sum to pay"),
                     "created_by": _l("Created by"), "created_at": _l("Created at"),
                     "changed_at": _l("Changed at"), "year": _l("Year"), "month": _l("Month")}

    list_columns = ["number", "period", "reg_type", "subtype", "subdivision", "payer", "status", "cases",
                    "sum_declared", "sum_calc", "mek_refused", "documents", "actions_cell"]
    method_permission_name = {"status": "write", "documents_page": "read", "document": "read",
                              "documents_zip": "read", "retry": "write", "mek_upload": "write"}

    def __init__(self, **kwargs):
        self.formatters_columns = {**self.formatters_columns, "documents": _documents_cell,
                                   "actions_cell": _actions_cell, "status": _status_cell,
                                   "mek_refused": _mek_refused_cell}
        self.label_columns = {**self.label_columns, "documents": _l("Documents"), "actions_cell": _l("Action"),
                              "mek_refused": _l("Closed cases removed on MEK")}
        super().__init__(**kwargs)

    def _linked(self) -> dict:
        return registries.LINKED.read(request.args) if self.linked_filters else {}

    def _get_list_widget(self, filters, **kwargs):
        chosen = self._linked()
        if any(chosen.values()):
            filters = filters.copy()
            filters.add_filter("id", _ClauseFilter, registries.filter_clause(chosen))
        return super()._get_list_widget(filters, **kwargs)

    def render_template(self, template, **kwargs):
        if template == RegistryView.list_template:
            chosen = self._linked()
            kwargs.update(linked=chosen, linked_options=registries.filter_options(g.user, chosen))
        return super().render_template(template, **kwargs)

    @expose("/status/<int:pk>", methods=["POST"])
    @has_access
    def status(self, pk):
        reg = self._scoped_get(pk)
        result = registry_workflow.change_status(g.user, reg.id, request.form.get("target", ""),
                                                 request.form.get("comment"), request.form.get("expected"))
        flash(result.message, "success" if result.ok else "danger")
        return redirect(request.referrer or url_for("RegistryView.list"))

    @expose("/mek/<int:pk>", methods=["POST"])
    @has_access
    def mek_upload(self, pk):
        import tempfile
        from pathlib import Path

        from app.services.registries.mek_results import load_results

        reg = self._scoped_get(pk)
        upload = request.files.get("results")
        if upload is None or not upload.filename:
            flash(str(_l("Choose the MEK results file")), "warning")
            return redirect(url_for("RegistryView.documents_page", pk=pk))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "results.zip"
            upload.save(path)
            result = load_results(g.user, reg.id, path)
        flash(result.message + ("" if result.ok else ": " + "; ".join(result.reasons[:10])),
              "success" if result.ok else "danger")
        return redirect(url_for("RegistryView.documents_page", pk=pk))

    @expose("/retry/<int:pk>", methods=["POST"])
    @has_access
    def retry(self, pk):
        reg = self._scoped_get(pk)
        if reg.status == RegistryStatus.SENT and reg.organisation_id == g.user.organisation_id:
            registry_workflow.after_change(reg.id, RegistryStatus.SENT, g.user)
            flash(str(_l("Document generation restarted")), "success")
        return redirect(url_for("RegistryView.list"))

    @expose("/documents/<int:pk>")
    @has_access
    def documents_page(self, pk):
        reg = self._scoped_get(pk)
        from app.models.registry import RegistryRefusal

        refusals = db.session.query(RegistryRefusal).filter_by(registry_id=reg.id).order_by(RegistryRefusal.id).all()
        can_load = (reg.status == RegistryStatus.TAKEN and registry_workflow.PAYER in registry_workflow.actors_of(g.user, reg)
                    and self.appbuilder.sm.has_access("can_write", Resource.REGISTRY))
        return self.render_template("oms/registry_documents.html", reg=reg, refusals=refusals, can_load=can_load,
                                    docs=registry_documents.documents_of(reg.id),
                                    history=registries.registry_history(reg.id), checks=signing.verify_registry(reg.id),
                                    title=_l("Registry %(n)s", n=reg.number))

    @expose("/documents/<int:pk>/<int:doc_id>")
    @has_access
    def document(self, pk, doc_id):
        reg = self._scoped_get(pk)
        doc = next((d for d in registry_documents.documents_of(reg.id) if d.id == doc_id), None)
        if doc is None:
            abort(404)
        return send_file(doc.path, as_attachment=True, download_name=doc.file_name)

    @expose("/documents/<int:pk>.zip")
    @has_access
    def documents_zip(self, pk):
        reg = self._scoped_get(pk)
        buffer = io.BytesIO()
        signing.write_documents_zip(reg.id, buffer)         # with the signatures (.sig) made so far
        buffer.seek(0)
        return send_file(buffer, as_attachment=True, download_name=f"Реестр_{reg.number}.zip",
                         mimetype="application/zip")

    def _bulk_status(self, items, target: str):
        """The common dropdown of the action panel: several registries in the same status at once."""
        regs = items if isinstance(items, list) else [items]
        if len({r.status for r in regs}) > 1:
            flash("Выберите реестры в одинаковом статусе", "danger")
            return redirect(url_for("RegistryView.list"))
        ids = [(r.id, r.status) for r in regs]
        for registry_id, status in ids:
            result = registry_workflow.change_status(g.user, registry_id, target, expected=status)
            flash(result.message, "success" if result.ok else "danger")
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

    @action("delete_registry", _l("Delete"), _l("Delete the selected registries? Their cases return to «Принят»."),
            "fa-trash")
    def delete_registry(self, items):
        ids = [r.id for r in (items if isinstance(items, list) else [items])]
        for registry_id in ids:
            result = registries.delete_registry(g.user, registry_id)
            flash(result.message, "success" if result.ok else "danger")
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
        from flask import has_request_context

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
