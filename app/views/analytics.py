"""«Аналитика»: the refusals of the ФЛК, the МЭК and the payer's МЭК — by rule, by month, by
subdivision, payer or МО, the costliest rules with what to fix, the cases behind each figure and
every table as XLSX.  Thin: each page is one call of :mod:`app.services.analytics.pages`; the
charts come as SVG markup from the server (no script)."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

from flask import abort, g, request, send_file
from flask_appbuilder import BaseView, expose, has_access

from app.core.xlsx import table_workbook
from app.models.vocabulary import Resource
from app.security.access import can
from app.security.permissions import PERM_READ
from app.services.analytics import pages, svg
from app.views.export import XLSX_MIMETYPE

NOT_A_TABLE = "Такой таблицы в разделе «Аналитика» нет"
_FILENAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class AnalyticsView(BaseView):
    route_base = "/analytics"
    default_view = "index"
    class_permission_name = Resource.ANALYTICS
    base_permissions = ["can_read"]
    method_permission_name = {
        "index": PERM_READ,
        "codes": PERM_READ,
        "months": PERM_READ,
        "groups": PERM_READ,
        "cases": PERM_READ,
        "xlsx": PERM_READ,
    }

    def _render(self, template: str, tab: str, page, **kwargs):
        kwargs.setdefault("hidden", {})
        return self.render_template(
            f"oms/analytics/{template}.html",
            page=page,
            frame=page.frame,
            tab=tab,
            sources=pages.SOURCES,
            title="Аналитика",
            count=svg.count_text,
            pct=pages.percent,
            **kwargs,
        )

    @expose("/")
    @has_access
    def index(self):
        return self._render("overview", "overview", pages.overview_page(g.user, request.args))

    @expose("/codes")
    @has_access
    def codes(self):
        return self._render("codes", "codes", pages.codes_page(g.user, request.args))

    @expose("/months")
    @has_access
    def months(self):
        return self._render("months", "months", pages.months_page(g.user, request.args))

    @expose("/groups/<by>")
    @has_access
    def groups(self, by):
        page = pages.groups_page(g.user, request.args, by)
        if page is None:
            abort(404)
        return self._render("groups", by, page)

    @expose("/cases")
    @has_access
    def cases(self):
        page = pages.cases_page(g.user, request.args)
        # the case card is the «Случаи» page's: only for those who may read it (not the СМО)
        card = can(g.user, PERM_READ, Resource.MEDICAL_CASE)
        args = page.args()
        hidden = {k: v for k, v in args.items() if k in ("code", "sub", "payer")}
        return self._render("cases", "cases", page, card=card, hidden=hidden, page_arg=urlencode(args) + "&")

    @expose("/xlsx/<kind>")
    @has_access
    def xlsx(self, kind):
        table = pages.export_table(g.user, kind, request.args) if kind in pages.TABLES else None
        if table is None:
            abort(404, NOT_A_TABLE)
        data = table_workbook(table.title, table.notes, table.headers, table.rows)
        name = _FILENAME_FORBIDDEN.sub(" ", table.file_name).strip() + ".xlsx"
        return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name)
