"""«Случаи»: the cases of the user's scope — the patient's ФИО, the policy or ЕНП, the dates, the
conditions of care by name, the sum and the status (and the МО for the СМО and the ТФОМС) — with
one search box (surname, policy, ЕНП or case history number, in every period), «Приостановить»,
«Возобновить», «Исключить» (each confirmed with the number of cases, their sum and a reason), and
the case card with its trail: file → ФЛК/МЭК errors → registry → the payer's decision."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from markupsafe import Markup

from app.core.formatting import format_money
from app.errors import parse_ids
from app.models.intake import MedicalCase, loaded_file_ids
from app.models.vocabulary import CaseStatus, OrgKind, Resource
from app.security.scope import Scope
from app.security.scoped_views import ScopedModelView
from app.services.intake import case_search, case_status, case_trail
from app.services.reference.code_names import code_label
from app.tariffs.breakdown import format_calc_detail
from app.views.formatting import EMPTY, row_aware, text
from app.views.widgets import OmsListWidget

SEARCH_ARG = "search"  # the search box's query argument


def _search_text() -> str:
    return case_search.normalise(request.args.get(SEARCH_ARG)) if has_request_context() else ""


class _LoadedFilesOnly(BaseFilter):
    """The cases of files whose load ended (a loading or failed file shows none)."""

    name = "loaded"
    arg_name = None

    def apply(self, query, value):
        return query.filter(MedicalCase.file_id.in_(loaded_file_ids()))


class _SearchBox(BaseFilter):
    """The search box (``?search=``): surname, policy, ЕНП or history number, every period — a
    base filter, so the list, its pages, its order, its other filters and its Excel file all keep it."""

    name = "search"
    arg_name = None

    def apply(self, query, value):
        cond = case_search.search_clause(g.user, _search_text()) if _search_text() else None
        return query if cond is None else query.filter(cond)


class _CaseInterface(SQLAInterface):
    """The list's rows with their patients, files and МО read in one query each (no query per
    row), and the policy text beside the ЕНП."""

    def get_values(self, lst, list_columns):
        rows = list(lst)
        case_search.preload(rows)
        for item, values in zip(rows, super().get_values(rows, list_columns), strict=True):
            values["policy"] = case_search.policy_text(item)
            yield values


def _code(book: str):
    def fmt(value):
        return code_label(book, value)

    return fmt


def _patient(patient) -> str:
    return case_search.person_name(patient) or EMPTY


def _mo(org) -> Markup | str:
    if org is None:
        return EMPTY
    return Markup('<span title="{}">{}</span>').format(org.short_name or org.name, org.code)


@row_aware
def _policy_cell(item, pk):
    return text(item.get("policy") or item.get("enp") or EMPTY)


def _is_mo_user() -> bool:
    user = getattr(g, "user", None) if has_request_context() else None
    return user is not None and getattr(user, "is_authenticated", False) and Scope.of(user).kind == OrgKind.MO


CASE_COLUMNS = ["patient", "enp", "nhistory", "date_z_1", "date_z_2", "usl_ok", "sumv", "status"]


class CaseView(ScopedModelView):
    route_base = "/cases"
    datamodel = _CaseInterface(MedicalCase)
    base_filters = [["id", _LoadedFilesOnly, None], ["id", _SearchBox, None]]
    class_permission_name = Resource.MEDICAL_CASE
    list_widget = OmsListWidget
    list_template = "oms/case_list.html"
    show_template = "oms/case_show.html"
    crud_methods = ()
    method_permission_name = {"confirm": "write"}
    list_title = "Случаи"
    show_title = "Случай"
    confirm_sum_column = "sumv"  # «Выбрано: N на сумму X» in the confirmations
    show_columns = [
        "enp",
        "spolis",
        "npolis",
        "smo",
        "nhistory",
        "n_zap",
        "idcase",
        "id_pac",
        "usl_ok",
        "vidpom",
        "for_pom",
        "date_z_1",
        "date_z_2",
        "ds1",
        "profil",
        "prvs",
        "rslt",
        "ishod",
        "idsp",
        "sumv",
        "sum_calc",
        "mek_withheld",
        "sump",
        "calc_detail",
        "status",
    ]
    search_columns = ["status", "year", "month", "usl_ok", "n_zap", "idcase", "enp", "date_z_1", "ds1", "file"]
    order_columns = ["nhistory", "date_z_1", "date_z_2", "usl_ok", "sumv", "status"]
    base_order = ("id", "desc")
    page_size = 50
    formatters_columns = {
        "patient": _patient,
        "file.organisation": _mo,
        "enp": _policy_cell,
        "usl_ok": _code("V006"),
        "vidpom": _code("V008"),
        "for_pom": _code("V014"),
        "rslt": _code("V009"),
        "ishod": _code("V012"),
        "idsp": _code("V010"),
        "profil": _code("V002"),
        "prvs": _code("V021"),
        "ds1": _code("M001"),
        "sumv": format_money,
        "sum_calc": format_money,
        "mek_withheld": format_money,
        "sump": format_money,
        "calc_detail": format_calc_detail,
    }
    label_columns = {
        "file": "Файл",
        "file.organisation": "МО",
        "patient": "ФИО",
        "n_zap": "№ записи (N_ZAP)",
        "idcase": "№ случая (IDCASE)",
        "id_pac": "Код пациента (ID_PAC)",
        "enp": "Полис / ЕНП",
        "spolis": "Серия полиса",
        "npolis": "Номер полиса",
        "smo": "СМО",
        "usl_ok": "Условия оказания",
        "vidpom": "Вид помощи",
        "for_pom": "Форма помощи",
        "date_z_1": "Начало лечения",
        "date_z_2": "Окончание лечения",
        "rslt": "Результат обращения",
        "ishod": "Исход заболевания",
        "idsp": "Способ оплаты",
        "profil": "Профиль",
        "prvs": "Специальность врача",
        "ds1": "Диагноз",
        "nhistory": "№ истории болезни",
        "sumv": "Сумма",
        "sum_calc": "Сумма по расчету",
        "mek_withheld": "Снято по МЭК",
        "sump": "Принято к оплате",
        "calc_detail": "Расчет стоимости",
        "status": "Статус",
        "flk_errors": "Ошибок ФЛК",
        "year": "Год",
        "month": "Месяц",
    }

    @property
    def list_columns(self):
        """The МО column for the СМО and the ТФОМС (an МО user sees its own cases only)."""
        return CASE_COLUMNS if _is_mo_user() else ["file.organisation", *CASE_COLUMNS]

    @list_columns.setter
    def list_columns(self, value):
        pass

    def export_filter_notes(self) -> list[str]:
        found = _search_text()
        return [f"Поиск: «{found}»"] if found else []

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs["search"] = _search_text()
            kwargs["search_label"] = case_search.SEARCH_LABEL
            kwargs["search_arg"] = SEARCH_ARG
            kwargs["clear_query"] = urlencode(
                [(k, v) for k, vs in request.args.lists() if k != SEARCH_ARG and not k.startswith("page_") for v in vs]
            )
        elif template == self.show_template and "pk" in kwargs:
            kwargs["trail"] = case_trail.case_trail(g.user, kwargs["pk"])
        return super().render_template(template, **kwargs)

    def _to_confirm(self, items, target):
        items = items if isinstance(items, list) else [items]
        ids = ",".join(str(i.id) for i in items)
        return redirect(url_for("CaseView.confirm", target=target, ids=ids))

    @action("suspend", "Приостановить", None, "fa-pause")
    def suspend(self, items):
        return self._to_confirm(items, CaseStatus.SUSPENDED)

    @action("resume", "Возобновить", None, "fa-play")
    def resume(self, items):
        return self._to_confirm(items, CaseStatus.ACCEPTED)

    @action("exclude", "Исключить", None, "fa-ban")
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
            irreversible=target == CaseStatus.EXCLUDED,
            title="Изменение статуса случаев",
        )
