"""«Загрузка файла»: the uploaded files with their progress, counts and drill-downs, the
upload form and the FLK_P protocol downloads. Thin: every operation is a service call."""

from __future__ import annotations

import math
import os

from flask import (
    abort,
    after_this_request,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.controls.finding import STAGE_FLK, STAGE_MEK
from app.core.formatting import format_datetime, format_money, format_period
from app.errors import parse_ids, parse_page
from app.formats.names import TYPE_TITLES
from app.models.intake import UploadedFile
from app.models.vocabulary import FILE_ERRORS, FILE_LOADING, FileChannel, OrgKind, Resource
from app.security.request_scope import current_scope
from app.security.scoped_views import ScopedModelView
from app.services.accounts.people import person_name
from app.services.intake import dry_run as checks
from app.services.intake import file_data, listing, uploads
from app.services.intake import reports as file_reports
from app.services.intake.uploads import IncomingArchive, PartialUpload, UploadRefused, accept_archives
from app.views.formatting import link, progress_bar, row_aware, text
from app.views.widgets import OmsListWidget


def _url(endpoint, **kw):
    return url_for(f"UploadedFileView.{endpoint}", **kw)


def _details(item) -> dict:
    """What the page read for the row beside its columns (:func:`file_reports.row_details`)."""
    return item.get("_details") or {}


def _small(*lines) -> Markup:
    return Markup("").join(Markup('<div class="small">{}</div>').format(line) for line in lines if line)


def _uploader(user) -> str:
    """A person by name (ФИО), never the login."""
    return person_name(user) if user is not None else ""


def _check_line(details) -> Markup:
    """«Проверка без загрузки» under the status of a dry run's row."""
    if not details.get("dry_run"):
        return Markup("")
    return Markup('<div class="small text-info"><i class="fa fa-search"></i> {}</div>').format(checks.CHECK_LABEL)


@row_aware
def _status_cell(item, pk):
    status = item["status"]
    details = _details(item)
    if status in FILE_LOADING:
        percent = details.get("progress", item.get("progress")) or 0
        # the stage and its percentage; the page polls them (file_list.html) and moves the bar
        return Markup('<div class="oms-file-progress" data-pk="{}"><span class="oms-stage">{}</span>{}</div>').format(
            pk, status, progress_bar(percent)
        ) + _check_line(details)
    cell = text(status) + _check_line(details)
    note = item.get("note")
    if note:
        short = note if len(note) <= NOTE_CHARS else note[: NOTE_CHARS - 1] + "…"
        cell += Markup('<div class="small text-muted" title="{}">{}</div>').format(note, short)
    replaced = details.get("replaced_by")
    if replaced is not None:
        cell += _small(_replaced(replaced))
    if status in FILE_ERRORS and getattr(g, "_can_upload", False):
        cell += Markup(
            '<form method="post" action="{}" style="margin-top:4px">'
            '<input type="hidden" name="csrf_token" value="{}">'
            '<button class="btn btn-warning btn-xs" title="{}">Повторить</button></form>'
        ).format(
            _url("retry", pk=pk),
            generate_csrf(),
            "Проверить сохраненный архив еще раз" if details.get("dry_run") else "Загрузить сохраненный архив еще раз",
        )
    return cell


def _replaced(replaced) -> Markup:
    """«заменен файлом от ДД.ММ.ГГГГ ЧЧ:ММ», a link to that file (when the user may see it)."""
    if replaced.file_id is None:
        return text(replaced.text)
    return link(_url("show", pk=replaced.file_id), replaced.text)


#: the re-upload outcomes as the row and the card name them (file_reports.VERSION_KINDS)
VERSION_LABELS = {
    "new": "новые",
    "updated": "обновлены",
    "unchanged": "без изменений",
    "skipped": "пропущены (уже в реестре)",
}
NOTE_CHARS = 120


def _version_lines(pk, counts) -> list[Markup]:
    return [
        Markup("{}: {}").format(VERSION_LABELS[kind], link(_url("selection", pk=pk, kind=kind), n))
        for kind, n in zip(file_reports.VERSION_KINDS, counts, strict=True)
        if n
    ]


@row_aware
def _records_cell(item, pk):
    """The records read from the file (→ its cases by status) and what the load did with them; a
    check's, which stored no case, without links."""
    details = _details(item)
    if details.get("dry_run"):
        counts = zip(file_reports.VERSION_KINDS, details.get("versions") or (), strict=False)
        return text(item["records"]) + _small(*(f"{VERSION_LABELS[kind]}: {n}" for kind, n in counts if n))
    cell = link(_url("cases", pk=pk), item["records"])
    return cell + _small(*_version_lines(pk, details.get("versions") or ()))


@row_aware
def _flk_cell(item, pk):
    rejected, errors = item["flk_counts"]
    return link(_url("errors", pk=pk, stage=STAGE_FLK), f"{rejected} / {errors}")


def _money_lines(pk, money) -> list[Markup]:
    lines = []
    if money.refused:
        lines.append(
            Markup("полностью: {} на {}").format(
                link(_url("selection", pk=pk, kind="refused"), money.refused),
                format_money(money.refused_sum),
            )
        )
    if money.partial:
        lines.append(
            Markup("частично: {} на {}").format(
                link(_url("selection", pk=pk, kind="withheld"), money.partial), format_money(money.partial_sum)
            )
        )
    return lines


@row_aware
def _mek_cell(item, pk):
    """«Снято по МЭК»: the cases refused in full and those withheld in part, counts and sums, and
    the МЭК errors."""
    _rejected, errors = item["mek_counts"]
    money = _details(item).get("money")
    lines = _money_lines(pk, money) if money is not None else []
    if errors:
        lines.append(link(_url("errors", pk=pk, stage=STAGE_MEK), f"ошибок МЭК: {errors}"))
    if not lines:
        return text("0")
    return _small(*lines)


def _uploaded_cell(item, pk=None):
    """When, and by whom (ФИО) — or «канал: почта» for an archive that came by mail; on the card
    (one value, no row) the date and time."""
    if pk is None:
        return format_datetime(item)
    details = _details(item)
    by_mail = details.get("channel") == FileChannel.MAIL
    who = f"канал: {FileChannel.MAIL.label}" if by_mail else details.get("uploaded_by")
    return text(format_datetime(item["uploaded_at"])[:16]) + _small(who)


_uploaded_cell.row_aware = True


@row_aware
def _sender_cell(item, pk):
    """The МО (and its subdivision) of a file: the ТФОМС sees every МО's files."""
    org = item.get("organisation")
    cell = text(org.short_name or org.name) if org is not None else text("—")
    sub = item.get("subdivision")
    if sub is not None:
        cell += _small(sub.name)
    return cell


def _file_type(value) -> str:
    return f"{value} — {TYPE_TITLES[value]}" if value in TYPE_TITLES else (value or "")


def _sees_every_mo() -> bool:
    """The list's МО column: for the ТФОМС (and an СМО), never for an МО's own users."""
    return has_request_context() and current_scope().kind not in (OrgKind.MO, None)


#: the list for an МО's users; the ТФОМС's has «МО» (with the subdivision) in place of «Подразделение»
MO_LIST_COLUMNS = [
    "archive_name",
    "subdivision",
    "period",
    "uploaded_at",
    "status",
    "records",
    "flk_counts",
    "mek_counts",
    "sumv_declared",
]
FUND_LIST_COLUMNS = [("organisation" if c == "subdivision" else c) for c in MO_LIST_COLUMNS]


class UploadedFileView(ScopedModelView):
    route_base = "/files"
    datamodel = SQLAInterface(UploadedFile)
    class_permission_name = Resource.UPLOADED_FILE
    list_widget = OmsListWidget
    list_template = "oms/file_list.html"
    show_template = "oms/file_show.html"
    list_title = _l("File upload")
    show_title = _l("Uploaded file")
    base_permissions = ["can_read", "can_write"]
    crud_methods = ()
    method_permission_name = {
        "upload": "write",
        "retry": "write",
        "cases": "read",
        "case_list": "read",
        "selection": "read",
        "progress": "read",
        "errors": "read",
        "error_list": "read",
        "protocol_xml": "read",
        "protocol_xlsx": "read",
    }
    # «Удалить данные файла» says «Выбрано: N на сумму X» (the invoice sums of the chosen files)
    confirm_sum_column = "sumv_declared"

    @property
    def list_columns(self):
        """Per user: the МО column for the ТФОМС, «Подразделение» for an МО (the list fits 1366 px)."""
        return FUND_LIST_COLUMNS if _sees_every_mo() else MO_LIST_COLUMNS

    @list_columns.setter
    def list_columns(self, value):  # Flask-AppBuilder sets it once; the two lists above are the columns
        pass

    show_columns = [
        "archive_name",
        "h_name",
        "l_name",
        "file_type",
        "version",
        "organisation",
        "subdivision",
        "period",
        "nschet",
        "dschet",
        "sumv_declared",
        "uploaded_by",
        "channel",
        "uploaded_at",
        "finished_at",
        "status",
        "note",
        "archive_size",
        "archive_sha256",
    ]
    # «organisation»: the ТФОМС's home page opens an МО's files (``_flt_0_organisation``), and its
    # figures leave the checks out (``_flt_1_dry_run=y``: «Проверка без загрузки» not «Да»)
    search_columns = [
        "year",
        "month",
        "status",
        "subdivision",
        "organisation",
        "dry_run",
        "uploaded_at",
        "archive_name",
        "h_name",
        "uploaded_by",
    ]
    order_columns = ["archive_name", "uploaded_at", "status", "records", "sumv_declared"]
    base_order = ("uploaded_at", "desc")
    page_size = 50
    formatters_columns = {
        "status": _status_cell,
        "records": _records_cell,
        "flk_counts": _flk_cell,
        "mek_counts": _mek_cell,
        "uploaded_at": _uploaded_cell,
        "organisation": _sender_cell,
        "uploaded_by": _uploader,
        "channel": FileChannel.label_of,
        "finished_at": format_datetime,
        "period": format_period,
        "file_type": _file_type,
    }
    label_columns = {
        "archive_name": _l("Archive"),
        "files": _l("Files (H and L)"),
        "h_name": _l("Cases file"),
        "l_name": _l("Personal data file"),
        "file_type": _l("File type"),
        "version": _l("Format version"),
        "organisation": "МО",
        "subdivision": _l("Subdivision"),
        "period": _l("Period"),
        "year": _l("Year"),
        "month": _l("Month"),
        "nschet": _l("Invoice number"),
        "dschet": _l("Invoice date"),
        "sumv_declared": _l("Invoice sum"),
        "uploaded_by": _l("Uploaded by"),
        "channel": "Канал",
        "uploaded_at": "Загружен",
        "finished_at": _l("Finished at"),
        "status": _l("Status"),
        "note": _l("Note"),
        "dry_run": "Проверка без загрузки",
        "records": "Количество записей",
        "flk_counts": "ФЛК: отклонено / ошибок",
        "flk_rejected": _l("Records rejected on FLK"),
        "flk_errors": _l("FLK errors"),
        "mek_counts": "Снято по МЭК",
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
            values, pks = [], []
            if lst is not None:  # generators: keep the rows for the template
                values = lst.template_args["value_columns"] = list(lst.template_args.get("value_columns", []))
                pks = lst.template_args["pks"] = list(lst.template_args.get("pks", []))
            # what the columns do not hold: the bar of a loading file, «заменен файлом от …», the
            # МЭК money, the uploader's name, the re-upload counts — read for the page's rows
            details = file_reports.row_details(g.user, [int(pk) for pk in pks])
            for pk, v in zip(pks, values, strict=True):
                v["_details"] = details.get(int(pk), {})
            kwargs["loading"] = [pk for pk, v in zip(pks, values, strict=True) if v.get("status") in FILE_LOADING]
        elif template == self.show_template and kwargs.get("pk") is not None:
            file = self._scoped_get(kwargs["pk"])
            kwargs["file"] = file
            kwargs["card"] = file_reports.file_card(g.user, file)
            kwargs["version_labels"] = VERSION_LABELS
        return super().render_template(template, **kwargs)

    @expose("/progress")
    @has_access
    def progress(self):
        """{id: {status, stage, progress, loading}} of the user's files named by ``ids`` (the bars of
        the list poll it)."""
        ids = parse_ids(request.args.get("ids"), UploadedFile.id)[:200]
        return jsonify({str(k): v for k, v in listing.load_progress(g.user, ids).items()})

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
            dry_run = request.form.get("dry_run") == "1"  # «Проверить без загрузки»
            try:
                rows = accept_archives(g.user, [IncomingArchive(f.filename, f.stream) for f in files], dry_run=dry_run)
            except PartialUpload as refused:
                rows = refused.rows
                flash(str(refused), "danger")
            except UploadRefused as refused:
                flash(str(refused), "danger")
                return redirect(_url("list"))
            if rows and dry_run:
                flash(f"Архивы приняты на проверку без загрузки: {len(rows)}", "success")
            elif rows:
                flash(str(_l("Archives accepted for loading: %(n)s", n=len(rows))), "success")
            return redirect(_url("list"))
        return self.render_template("oms/upload.html", title=_l("Upload files"), back="UploadedFileView.list")

    # -- drill-downs ----------------------------------------------------------------------------------
    def _page(self):
        return parse_page(request.args.get("page"), file_reports.PAGE_SIZE)

    def _no_cases(self, file):
        """A check stored no case: its cases pages say so on the file's card."""
        flash(checks.NO_CASES, "info")
        return redirect(_url("show", pk=file.id))

    @expose("/cases/<int:pk>")
    @has_access
    def cases(self, pk):
        file = self._scoped_get(pk)
        if file.dry_run:
            return self._no_cases(file)
        return self.render_template(
            "oms/file_cases.html",
            file=file,
            groups=file_reports.cases_by_status(file),
            card=file_reports.file_card(g.user, file),
            version_labels=VERSION_LABELS,
            cases=None,
            title=_l("Cases of the file %(name)s", name=file.archive_name),
        )

    @expose("/cases/<int:pk>/<status>")
    @has_access
    def case_list(self, pk, status):
        file = self._scoped_get(pk)
        if file.dry_run:
            return self._no_cases(file)
        page = self._page()
        cases, total = file_reports.cases_of(file, status, page)
        return self._cases_page(file, total, page, cases=cases, status=status)

    @expose("/selection/<int:pk>/<kind>")
    @has_access
    def selection(self, pk, kind):
        """The cases of a re-upload outcome (new, updated, unchanged, skipped) or withheld in part."""
        file = self._scoped_get(pk)
        if kind not in file_reports.SELECTIONS:
            abort(404)
        if file.dry_run:
            return self._no_cases(file)
        page = self._page()
        rows, total = file_reports.selected_cases(g.user, file, kind, page)
        return self._cases_page(
            file, total, page, cases=None, selected=rows, kind=kind, heading=file_reports.SELECTIONS[kind]
        )

    def _cases_page(self, file, total: int, page: int, **shown):
        """A page of the file's cases (by status, or of a re-upload outcome) under its card."""
        return self.render_template(
            "oms/file_cases.html",
            file=file,
            groups=file_reports.cases_by_status(file),
            card=file_reports.file_card(g.user, file),
            version_labels=VERSION_LABELS,
            total=total,
            page=page,
            pages=math.ceil(total / file_reports.PAGE_SIZE),
            page_arg="",
            title=_l("Cases of the file %(name)s", name=file.archive_name),
            **shown,
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
            checks.protocol_download(file, "xml"), file_reports.protocol_file_name(file, "xml"), "application/xml"
        )

    @expose("/protocol/<int:pk>.xlsx")
    @has_access
    def protocol_xlsx(self, pk):
        file = self._scoped_get(pk)
        return self._send(
            checks.protocol_download(file, "xlsx"),
            file_reports.protocol_file_name(file, "xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
