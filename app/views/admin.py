"""«Администрирование»: users, organisations, subdivisions, the audit log and background jobs."""

from __future__ import annotations

from flask import flash, g, redirect
from flask_appbuilder import action
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional, Regexp

from app.core.formatting import format_datetime
from app.models.audit import AuditEvent
from app.models.job import BackgroundJob
from app.models.organisation import LEVEL_MESSAGE, LEVEL_PATTERN, Organisation, Subdivision
from app.models.vocabulary import Resource
from app.security.global_views import GlobalReadOnlyView, RowActions
from app.security.scoped_views import ScopedModelView
from app.services.accounts.users import validate_user_organisation


class OmsUserView(RowActions, UserDBModelView):
    """FAB's user view with the organisation, subdivision limit, signature rights and lock (its
    action routes are the project's: a user that does not exist answers 404, not a crash)."""

    list_columns = [
        "username",
        "get_full_name",
        "organisation",
        "subdivision",
        "roles",
        "signature_rights",
        "active",
        "locked_at",
    ]
    add_columns = [
        "first_name",
        "last_name",
        "username",
        "active",
        "email",
        "roles",
        "organisation",
        "subdivision",
        "signature_rights",
        "password",
        "conf_password",
    ]
    edit_columns = [
        "first_name",
        "last_name",
        "username",
        "active",
        "email",
        "roles",
        "organisation",
        "subdivision",
        "signature_rights",
    ]
    show_fieldsets = [
        (
            _l("User info"),
            {"fields": ["username", "active", "locked_at", "roles", "login_count", "fail_login_count", "last_login"]},
        ),
        (_l("Organisation"), {"fields": ["organisation", "subdivision", "signature_rights"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
    ]
    search_columns = ["username", "first_name", "last_name", "organisation", "subdivision", "roles", "active"]
    label_columns = {
        **UserDBModelView.label_columns,
        "organisation": _l("Organisation"),
        "subdivision": _l("Subdivision (limit)"),
        "signature_rights": _l("Signature rights"),
        "locked_at": _l("Locked at"),
        "get_full_name": _l("Full Name"),
    }
    description_columns = {
        **UserDBModelView.description_columns,
        "subdivision": _l("Only for an MO user who must work with one subdivision's data"),
        "signature_rights": _l("Executor, chief accountant, head (MO); SMO signer (SMO)"),
    }
    formatters_columns = {"locked_at": format_datetime, "last_login": format_datetime}

    def pre_add(self, item):
        validate_user_organisation(item)

    def pre_update(self, item):
        validate_user_organisation(item)

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock", single=False)
    def unlock(self, items):
        items = items if isinstance(items, list) else [items]
        for user in items:
            self.appbuilder.sm.unlock_user(user, actor=g.user)
        flash(_l("Accounts unlocked: %(n)s", n=len(items)), "success")
        return redirect(self.get_redirect())


class OrganisationView(ScopedModelView):
    datamodel = SQLAInterface(Organisation)
    class_permission_name = Resource.ORGANISATION
    list_title = show_title = _l("Organisations")
    add_title = _l("Add organisation")
    edit_title = _l("Edit organisation")
    list_columns = ["kind_label", "code", "name", "okato", "level", "is_active"]
    show_columns = [
        "kind_label",
        "code",
        "name",
        "short_name",
        "inn",
        "kpp",
        "ogrn",
        "okato",
        "level",
        "address",
        "bank_details",
        "head_name",
        "accountant_name",
        "is_active",
    ]
    add_columns = edit_columns = [
        "kind",
        "code",
        "name",
        "short_name",
        "inn",
        "kpp",
        "ogrn",
        "okato",
        "level",
        "address",
        "bank_details",
        "head_name",
        "accountant_name",
        "is_active",
    ]
    search_columns = ["kind", "code", "name", "is_active"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    label_columns = {
        "kind": _l("Type"),
        "kind_label": _l("Type"),
        "code": _l("Code"),
        "name": _l("Name"),
        "short_name": _l("Short name"),
        "inn": _l("INN"),
        "kpp": _l("KPP"),
        "ogrn": _l("OGRN"),
        "okato": _l("OKATO"),
        "address": _l("Address"),
        "bank_details": _l("Bank details"),
        "head_name": _l("Head"),
        "accountant_name": _l("Chief accountant"),
        "is_active": _l("Active"),
        "level": "Уровень МО",
    }
    description_columns = {
        "level": "Уровень медицинской организации (для коэффициента уровня КУСмо): 1, 2, 3 или подуровень, "
        "например 3.1; строки тарифов вида koef_u с этим уровнем дают КУСмо ее случаев по КСГ",
    }
    validators_columns = {"level": [Optional(), Regexp(LEVEL_PATTERN, message=LEVEL_MESSAGE)]}
    related_views = []


class SubdivisionView(ScopedModelView):
    datamodel = SQLAInterface(Subdivision)
    class_permission_name = Resource.SUBDIVISION
    list_title = show_title = _l("Subdivisions")
    add_title = _l("Add subdivision")
    edit_title = _l("Edit subdivision")
    list_columns = ["organisation", "code", "name", "is_active"]
    add_columns = edit_columns = ["organisation", "code", "name", "is_active"]
    search_columns = ["organisation", "code", "name"]
    order_columns = ["code", "name"]
    base_order = ("code", "asc")
    add_form_query_rel_fields = {"organisation": [["kind", FilterEqual, "mo"]]}
    edit_form_query_rel_fields = {"organisation": [["kind", FilterEqual, "mo"]]}
    label_columns = {
        "organisation": _l("Organisation"),
        "code": _l("Code"),
        "name": _l("Name"),
        "is_active": _l("Active"),
    }


OrganisationView.related_views = [SubdivisionView]


class AuditEventView(GlobalReadOnlyView):
    datamodel = SQLAInterface(AuditEvent)
    class_permission_name = Resource.AUDIT_EVENT
    list_title = show_title = _l("Audit log")
    list_columns = ["at", "event_label", "username", "object_type", "object_id", "details", "ip"]
    show_columns = [
        "at",
        "event_label",
        "username",
        "user_id",
        "organisation_id",
        "object_type",
        "object_id",
        "details",
        "ip",
    ]
    search_columns = ["at", "event", "username", "object_type", "object_id"]
    base_order = ("at", "desc")
    formatters_columns = {"at": format_datetime}
    label_columns = {
        "at": _l("Time"),
        "event": _l("Event"),
        "event_label": _l("Event"),
        "username": _l("User"),
        "user_id": _l("User id"),
        "organisation_id": _l("Organisation id"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "details": _l("Details"),
        "ip": _l("IP address"),
    }


class BackgroundJobView(GlobalReadOnlyView):
    datamodel = SQLAInterface(BackgroundJob)
    class_permission_name = Resource.BACKGROUND_JOB
    list_title = show_title = _l("Background jobs")
    list_columns = [
        "id",
        "title",
        "queue",
        "status_label",
        "progress",
        "created_at",
        "started_at",
        "finished_at",
        "error",
    ]
    show_columns = [
        "id",
        "rq_id",
        "title",
        "func",
        "queue",
        "status_label",
        "progress",
        "message",
        "created_at",
        "started_at",
        "finished_at",
        "error",
        "result",
    ]
    search_columns = ["status", "queue", "title", "created_at"]
    base_order = ("id", "desc")
    formatters_columns = {"created_at": format_datetime, "started_at": format_datetime, "finished_at": format_datetime}
    label_columns = {
        "id": "№",
        "rq_id": _l("Queue job id"),
        "title": _l("Job"),
        "func": _l("Function"),
        "queue": _l("Queue"),
        "status": _l("Status"),
        "status_label": _l("Status"),
        "progress": _l("Progress, %"),
        "message": _l("Message"),
        "created_at": _l("Created"),
        "started_at": _l("Started"),
        "finished_at": _l("Finished"),
        "error": _l("Error"),
        "result": _l("Result"),
    }
