"""The system's vocabularies as enums: statuses of files, cases and registries (the exact Russian
texts of the regional manual), registry types, organisation kinds, signing rights and methods,
permission resources.

Each is a ``StrEnum``: the member *is* the stored text or code (rows, filters, the command line
and the API carry it as it is), and ``member.label`` is what people read.  A status literal
appears nowhere else in the code (a test looks for them in the views and the APIs).

This module imports nothing of the application: models, security rules and controls all use it.
"""

from __future__ import annotations

from enum import StrEnum


class Vocabulary(StrEnum):
    """A ``StrEnum`` whose members carry a Russian ``label`` (the value itself unless given)."""

    label: str

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value (the value itself when it is not a member)."""
        if value is None:
            return ""
        try:
            return cls(value).label
        except ValueError:
            return str(value)


# -- a loaded file («Загрузка файла») ------------------------------------------------------------------
class FileStatus(Vocabulary):
    QUEUED = "В очереди"
    ARCHIVE = "Проверка архива"
    FLK = "ФЛК"
    ERZ = "Идентификация в ЕРЗ"
    MEK = "МЭК"
    RECALC = "Перерасчет стоимости"
    DONE = "Процесс загрузки завершен"
    CHECKED = "Проверка завершена"  # «Проверить без загрузки»: the protocol is ready, nothing was stored
    ERR_UPLOAD = "Ошибка при загрузке файлов на сервер"
    ERR_ERZ = "Ошибка формирования файла для ЕРЗ"
    ERR_DB = "Ошибка при загрузке подготовленных данных"
    ERR_VALIDATION = "Ошибка при валидации данных"


FILE_LOADING = (
    FileStatus.QUEUED,
    FileStatus.ARCHIVE,
    FileStatus.FLK,
    FileStatus.ERZ,
    FileStatus.MEK,
    FileStatus.RECALC,
)
FILE_ERRORS = (FileStatus.ERR_UPLOAD, FileStatus.ERR_ERZ, FileStatus.ERR_DB, FileStatus.ERR_VALIDATION)
NOTE_NO_CASES_FOR_ERZ = "Нет случаев для отправки в РС ЕРЗ"


class ChunkStatus(Vocabulary):
    """A part of a load cut into chunks (``load_chunk``)."""

    QUEUED = "queued", "в очереди"
    RUNNING = "running", "выполняется"
    DONE = "done", "выполнена"


class FileChannel(Vocabulary):
    """How an archive reached the system («канал»)."""

    WEB = "web", "веб"
    API = "api", "API"
    CLI = "cli", "командная строка"
    MAIL = "mail", "почта"


# -- a case (законченный случай, Z_SL) ----------------------------------------------------------------------
class CaseStatus(Vocabulary):
    ACCEPTED = "Принят"
    FLK_REJECTED = "Отклонен ФЛК"
    MEK_REJECTED = "Отклонен МЭК"
    IN_REGISTRY = "В реестре"
    SUSPENDED = "Приостановлен"
    EXCLUDED = "Исключен"


# -- a registry ------------------------------------------------------------------------------------------
class RegistryStatus(Vocabulary):
    CREATED = "Создан"
    SENT = "Отправлен"
    FORMED = "Сформирован"
    TAKEN = "Выгружен"
    REWORK = "На доработку"
    MO_SIGNING = "На подпись МО"
    SMO_SIGNING = "На подпись СМО"
    CLOSED = "Закрыт"


DELETABLE_REGISTRY_STATUSES = (RegistryStatus.CREATED, RegistryStatus.REWORK)


class RegistryType(Vocabulary):
    """«Тип реестра»: by the conditions of care (USL_OK), non-residents apart."""

    APP = "АПП"
    HOSPITAL = "Стационар"
    DAY_HOSPITAL = "Дневной стационар"
    SMP = "СМП"
    NONRESIDENT = "Иногородние"


REGISTRY_TYPE_BY_USL_OK = {
    3: RegistryType.APP,
    1: RegistryType.HOSPITAL,
    2: RegistryType.DAY_HOSPITAL,
    4: RegistryType.SMP,
}

#: registry subtypes: the file type of the cases
SUBTYPE_NAMES = {
    "H": "основной",
    "C": "ЗНО",
    "T": "ВМП",
    "DP": "диспансеризация взрослых, I этап",
    "DV": "диспансеризация взрослых, II этап",
    "DO": "профосмотры взрослых",
    "DS": "диспансеризация детей-сирот (стационар)",
    "DU": "диспансеризация детей-сирот (опека)",
    "DF": "профосмотры несовершеннолетних",
    "DA": "углубленная диспансеризация, I этап",
    "DB": "углубленная диспансеризация, II этап",
}


# -- organisations and people -------------------------------------------------------------------------
class OrgKind(Vocabulary):
    TFOMS = "tfoms", "ТФОМС"
    SMO = "smo", "СМО"
    MO = "mo", "МО"


class SigningRight(Vocabulary):
    """«Право подписи» of a user; a registry's signing steps are these roles (and the paper ones)."""

    EXECUTOR = "executor", "Исполнитель"
    CHIEF_ACCOUNTANT = "chief_accountant", "Главный бухгалтер"
    HEAD = "head", "Руководитель"
    SMO_SIGNER = "smo_signer", "Подписант СМО"
    PAPER = "paper", "Отметка о подписании на бумаге"  # a ТФОМС user records a paper-signed stage


MO_SIGNING_ORDER = (SigningRight.EXECUTOR, SigningRight.CHIEF_ACCOUNTANT, SigningRight.HEAD)


class PaperRole(Vocabulary):
    """A signing step replaced by a signature on paper."""

    MO = "paper_mo", "Подписи МО на бумаге"
    SMO = "paper_smo", "Подпись СМО на бумаге"


class SigningMethod(Vocabulary):
    PKCS12 = "pkcs12", "PKCS#12"  # a PKCS#12 and its passphrase for this one signing
    DETACHED = "detached", "Файлы .sig"  # .sig files made with the user's own tool
    PROVIDER = "provider", "Внешний провайдер"  # the configured external provider (its key store)
    PAPER = "paper", "На бумаге"  # marked as signed on paper


# -- background jobs («Фоновые задачи») ---------------------------------------------------------------------
class JobStatus(Vocabulary):
    QUEUED = "queued", "В очереди"
    STARTED = "started", "Выполняется"
    FINISHED = "finished", "Завершена"
    FAILED = "failed", "Ошибка"


# -- permissions -----------------------------------------------------------------------------------------
class Resource(Vocabulary):
    """A permission resource: the ``class_permission_name`` of the views and APIs over it; roles
    grant ``read`` or ``write`` per resource (:mod:`app.security.roles`)."""

    UPLOADED_FILE = "UploadedFile", "Загрузка файла"
    MEDICAL_CASE = "MedicalCase", "Случаи"
    FORMATION = "Formation", "Формирование"
    REGISTRY = "Registry", "Реестры"
    NSI = "Nsi", "Справочники НСИ"
    CONTROL_RULE = "ControlRule", "Правила контроля"
    ERZ = "Erz", "ЕРЗ"
    TARIFF = "Tariff", "Тарифы"  # also the pages of the КСГ tables and the grouper
    MO_ATTACHMENT = "MoAttachment", "Прикрепление застрахованных к МО"
    MO_LICENCE = "MoLicence", "Лицензии МО по профилям"
    ORGANISATION = "Organisation", "Организации"
    SUBDIVISION = "Subdivision", "Подразделения"
    AUDIT_EVENT = "AuditEvent", "Журнал аудита"
    BACKGROUND_JOB = "BackgroundJob", "Фоновые задачи"
    CERTIFICATE = "Certificate", "Эл. подпись"
    TRUST_ROOT = "TrustRoot", "Корневые сертификаты"
    API_KEY = "ApiKey", "Ключи API"
    ANALYTICS = "Analytics", "Аналитика"
