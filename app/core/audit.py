"""Writing the audit log: one function, used by every feature that logs an event."""
from __future__ import annotations

import json
from typing import Any, Optional

from flask import has_request_context, request

from app.extensions import db
from app.models.audit import AuditEvent

# event codes and their Russian names (the audit view shows the names)
EVENTS = {
    "login": "Вход в систему",
    "logout": "Выход из системы",
    "login_failed": "Неудачный вход",
    "account_locked": "Учетная запись заблокирована",
    "account_unlocked": "Учетная запись разблокирована",
    "user_created": "Пользователь создан",
    "user_changed": "Пользователь изменен",
    "user_deleted": "Пользователь удален",
    "role_created": "Роль создана",
    "role_changed": "Роль изменена",
    "role_deleted": "Роль удалена",
    "roles_synced": "Роли синхронизированы",
    "file_uploaded": "Файл загружен",
    "file_data_deleted": "Данные файла удалены",
    "rules_changed": "Правила контроля изменены",
    "case_status_changed": "Статус случаев изменен",
    "registries_formed": "Реестры сформированы",
    "registry_deleted": "Реестр удален",
    "registry_status_changed": "Статус реестра изменен",
    "mek_results_loaded": "Результаты МЭК загружены",
    "nsi_imported": "Справочник загружен",
    "registry_signed": "Реестр подписан",
    "certificate_registered": "Сертификат зарегистрирован",
    "trust_root_added": "Доверенный корневой сертификат добавлен",
}


def record(
    event: str,
    *,
    user=None,
    username: Optional[str] = None,
    object_type: Optional[str] = None,
    object_id: Any = None,
    details: Any = None,
    session=None,
) -> AuditEvent:
    """Add one audit row to the session (the caller's transaction commits it)."""
    if details is not None and not isinstance(details, str):
        details = json.dumps(details, ensure_ascii=False, default=str)
    row = AuditEvent(
        event=event,
        user_id=getattr(user, "id", None),
        username=username or getattr(user, "username", None),
        organisation_id=getattr(user, "organisation_id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    (session or db.session).add(row)
    return row


def record_now(event: str, **kwargs) -> None:
    """Record and commit at once (login events, which have no other transaction)."""
    record(event, **kwargs)
    db.session.commit()
