"""«Администрирование»: users, organisations, subdivisions, the audit log and background jobs."""

from __future__ import annotations

import datetime as dt
import json
import re

from flask import abort, flash, g, redirect
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Optional, Regexp

from app.core.formatting import format_date, format_datetime
from app.models.audit import AuditEvent
from app.models.job import BackgroundJob
from app.models.organisation import LEVEL_MESSAGE, LEVEL_PATTERN, Organisation, Subdivision
from app.models.vocabulary import Resource
from app.security.global_views import GlobalReadOnlyView, RowActions
from app.security.scoped_views import ScopedModelView
from app.services.accounts.people import full_names_by_username
from app.services.accounts.role_matrix import role_holders, role_matrix
from app.services.accounts.users import validate_user_organisation


def _names(items) -> str:
    """Related rows (roles, signature rights) as their names, «—» for none."""
    names = [str(getattr(i, "name", i)) for i in items or ()]
    return ", ".join(names) if names else "—"


def _yes_no(value) -> str:
    return "Да" if value else "Нет"


def _organisation_name(org) -> str:
    return (org.short_name or org.name) if org is not None else "—"


def _subdivision_name(sub) -> str:
    return sub.name if sub is not None else "—"


class OmsUserView(RowActions, UserDBModelView):
    """FAB's user view with the organisation, subdivision limit, signature rights and lock (its
    action routes are the project's: a user that does not exist answers 404, not a crash); every
    title, label and hint in Russian (the library's own have typos and LDAP hints)."""

    list_title = "Пользователи"
    show_title = "Пользователь"
    add_title = "Новый пользователь"
    edit_title = "Изменение пользователя"
    user_info_title = "Мои данные"
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
            "Учетная запись",
            {"fields": ["username", "active", "locked_at", "roles", "login_count", "fail_login_count", "last_login"]},
        ),
        ("Организация", {"fields": ["organisation", "subdivision", "signature_rights"]}),
        ("Личные данные", {"fields": ["first_name", "last_name", "email"], "expanded": True}),
    ]
    user_show_fieldsets = [
        ("Учетная запись", {"fields": ["username", "roles", "organisation", "subdivision", "signature_rights"]}),
        ("Личные данные", {"fields": ["first_name", "last_name", "email"], "expanded": True}),
    ]
    search_columns = ["username", "first_name", "last_name", "organisation", "subdivision", "roles", "active"]
    label_columns = {
        "get_full_name": "ФИО",
        "first_name": "Имя",
        "last_name": "Фамилия",
        "username": "Логин",
        "password": "Пароль",
        "conf_password": "Пароль еще раз",
        "active": "Активен",
        "email": "Электронная почта",
        "roles": "Роли",
        "last_login": "Последний вход",
        "login_count": "Входов",
        "fail_login_count": "Неудачных попыток входа подряд",
        "created_on": "Дата создания",
        "created_by": "Кем создан",
        "changed_on": "Дата изменения",
        "changed_by": "Кем изменен",
        "organisation": "Организация",
        "subdivision": "Подразделение (ограничение)",
        "signature_rights": "Права подписи",
        "locked_at": "Заблокирован",
    }
    description_columns = {
        "first_name": "Имя и отчество пользователя",
        "last_name": "Фамилия пользователя",
        "username": "Имя для входа в систему",
        "active": "Пользователя лучше не удалять, а сделать неактивным: войти он не сможет, его история сохранится",
        "email": "Адрес электронной почты пользователя",
        "roles": "Роль определяет права пользователя (см. «Роли и права»)",
        "organisation": "Организация пользователя: он видит только ее данные",
        "subdivision": "Только для пользователя МО, который должен работать с данными одного подразделения",
        "signature_rights": "Исполнитель, главный бухгалтер, руководитель (МО); подписант СМО (СМО)",
    }
    add_form_extra_fields = {
        "password": PasswordField(
            "Пароль",
            description="Пароль для входа в систему",
            validators=[DataRequired(), PasswordComplexityValidator()],
            widget=BS3PasswordFieldWidget(),
        ),
        "conf_password": PasswordField(
            "Пароль еще раз",
            description="Повторите пароль",
            validators=[DataRequired(), EqualTo("password", message="Пароли не совпадают")],
            widget=BS3PasswordFieldWidget(),
        ),
    }
    formatters_columns = {
        "locked_at": format_datetime,
        "last_login": format_datetime,
        "roles": _names,
        "signature_rights": _names,
        "active": _yes_no,
        "organisation": _organisation_name,
        "subdivision": _subdivision_name,
    }

    def pre_add(self, item):
        super().pre_add(item)
        validate_user_organisation(item)

    def pre_update(self, item):
        super().pre_update(item)
        validate_user_organisation(item)

    @action("unlock", "Разблокировать", "Разблокировать выбранные учетные записи?", "fa-unlock", single=False)
    def unlock(self, items):
        items = items if isinstance(items, list) else [items]
        for user in items:
            self.appbuilder.sm.unlock_user(user, actor=g.user)
        flash(f"Разблокировано учетных записей: {len(items)}", "success")
        return redirect(self.get_redirect())

    @action("resetmypassword", "Сменить пароль", "", "fa-lock", multiple=False)
    def resetmypassword(self, item):
        return super().resetmypassword(item)

    @action("resetpasswords", "Сменить пароль", "", "fa-lock", multiple=False)
    def resetpasswords(self, item):
        return super().resetpasswords(item)

    @action("userinfoedit", "Изменить личные данные", "", "fa-edit", multiple=False)
    def userinfoedit(self, item):
        return super().userinfoedit(item)


class OmsRoleView(BaseView):
    """«Роли и права»: the roles as a matrix of resources × «Чтение» / «Запись», read only — roles
    are code (app.security.roles), synced by ``oms sync-roles``.  Its permissions are those of
    the library's role pages (``can_list`` / ``can_show`` on RoleModelView), which the
    administrator holds."""

    route_base = "/roles"
    class_permission_name = "RoleModelView"
    method_permission_name = {"list": "list", "show": "show"}
    default_view = "list"

    @expose("/list/")
    @has_access
    def list(self):
        matrix = role_matrix()
        return self.render_template("appbuilder/security/roles.html", title="Роли и права", matrix=matrix, single=False)

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk: int):
        matrix = role_matrix(pk)
        if matrix is None:
            abort(404, "Роль не найдена")
        return self.render_template(
            "appbuilder/security/roles.html",
            title=f"Роль «{matrix.roles[0].name}»",
            matrix=matrix,
            single=True,
            holders=role_holders(pk),
        )


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


#: what an audit event names, as people call it
OBJECT_TYPES = {
    "Registry": "Реестр",
    "UploadedFile": "Файл",
    "MedicalCase": "Случай",
    "OmsUser": "Пользователь",
    "Role": "Роль",
    "Organisation": "Организация",
    "Subdivision": "Подразделение",
    "Certificate": "Сертификат",
    "TrustRoot": "Корневой сертификат",
    "ApiKey": "Ключ API",
    "ControlRule": "Правило контроля",
    "NsiBook": "Справочник НСИ",
    "FormatVersionPeriod": "Версия формата",
}
#: the keys of an event's details
DETAIL_KEYS = {
    "name": "наименование",
    "fields": "поля",
    "number": "номер",
    "username": "логин",
    "user": "пользователь",
    "comment": "комментарий",
    "from": "было",
    "to": "стало",
    "thumbprint": "отпечаток",
    "subject": "владелец",
    "role": "роль",
    "method": "способ",
    "certificate": "сертификат",
    "archive": "архив",
    "size": "размер",
    "sha256": "SHA-256",
    "period": "период",
    "type": "тип",
    "registries": "реестры",
    "refused": "отказано",
    "count": "количество",
    "status": "статус",
    "h_name": "файл случаев",
    "l_name": "файл персональных данных",
    "records": "записей",
    "uploaded_at": "загружен",
    "uploaded_by_id": "загрузил (id)",
    "channel": "канал",
    "reason": "причина",
    "after": "после",
}
#: a date or a date and time the details carry as JSON text (``str`` of a Python value)
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def _detail_value(item) -> str:
    """One value of the details as people read it: «да/нет», a list joined, ДД.ММ.ГГГГ for dates."""
    if isinstance(item, bool):
        return "да" if item else "нет"
    if isinstance(item, list):
        return ", ".join(str(i) for i in item) or "—"
    if item is None or item == "":
        return "—"
    if isinstance(item, str) and _ISO_MOMENT.match(item):
        moment = dt.datetime.fromisoformat(item)
        return format_date(moment) if len(item) == 10 else format_datetime(moment)
    return str(item)


def _person(username) -> str:
    """The name of the user a log row names by login, the login under it; the login alone when
    no user has it (any more)."""
    if not username:
        return "—"
    names = g.get("_oms_people")
    if names is None:
        names = g._oms_people = full_names_by_username()
    name = names.get(username)
    if not name or name == username:
        return username
    return Markup('{}<br><small class="text-muted">{}</small>').format(name, username)


def _moment(value):
    """A date and time on one line."""
    return Markup('<span class="oms-nowrap">{}</span>').format(format_datetime(value)) if value else "—"


def _object_type(value) -> str:
    return OBJECT_TYPES.get(value, value) if value else "—"


def _details(value):
    """An event's details as «ключ: значение; …» (they are stored as JSON or as a sentence)."""
    if not value:
        return "—"
    try:
        data = json.loads(value)
    except ValueError:
        return value
    if not isinstance(data, dict):
        return value
    parts = [f"{DETAIL_KEYS.get(key, key)}: {_detail_value(item)}" for key, item in data.items()]
    return Markup("; ".join(str(escape(p)) for p in parts))


class AuditEventView(GlobalReadOnlyView):
    datamodel = SQLAInterface(AuditEvent)
    class_permission_name = Resource.AUDIT_EVENT
    list_title = show_title = "Журнал аудита"
    list_columns = ["at", "event_label", "username", "object_type", "object_id", "details", "ip"]
    show_columns = [
        "at",
        "event_label",
        "username",
        "organisation_id",
        "object_type",
        "object_id",
        "details",
        "ip",
    ]
    search_columns = ["at", "event", "username", "object_type", "object_id"]
    base_order = ("at", "desc")
    formatters_columns = {"at": _moment, "username": _person, "object_type": _object_type, "details": _details}
    label_columns = {
        "at": "Время",
        "event": "Событие",
        "event_label": "Событие",
        "username": "Пользователь",
        "user_id": "№ пользователя",
        "organisation_id": "№ организации",
        "object_type": "Объект",
        "object_id": "№ объекта",
        "details": "Подробности",
        "ip": "IP-адрес",
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
