"""«Версии форматов по периодам» (in «Справочники»): which ZGLV/VERSION each file kind must carry for
a reporting period, and the Q015 check that refuses another.  Everybody reads it; the ТФОМС (the
«Правила контроля» write permission) adds, edits and deletes rows, each checked and audited by
:mod:`app.services.reference.format_versions`."""

from __future__ import annotations

from flask import g
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.core.formatting import format_datetime
from app.formats.definitions import KIND_TITLES
from app.formats.periods import VERSION_CHECKS
from app.models.reference import FormatVersionPeriod
from app.models.vocabulary import Resource
from app.security.global_views import GlobalModelView
from app.services.reference import format_versions


def _month(value) -> str:
    return f"{value:%m.%Y}" if value else "—"


def _fields() -> dict:
    kinds = SelectField(_l("File type"), choices=list(KIND_TITLES.items()), widget=Select2Widget())
    checks = SelectField(
        _l("Q015 check"), choices=[(c, f"{c} — {m}") for c, m in VERSION_CHECKS.items()], widget=Select2Widget()
    )
    return {"kind": kinds, "check_code": checks}


class FormatVersionPeriodView(GlobalModelView):
    route_base = "/format-versions"
    datamodel = SQLAInterface(FormatVersionPeriod)
    class_permission_name = Resource.CONTROL_RULE
    list_title = _l("Format versions by period")
    add_title = _l("Add format version row")
    edit_title = _l("Edit format version row")
    show_title = _l("Format version row")
    list_columns = ["kind", "version", "period_from", "period_to", "check_code", "comment", "updated_at"]
    add_columns = edit_columns = ["kind", "version", "period_from", "period_to", "check_code", "comment"]
    show_columns = list_columns
    search_columns = ["kind", "version", "check_code"]
    base_order = ("kind", "asc")
    page_size = 50
    add_form_extra_fields = edit_form_extra_fields = _fields()
    formatters_columns = {
        "period_from": _month,
        "period_to": _month,
        "comment": lambda value: value or "",
        "updated_at": format_datetime,
    }
    label_columns = {
        "kind": _l("File type"),
        "version": _l("Version"),
        "period_from": _l("From the period"),
        "period_to": _l("To the period"),
        "check_code": _l("Q015 check"),
        "comment": _l("Comment"),
        "updated_at": _l("Changed at"),
    }
    description_columns = {
        "period_from": _l("Any day of the first month; empty: from the beginning"),
        "period_to": _l("Any day of the last month; empty: open"),
    }

    # a refused row raises FormatVersionError, whose message Flask-AppBuilder shows; the edit's own
    # transaction writes the row and its audit together
    def pre_add(self, item):
        format_versions.accept_edit(g.user, item, "added")

    def pre_update(self, item):
        format_versions.accept_edit(g.user, item, "edited")

    def pre_delete(self, item):
        format_versions.accept_edit(g.user, item, "deleted")
