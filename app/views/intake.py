"""«Загрузка файла»: the uploaded files with their progress, counts and drill-downs, the
upload form and the FLK_P protocol downloads. Thin: every operation is a service call."""

from __future__ import annotations

import math
import os

from flask import after_this_request, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.controls.finding import STAGE_FLK, STAGE_MEK
from app.core.formatting import format_datetime
from app.errors import parse_page
from app.models.intake import UploadedFile
from app.models.vocabulary import FILE_ERRORS, FILE_LOADING, Resource
from app.security.scoped_views import ScopedModelView
from app.services.intake import file_data, listing, uploads
from app.services.intake import reports as file_reports
from app.services.intake.uploads import IncomingArchive, PartialUpload, UploadRefused, accept_archives
from app.views.formatting import link, progress_bar, row_aware, text
from app.views.widgets import OmsListWidget


def _url(endpoint, **kw):
    return url_for(f"UploadedFileView.{endpoint}", **kw)


@row_aware
def _status_cell(item, pk):
    status = item["status"]
    cell = text(status)
    if status in FILE_LOADING:
        cell += progress_bar(item.get("progress") or 0)
    elif status in FILE_ERRORS and getattr(g, "_can_upload", False):
        cell += Markup(
            '<form method="post" action="{}" style="margin-top:4px">'
            '<input type="hidden" name="csrf_token" value="{}">'
            '<button class="btn btn-warning btn-xs" title="{}">Повторить</button></form>'
        ).format(_url("retry", pk=pk), generate_csrf(), _l("Load the stored archive again"))
    return cell


@row_aware
def _records_cell(item, pk):
    return link(_url("cases", pk=pk), item["records"])


@row_aware
def _flk_cell(item, pk):
    rejected, errors = item["flk_counts"]
    return link(_url("errors", pk=pk, stage=STAGE_FLK), f"{rejected} / {errors}")


@row_aware
def _mek_cell(item, pk):
    rejected, errors = item["mek_counts"]
    return link(_url("errors", pk=pk, stage=STAGE_MEK), f"{rejected}")


class UploadedFileView(ScopedModelView):
    route_base = "/files"
    datamodel = SQLAInterface(UploadedFile)
    class_permission_name = Resource.UPLOADED_FILE
    list_widget = OmsListWidget
    list_template = "oms/file_list.html"
    list_title = _l("File upload")
    show_title = _l("Uploaded file")
    base_permissions = ["can_read", "can_write"]
    crud_methods = ()
    method_permission_name = {
        "upload": "write",
        "retry": "write",
        "cases": "read",
        "case_list": "read",
        "errors": "read",
        "error_list": "read",
        "protocol_xml": "read",
        "protocol_xlsx": "read",
    }
    list_columns = [
        "archive_name",
        "files",
        "subdivision",
        "period",
        "uploaded_by",
        "uploaded_at",
        "status",
        "note",
        "records",
        "flk_counts",
        "mek_counts",
    ]
    show_columns = [
        "archive_name",
        "h_name",
        "l_name",
        "file_type",
        "version",
        "subdivision",
        "period",
        "nschet",
        "dschet",
        "sumv_declared",
        "uploaded_by",
        "uploaded_at",
        "finished_at",
        "status",
        "note",
        "records",
        "flk_rejected",
        "flk_errors",
        "mek_rejected",
        "archive_size",
        "archive_sha256",
    ]
    search_columns = ["year", "month", "status", "subdivision", "uploaded_at", "archive_name", "h_name", "uploaded_by"]
    order_columns = ["archive_name", "uploaded_at", "status", "records"]
    base_order = ("uploaded_at", "desc")
    page_size = 50
    formatters_columns = {
        "status": _status_cell,
        "records": _records_cell,
        "flk_counts": _flk_cell,
        "mek_counts": _mek_cell,
        "uploaded_at": format_datetime,
        "finished_at": format_datetime,
    }
    label_columns = {
        "archive_name": _l("Archive"),
        "files": _l("Files (H and L)"),
        "h_name": _l("Cases file"),
        "l_name": _l("Personal data file"),
        "file_type": _l("File type"),
        "version": _l("Format version"),
        "subdivision": _l("Subdivision"),
        "period": _l("Period"),
        "year": _l("Year"),
        "month": _l("Month"),
        "nschet": _l("Invoice number"),
        "dschet": _l("Invoice date"),
        "sumv_declared": _l("Invoice sum"),
        "uploaded_by": _l("Uploaded by"),
        "uploaded_at": _l("Uploaded at"),
        "finished_at": _l("Finished at"),
        "status": _l("Status"),
        "note": _l("Note"),
        "records": _l("Number of records"),
        "flk_counts": _l("Records rejected on FLK / FLK errors"),
        "flk_rejected": _l("Records rejected on FLK"),
        "flk_errors": _l("FLK errors"),
        "mek_counts": _l("Records rejected on MEK"),
        "mek_rejected": _l("Records rejected on MEK"),
        "archive_size": _l("Archive size, bytes"),
        "archive_sha256": _l("Archive SHA-256"),
    }

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            widgets = kwargs.get("widgets") or {}
            kwargs["can_upload"] = g._can_upload = self.appbuilder.sm.has_access(
                "can_write", self.class_permission_name
            )
            lst = widgets.get("list")
            values = []
            if lst is not None:  # a generator: keep the rows for the template
                values = lst.template_args["value_columns"] = list(lst.template_args.get("value_columns", []))
            pks = []
            if lst is not None:
                pks = lst.template_args["pks"] = list(lst.template_args.get("pks", []))
            loading = [pk for pk, v in zip(pks, values, strict=True) if v.get("status") in FILE_LOADING]
            # the bar of a loading file: its progress is no list column, so it is read for those rows
            progress = listing.progress_of(g.user, loading)
            for pk, v in zip(pks, values, strict=True):
                if pk in progress:
                    v["progress"] = progress[pk]
            kwargs["loading"] = bool(loading)
        return super().render_template(template, **kwargs)

    # -- deleting a file's data -------------------------------------------------------------------------
    @action(
        "delete_data",
        _l("Delete file data"),
        _l("Delete the data of the selected files? Cases already in a registry cannot be deleted."),
        "fa-trash",
    )
    def delete_data(self, items):
        ids = [i.id for i in (items if isinstance(items, list) else [items])]
        for result in file_data.delete_files_data(g.user, ids):
            flash(result.message, "success" if result.ok else "danger")
        return redirect(_url("list"))

    @expose("/retry/<int:pk>", methods=["POST"])
    @has_access
    def retry(self, pk):
        self._scoped_get(pk)
        result = uploads.retry_load(g.user, pk)
        flash(result.message, "success" if result.ok else "danger")
        return redirect(_url("list"))

    # -- upload ---------------------------------------------------------------------------------------
    @expose("/upload", methods=["GET", "POST"])
    @has_access
    def upload(self):
        if request.method == "POST":
            files = [f for f in request.files.getlist("archives") if f and f.filename]
            if not files:
                flash(str(_l("Choose at least one archive")), "warning")
                return redirect(_url("upload"))
            try:
                rows = accept_archives(g.user, [IncomingArchive(f.filename, f.stream) for f in files])
            except PartialUpload as refused:
                rows = refused.rows
                flash(str(refused), "danger")
            except UploadRefused as refused:
                flash(str(refused), "danger")
                return redirect(_url("list"))
            if rows:
                flash(str(_l("Archives accepted for loading: %(n)s", n=len(rows))), "success")
            return redirect(_url("list"))
        return self.render_template("oms/upload.html", title=_l("Upload files"), back="UploadedFileView.list")

    # -- drill-downs ----------------------------------------------------------------------------------
    def _page(self):
        return parse_page(request.args.get("page"), file_reports.PAGE_SIZE)

    @expose("/cases/<int:pk>")
    @has_access
    def cases(self, pk):
        file = self._scoped_get(pk)
        return self.render_template(
            "oms/file_cases.html",
            file=file,
            groups=file_reports.cases_by_status(file),
            cases=None,
            title=_l("Cases of the file %(name)s", name=file.archive_name),
        )

    @expose("/cases/<int:pk>/<status>")
    @has_access
    def case_list(self, pk, status):
        file = self._scoped_get(pk)
        page = self._page()
        cases, total = file_reports.cases_of(file, status, page)
        return self.render_template(
            "oms/file_cases.html",
            file=file,
            groups=file_reports.cases_by_status(file),
            cases=cases,
            status=status,
            total=total,
            page=page,
            pages=math.ceil(total / file_reports.PAGE_SIZE),
            page_arg="",
            title=_l("Cases of the file %(name)s", name=file.archive_name),
        )

    @expose("/errors/<int:pk>/<stage>")
    @has_access
    def errors(self, pk, stage):
        file = self._scoped_get(pk)
        return self.render_template(
            "oms/file_errors.html",
            file=file,
            stage=stage,
            groups=file_reports.errors_by_code(file, stage),
            title=_l("%(stage)s errors of the file %(name)s", stage=stage, name=file.archive_name),
        )

    @expose("/errors/<int:pk>/<stage>/<code>")
    @has_access
    def error_list(self, pk, stage, code):
        file = self._scoped_get(pk)
        page = self._page()
        lines, total, hint = file_reports.error_lines(file, stage, code, page)
        return self.render_template(
            "oms/file_error_lines.html",
            file=file,
            stage=stage,
            code=code,
            hint=hint,
            lines=lines,
            total=total,
            page=page,
            pages=math.ceil(total / file_reports.PAGE_SIZE),
            page_arg="",
            title=_l("Error %(code)s in the file %(name)s", code=code, name=file.archive_name),
        )

    # -- protocol -------------------------------------------------------------------------------------
    def _send(self, path, download_name, mimetype):
        @after_this_request
        def _cleanup(response):
            try:
                os.unlink(path)
            except OSError:
                pass
            return response

        return send_file(path, mimetype=mimetype, as_attachment=True, download_name=download_name)

    @expose("/protocol/<int:pk>.xml")
    @has_access
    def protocol_xml(self, pk):
        file = self._scoped_get(pk)
        return self._send(
            file_reports.write_protocol_xml(file), file_reports.protocol_file_name(file, "xml"), "application/xml"
        )

    @expose("/protocol/<int:pk>.xlsx")
    @has_access
    def protocol_xlsx(self, pk):
        file = self._scoped_get(pk)
        return self._send(
            file_reports.write_protocol_xlsx(file),
            file_reports.protocol_file_name(file, "xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
