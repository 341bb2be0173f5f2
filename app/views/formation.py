"""«Формирование»: the groups of accepted cases with linked filters, the cases behind a group, and
«Сформировать реестр».  Thin: the rules are in :mod:`app.services.registries.formation`."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access

from app.errors import parse_page, query_safe
from app.models.vocabulary import RegistryType, Resource
from app.security.permissions import PERM_READ, PERM_WRITE
from app.services.intake import formation_cases
from app.services.registries import formation

PAGE = 200


class FormationView(BaseView):
    route_base = "/formation"
    default_view = "index"
    class_permission_name = Resource.FORMATION
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": PERM_READ, "cases": PERM_READ, "form": PERM_WRITE}

    def _filters(self):
        return query_safe(
            {k: request.args.get(k, "") for k in formation.FILTERS}, ids=("subdivision_id",), periods=("period",)
        )

    @expose("/")
    @has_access
    def index(self):
        filters = self._filters()
        page = formation.formation_page(g.user, filters)
        can_form = self.appbuilder.sm.has_access("can_write", self.class_permission_name)
        return self.render_template(
            "oms/formation.html",
            rows=page.rows,
            filters=filters,
            options=page.options,
            types=RegistryType.values(),
            subdivisions=page.subdivisions,
            can_form=can_form,
            title="Формирование",
            total_cases=page.total_cases,
            total_sum=page.total_sum,
        )

    @expose("/cases")
    @has_access
    def cases(self):
        f = self._filters()
        page = parse_page(request.args.get("page"), PAGE)
        group = formation_cases.group_page(g.user, f, page, PAGE)
        if group is None:
            return redirect(url_for("FormationView.index"))
        back = {k: v for k, v in f.items() if k == "period" and v}
        return self.render_template(
            "oms/case_group.html",
            group=group,
            back_url=url_for("FormationView.index", **back),
            page=page,
            pages=math.ceil(group.cases_total / PAGE),
            page_arg=urlencode(f) + "&",
            title="Случаи для формирования реестра",
        )

    @expose("/form", methods=["POST"])
    @has_access
    def form(self):
        subs = request.form.getlist("subdivision")
        period = query_safe({"period": request.form.get("period", "")}, periods=("period",))["period"]
        result = formation.form_registries(g.user, period, request.form.get("reg_type", ""), subs or None)
        flash(result.message, "success" if result.ok else "danger")
        return redirect(url_for("RegistryView.list") if result.ok else url_for("FormationView.index"))
