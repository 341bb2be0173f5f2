"""Cases of the МО: the list with «Приостановить», «Возобновить», «Исключить» (each confirmed
with the number of cases, their sum and a reason)."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core.formatting import format_date, format_money
from app.errors import parse_ids
from app.models.intake import MedicalCase, loaded_file_ids
from app.models.vocabulary import CaseStatus, Resource
from app.security.scoped_views import ScopedModelView
from app.services.intake import case_status
from app.tariffs.breakdown import format_calc_detail
from app.views.widgets import OmsListWidget


class _LoadedFilesOnly(BaseFilter):
    """The cases of files whose load ended (a loading or failed file shows none)."""

    name = "loaded"
    arg_name = None

    def apply(self, query, value):
        return query.filter(MedicalCase.file_id.in_(loaded_file_ids()))


class CaseView(ScopedModelView):
    route_base = "/cases"
    datamodel = SQLAInterface(MedicalCase)
    base_filters = [["id", _LoadedFilesOnly, None]]
    class_permission_name = Resource.MEDICAL_CASE
    list_widget = OmsListWidget
    crud_methods = ()
    method_permission_name = {"confirm": "write"}
    list_title = _l("Cases")
    show_title = _l("Case")
    list_columns = [
        "file",
        "n_zap",
        "idcase",
        "enp",
        "usl_ok",
        "date_z_1",
        "date_z_2",
        "ds1",
        "profil",
        "sumv",
        "sum_calc",
        "status",
    ]
    show_columns = [
        "file",
        "n_zap",
        "idcase",
        "id_pac",
        "enp",
        "spolis",
        "npolis",
        "smo",
        "usl_ok",
        "vidpom",
        "for_pom",
        "date_z_1",
        "date_z_2",
        "rslt",
        "ishod",
        "idsp",
        "profil",
        "prvs",
        "ds1",
        "nhistory",
        "sumv",
        "sum_calc",
        "calc_detail",
        "status",
        "flk_errors",
    ]
    search_columns = ["status", "year", "month", "usl_ok", "n_zap", "idcase", "enp", "date_z_1", "ds1", "file"]
    base_order = ("id", "desc")
    page_size = 50
    formatters_columns = {
        "date_z_1": format_date,
        "date_z_2": format_date,
        "sumv": format_money,
        "sum_calc": format_money,
        "calc_detail": format_calc_detail,
    }
    label_columns = {
        "file": _l("File"),
        "n_zap": "N_ZAP",
        "idcase": "IDCASE",
        "id_pac": "ID_PAC",
        "enp": _l("ENP"),
        "spolis": _l("Policy series"),
        "npolis": _l("Policy number"),
        "smo": _l("SMO code"),
        "usl_ok": "USL_OK",
        "vidpom": "VIDPOM",
        "for_pom": "FOR_POM",
        "date_z_1": _l("Start of care"),
        "date_z_2": _l("End of care"),
        "rslt": "RSLT",
        "ishod": "ISHOD",
        "idsp": "IDSP",
        "profil": _l("Profile"),
        "prvs": "PRVS",
        "ds1": _l("Diagnosis"),
        "nhistory": _l("Medical record number"),
        "sumv": _l("Declared sum"),
        "sum_calc": _l("Recalculated sum"),
        "calc_detail": "Расчет стоимости",
        "status": _l("Status"),
        "flk_errors": _l("FLK errors"),
        "year": _l("Year"),
        "month": _l("Month"),
    }

    def _to_confirm(self, items, target):
        items = items if isinstance(items, list) else [items]
        ids = ",".join(str(i.id) for i in items)
        return redirect(url_for("CaseView.confirm", target=target, ids=ids))

    @action("suspend", _l("Suspend"), None, "fa-pause")
    def suspend(self, items):
        return self._to_confirm(items, CaseStatus.SUSPENDED)

    @action("resume", _l("Resume"), None, "fa-play")
    def resume(self, items):
        return self._to_confirm(items, CaseStatus.ACCEPTED)

    @action("exclude", _l("Exclude"), None, "fa-ban")
    def exclude(self, items):
        return self._to_confirm(items, CaseStatus.EXCLUDED)

    @expose("/confirm", methods=["GET", "POST"])
    @has_access
    def confirm(self):
        target = request.values.get("target", "")
        if target not in case_status.TRANSITIONS:
            flash("Недопустимый статус", "danger")
            return redirect(url_for("CaseView.list"))
        ids = parse_ids(request.values.get("ids", ""), MedicalCase.id)  # one id no case can have: none
        if request.method == "POST":
            result = case_status.change_status(g.user, ids, target, request.form.get("reason", ""))
            flash(result.message, "success" if result.ok else "danger")
            if result.ok:
                return redirect(url_for("CaseView.list"))
        count, total = case_status.preview(g.user, ids, target)
        return self.render_template(
            "oms/case_confirm.html",
            target=target,
            ids=",".join(map(str, ids)),
            action_name=case_status.TRANSITIONS[target][1],
            allowed=case_status.TRANSITIONS[target][0],
            count=count,
            total=total,
            selected=len(ids),
            title=_l("Change of case status"),
        )
