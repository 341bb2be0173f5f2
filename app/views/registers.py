"""«Справочники» of the fund: the register of the insured (ЕРЗ) with each person's policy history,
the tariffs, the МО attachment of the insured and the МО licences.  Read-only pages (the data come
from ``oms import-erz`` / ``oms import-tariffs`` / ``oms import-attachment`` / ``oms
import-licences``)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core.formatting import format_date, format_datetime, format_money
from app.models.erz import ErzPerson, ErzPolicy
from app.models.registers import MoAttachment, MoLicence
from app.models.tariff import Tariff
from app.models.vocabulary import Resource
from app.security.global_views import GlobalReadOnlyView
from app.security.request_scope import scope_filter_spec

_SEX = {1: "мужской", 2: "женский"}


def _snils(value) -> str:
    if not value or len(value) != 11:
        return value or ""
    return f"{value[0:3]}-{value[3:6]}-{value[6:9]} {value[9:11]}"


class ErzPolicyView(GlobalReadOnlyView):
    datamodel = SQLAInterface(ErzPolicy)
    class_permission_name = Resource.ERZ
    list_title = show_title = _l("Policies of the insured")
    list_columns = ["person", "type_label", "series", "number", "smo_code", "okato", "date_begin", "date_end"]
    show_columns = ["person", "type_label", "series", "number", "smo_code", "okato", "date_begin", "date_end"]
    search_columns = ["number", "series", "smo_code", "okato", "date_begin", "date_end"]
    base_order = ("date_begin", "asc")
    formatters_columns = {"date_begin": format_date, "date_end": format_date}
    label_columns = {
        "person": _l("Insured person"),
        "type_label": _l("Policy type"),
        "policy_type": _l("Policy type"),
        "series": _l("Policy series"),
        "number": _l("Policy number"),
        "smo_code": _l("SMO code"),
        "okato": _l("Region of insurance (OKATO)"),
        "date_begin": _l("Valid from"),
        "date_end": _l("Valid to"),
    }


class ErzPersonView(GlobalReadOnlyView):
    """Search by ЕНП, surname + birth date, SNILS (11 digits); by policy on «Policies of the
    insured»; the person's page lists the policy history."""

    datamodel = SQLAInterface(ErzPerson)
    class_permission_name = Resource.ERZ
    list_title = show_title = _l("Register of the insured (ERZ)")
    list_columns = ["enp", "fam", "im", "ot", "dr", "w", "snils", "death_date"]
    show_columns = [
        "enp",
        "fam",
        "im",
        "ot",
        "w",
        "dr",
        "snils",
        "doctype",
        "docser",
        "docnum",
        "death_date",
        "updated_at",
    ]
    search_columns = ["enp", "fam", "im", "ot", "dr", "snils", "death_date"]
    base_order = ("fam", "asc")
    related_views = [ErzPolicyView]
    formatters_columns = {
        "dr": format_date,
        "death_date": format_date,
        "updated_at": format_datetime,
        "w": lambda v: _SEX.get(v, v or ""),
        "snils": _snils,
    }
    label_columns = {
        "enp": _l("ENP"),
        "fam": _l("Surname"),
        "im": _l("First name"),
        "ot": _l("Patronymic"),
        "dr": _l("Birth date"),
        "w": _l("Sex"),
        "snils": _l("SNILS"),
        "doctype": _l("Identity document type"),
        "docser": _l("Document series"),
        "docnum": _l("Document number"),
        "death_date": _l("Date of death"),
        "updated_at": _l("Updated at"),
        "policies": _l("Policies of the insured"),
    }


class TariffView(GlobalReadOnlyView):
    """The tariffs as imported (``oms import-tariffs``); a row with a level of the МО or a КПГ
    applies to the МО of that level / the cases of that КПГ only (empty: any)."""

    datamodel = SQLAInterface(Tariff)
    class_permission_name = Resource.TARIFF
    list_title = show_title = _l("Tariffs")
    list_columns = [
        "kind_label",
        "code",
        "name",
        "usl_ok",
        "level",
        "kpg",
        "price",
        "coefficient",
        "date_begin",
        "date_end",
    ]
    show_columns = [
        "kind_label",
        "code",
        "name",
        "usl_ok",
        "level",
        "kpg",
        "price",
        "coefficient",
        "date_begin",
        "date_end",
        "updated_at",
    ]
    search_columns = ["kind", "code", "name", "usl_ok", "level", "kpg", "date_begin", "date_end"]
    base_order = ("code", "asc")
    formatters_columns = {
        "price": format_money,
        "date_begin": format_date,
        "date_end": format_date,
        "updated_at": format_datetime,
    }
    label_columns = {
        "kind": _l("Tariff kind"),
        "kind_label": _l("Tariff kind"),
        "code": _l("Code"),
        "name": _l("Name"),
        "usl_ok": _l("Conditions (USL_OK)"),
        "level": "Уровень МО",
        "kpg": "КПГ",
        "price": _l("Price, rub."),
        "coefficient": _l("Coefficient"),
        "date_begin": _l("Valid from"),
        "date_end": _l("Valid to"),
        "updated_at": _l("Updated at"),
    }


class _OwnMoRows(GlobalReadOnlyView):
    """A fund's register page: the role grants it to the fund only (:mod:`app.security.roles`),
    and the rows are filtered by the model's scope all the same — an МО login that got the page
    sees the rows of its own МО code and nothing else (list, show, search), an СМО none."""

    def __init__(self, **kwargs):
        self.base_filters = scope_filter_spec() + list(self.base_filters or [])
        super().__init__(**kwargs)


_REGISTER_LABELS = {
    "mo_code": _l("MO"),
    "date_begin": _l("Valid from"),
    "date_end": _l("Valid to"),
    "updated_at": _l("Updated at"),
}
_REGISTER_FORMATTERS = {"date_begin": format_date, "date_end": format_date, "updated_at": format_datetime}


class MoAttachmentView(_OwnMoRows):
    """Search by ЕНП, МО, subdivision, site and the dates of the period."""

    datamodel = SQLAInterface(MoAttachment)
    class_permission_name = Resource.MO_ATTACHMENT
    list_title = show_title = "Прикрепление застрахованных к МО"
    list_columns = ["enp", "mo_code", "subdivision_code", "site", "date_begin", "date_end"]
    show_columns = ["enp", "mo_code", "subdivision_code", "site", "date_begin", "date_end", "updated_at"]
    search_columns = ["enp", "mo_code", "subdivision_code", "site", "date_begin", "date_end"]
    base_order = ("enp", "asc")
    formatters_columns = _REGISTER_FORMATTERS
    label_columns = {
        **_REGISTER_LABELS,
        "enp": _l("ENP"),
        "subdivision_code": _l("Subdivision"),
        "site": "Участок",
    }


class MoLicenceView(_OwnMoRows):
    """Search by МО, conditions (USL_OK), profile (PROFIL), licence number and the dates."""

    datamodel = SQLAInterface(MoLicence)
    class_permission_name = Resource.MO_LICENCE
    list_title = show_title = "Лицензии МО по профилям"
    list_columns = ["mo_code", "usl_ok_label", "profil", "licence_number", "date_begin", "date_end"]
    show_columns = ["mo_code", "usl_ok_label", "profil", "licence_number", "date_begin", "date_end", "updated_at"]
    search_columns = ["mo_code", "usl_ok", "profil", "licence_number", "date_begin", "date_end"]
    base_order = ("mo_code", "asc")
    formatters_columns = _REGISTER_FORMATTERS
    label_columns = {
        **_REGISTER_LABELS,
        "usl_ok": _l("Conditions (USL_OK)"),
        "usl_ok_label": _l("Conditions (USL_OK)"),
        "profil": "Профиль (PROFIL, V002)",
        "licence_number": "Номер лицензии",
    }
