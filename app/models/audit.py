"""The audit log: who did what and when. Rows are only ever added."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from app.models.base import Model, utcnow

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
    "file_load_retried": "Загрузка файла повторена",
    "file_check_started": "Проверка файла без загрузки",
    "file_received_by_mail": "Файл получен по почте",
    "inbox_archive_rejected": "Архив из почты отклонен",
    "rules_changed": "Правила контроля изменены",
    "format_versions_changed": "Версии форматов по периодам изменены",
    "case_status_changed": "Статус случаев изменен",
    "registries_formed": "Реестры сформированы",
    "registry_deleted": "Реестр удален",
    "registry_status_changed": "Статус реестра изменен",
    "mek_results_loaded": "Результаты МЭК загружены",
    "registry_documents_made": "Документы реестра сформированы",
    "registry_documents_failed": "Документы реестра не сформированы",
    "registry_documents_retried": "Формирование документов реестра повторено",
    "nsi_imported": "Справочник загружен",
    "registry_signed": "Реестр подписан",
    "certificate_registered": "Сертификат зарегистрирован",
    "trust_root_added": "Доверенный корневой сертификат добавлен",
    "api_key_created": "Ключ API создан",
    "api_key_revoked": "Ключ API отозван",
}


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_org_at", "organisation_id", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    event = Column(String(40), nullable=False, index=True)
    user_id = Column(Integer, index=True)  # no foreign key: the log outlives the user
    username = Column(String(100), index=True)
    organisation_id = Column(Integer)
    object_type = Column(String(60))
    object_id = Column(String(60))
    details = Column(Text)
    ip = Column(String(45))

    @property
    def event_label(self) -> str:
        return EVENTS.get(self.event, self.event)
