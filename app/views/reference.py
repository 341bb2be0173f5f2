"""«Справочники»: the reference books (НСИ) and the control rule catalogue."""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.core.formatting import format_date, format_datetime
from app.models.reference import ControlRule, NsiBookVersion, NsiItem
from app.models.vocabulary import Resource
from app.security.global_views import GlobalModelView, GlobalReadOnlyView
from app.security.permissions import PERM_WRITE
from app.services.reference import nsi, rules


class NsiBookView(GlobalReadOnlyView):
    """The loaded books; «Обновить из ФФОМС» (write on the НСИ: the fund's administrator) starts
    the download of their current versions from the federal service as a background job."""

    datamodel = SQLAInterface(NsiBookVersion)
    class_permission_name = Resource.NSI
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"fetch": PERM_WRITE}
    list_template = "oms/nsi_book_list.html"
    list_title = _l("Reference books")
    show_title = "Справочник"
    list_columns = ["book", "title", "version", "published", "rows", "imported_at"]
    base_order = ("book", "asc")
    formatters_columns = {"imported_at": format_datetime}
    label_columns = {
        "book": _l("Code"),
        "title": _l("Name"),
        "version": _l("Version"),
        "published": _l("Published"),
        "rows": _l("Rows"),
        "imported_at": _l("Imported at"),
    }

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs["can_fetch"] = self.appbuilder.sm.has_access("can_write", self.class_permission_name)
        return super().render_template(template, **kwargs)

    @expose("/fetch", methods=["POST"])
    @has_access
    def fetch(self):
        result = nsi.start_fetch(g.user)
        flash(result.message, "success" if result.ok else "danger")
        return redirect(url_for(f"{type(self).__name__}.list"))


class NsiItemView(GlobalReadOnlyView):
    datamodel = SQLAInterface(NsiItem)
    class_permission_name = Resource.NSI
    # the resource's permissions as NsiBookView declares them (Flask-AppBuilder drops from a
    # resource what one of its views does not list); no route of this view needs write
    base_permissions = NsiBookView.base_permissions
    list_title = _l("Reference book entries")
    show_title = "Запись справочника"
    list_columns = ["book", "code", "name", "date_begin", "date_end"]
    search_columns = ["book", "code", "name", "date_begin", "date_end"]
    base_order = ("book", "asc")
    page_size = 100
    formatters_columns = {"date_begin": format_date, "date_end": format_date}
    label_columns = {
        "book": _l("Reference book"),
        "code": _l("Code"),
        "name": _l("Name"),
        "date_begin": _l("Valid from"),
        "date_end": _l("Valid to"),
    }


class ControlRuleView(GlobalModelView):
    datamodel = SQLAInterface(ControlRule)
    class_permission_name = Resource.CONTROL_RULE
    crud_methods = ("edit",)
    list_title = _l("Control rules")
    show_title = "Правило контроля"
    edit_title = _l("Edit control rule")
    list_columns = [
        "code",
        "stage",
        "element",
        "file_types",
        "message",
        "valid_from",
        "valid_to",
        "enabled",
        "implemented",
    ]
    edit_columns = ["message", "hint", "valid_from", "valid_to", "enabled", "refusal_code", "withhold_share"]
    show_columns = [
        "code",
        "stage",
        "source",
        "element",
        "file_types",
        "message",
        "hint",
        "valid_from",
        "valid_to",
        "enabled",
        "implemented",
        "refusal_code",
        "withhold_share",
        "updated_at",
    ]
    search_columns = ["code", "stage", "element", "message", "enabled", "implemented", "source"]
    base_order = ("code", "asc")
    page_size = 100
    formatters_columns = {"valid_from": format_date, "valid_to": format_date, "updated_at": format_datetime}
    label_columns = {
        "code": _l("Code"),
        "stage": _l("Stage"),
        "element": _l("Element"),
        "source": _l("Source"),
        "file_types": _l("File types"),
        "message": _l("Message"),
        "hint": _l("Hint for the МО operator"),
        "valid_from": _l("Valid from"),
        "valid_to": _l("Valid to"),
        "enabled": _l("Switched on"),
        "implemented": _l("Implemented"),
        "refusal_code": _l("Refusal reason (F014)"),
        "withhold_share": _l("Share withheld"),
        "updated_at": _l("Changed at"),
    }

    def pre_update(self, item):
        rules.record_rule_edit(g.user, item)  # audited in the transaction of the edit itself

    def _switch(self, items, enabled: bool):
        items = items if isinstance(items, list) else [items]
        n = rules.switch_rules([i.code for i in items], enabled, g.user)
        flash(str(_l("Rules changed: %(n)s", n=n)), "success")
        return redirect(self.get_redirect())

    @action("switch_on", _l("Switch on"), _l("Switch the selected rules on?"), "fa-toggle-on")
    def switch_on(self, items):
        return self._switch(items, True)

    @action("switch_off", _l("Switch off"), _l("Switch the selected rules off?"), "fa-toggle-off")
    def switch_off(self, items):
        return self._switch(items, False)
