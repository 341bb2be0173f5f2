"""Statuses, with the exact Russian texts of the regional manual (DESIGN.md §2).

The text itself is stored in the rows: lists filter by it, the command line and the API print it.
"""
from __future__ import annotations

# -- a loaded file («Загрузка файла») ------------------------------------------------------------------
FILE_QUEUED = "В очереди"
FILE_ARCHIVE = "Проверка архива"
FILE_FLK = "ФЛК"
FILE_ERZ = "Идентификация в ЕРЗ"
FILE_MEK = "МЭК"
FILE_RECALC = "Перерасчет стоимости"
FILE_DONE = "Процесс загрузки завершен"
FILE_ERR_UPLOAD = "Ошибка при загрузке файлов на сервер"
FILE_ERR_ERZ = "Ошибка формирования файла для ЕРЗ"
FILE_ERR_DB = "Ошибка при загрузке подготовленных данных"
FILE_ERR_VALIDATION = "Ошибка при валидации данных"

FILE_STATUSES = (FILE_QUEUED, FILE_ARCHIVE, FILE_FLK, FILE_ERZ, FILE_MEK, FILE_RECALC, FILE_DONE,
                 FILE_ERR_UPLOAD, FILE_ERR_ERZ, FILE_ERR_DB, FILE_ERR_VALIDATION)
FILE_LOADING = (FILE_QUEUED, FILE_ARCHIVE, FILE_FLK, FILE_ERZ, FILE_MEK, FILE_RECALC)
FILE_ERRORS = (FILE_ERR_UPLOAD, FILE_ERR_ERZ, FILE_ERR_DB, FILE_ERR_VALIDATION)
NOTE_NO_CASES_FOR_ERZ = "Нет случаев для отправки в РС ЕРЗ"

# -- a case (законченный случай, Z_SL) ----------------------------------------------------------------------
CASE_ACCEPTED = "Принят"
CASE_FLK_REJECTED = "Отклонен ФЛК"
CASE_MEK_REJECTED = "Отклонен МЭК"
CASE_IN_REGISTRY = "В реестре"
CASE_SUSPENDED = "Приостановлен"
CASE_EXCLUDED = "Исключен"

CASE_STATUSES = (CASE_ACCEPTED, CASE_FLK_REJECTED, CASE_MEK_REJECTED, CASE_IN_REGISTRY,
                 CASE_SUSPENDED, CASE_EXCLUDED)
