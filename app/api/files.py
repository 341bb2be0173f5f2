"""``/api/v1/mis/files``: upload archives (or check them without loading: ``/check``), poll a
file, its errors, its cases and its FLK_P protocol — the tab «Загрузка файла» for a МИС.  Thin:
each method reads its arguments, calls one service (:mod:`app.services.intake.uploads`,
:mod:`app.services.intake.listing`, :mod:`app.services.intake.reports`,
:mod:`app.services.intake.dry_run`, :mod:`app.services.intake.cases`) and answers; a file is
looked up through the user's scope (:func:`app.security.request_scope.get_scoped`), so another
organisation's file is «not found»."""

from __future__ import annotations

from flask import current_app, request
from flask_appbuilder.api import expose, protect, safe
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.base import MisApi
from app.api.schemas import COMPONENTS, MisCaseSchema, MisErrorSchema, MisFileSchema
from app.models.intake import UploadedFile
from app.models.vocabulary import FileChannel, Resource
from app.security.request_scope import get_scoped, not_found_message
from app.services.intake import cases as file_cases
from app.services.intake import dry_run as checks
from app.services.intake import reports as file_reports
from app.services.intake.listing import FilterRefused, files_by_id, list_files
from app.services.intake.uploads import IncomingArchive, PartialUpload, UploadRefused, accept_archives

UPLOAD_FIELD = "archives"

_file = MisFileSchema()
_errors = MisErrorSchema(many=True)
_cases = MisCaseSchema(many=True)


class MisFileApi(MisApi):
    resource_name = "mis/files"
    class_permission_name = Resource.UPLOADED_FILE  # the page «Загрузка файла»: same roles
    method_permission_name = {
        "upload": "write",
        "check": "write",
        "list_files": "read",
        "show": "read",
        "errors": "read",
        "cases": "read",
        "protocol": "read",
    }
    openapi_spec_tag = "МИС: загрузка файлов"
    openapi_spec_component_schemas = COMPONENTS

    def _file_or_404(self, pk: int):
        """(the user's file, None) or (None, the 404 answer) — a foreign id is as absent as a missing one."""
        file = get_scoped(self.api_user(), UploadedFile, pk)
        if file is None:
            return None, self.not_found(not_found_message(UploadedFile))
        return file, None

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def upload(self):
        """Upload one or several ZIP archives (the same service as the page).
        ---
        post:
          operationId: uploadFiles
          summary: Загрузить архивы (один или несколько ZIP с парой H и L)
          description: >-
            Каждый архив становится строкой «Загрузка файла» в статусе «В очереди», его загрузка
            (проверка архива, ФЛК, ЕРЗ, МЭК, перерасчет) идет в фоне: опрашивайте
            GET /api/v1/mis/files/{pk}. Архив с тем же именем, который еще загружается, не принимается.
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    archives:
                      type: array
                      items:
                        type: string
                        format: binary
          responses:
            201:
              description: Архивы приняты (все или часть, тогда refused называет остальные)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisUploadResultSchema'
            400:
              description: Ни один архив не принят (сообщение в message)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            413:
              description: Запрос больше допустимого размера (MAX_UPLOAD_BYTES)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        return self._accept(dry_run=False)

    @expose("/check", methods=["POST"])
    @protect()
    @safe
    def check(self):
        """Check one or several ZIP archives without loading them («Проверить без загрузки»).
        ---
        post:
          operationId: checkFiles
          summary: Проверить архивы без загрузки (те же проверки, протокол без сохранения случаев)
          description: >-
            Каждый архив проходит все этапы загрузки в фоне — проверка архива, ФЛК, идентификация в
            ЕРЗ, МЭК по текущей базе (с дублями прежних файлов и периодов), перерасчет стоимости,
            подсчет новых и повторных случаев — и получает тот же протокол: FLK_P и XLSX
            (GET /api/v1/mis/files/{pk}/protocol), ошибки (GET /api/v1/mis/files/{pk}/errors),
            количества (GET /api/v1/mis/files/{pk}). Случаи не сохраняются и в реестры не попадают
            (GET /api/v1/mis/files/{pk}/cases — ни одного); проверка заканчивается статусом
            «Проверка завершена». Ответ — как у загрузки. Проверки хранятся CHECK_KEEP_DAYS дней
            (по умолчанию 7).
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    archives:
                      type: array
                      items:
                        type: string
                        format: binary
          responses:
            201:
              description: Архивы приняты на проверку (все или часть, тогда refused называет остальные)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisUploadResultSchema'
            400:
              description: Ни один архив не принят (сообщение в message)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            413:
              description: Запрос больше допустимого размера (MAX_UPLOAD_BYTES)
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        return self._accept(dry_run=True)

    def _accept(self, dry_run: bool):
        """The upload and the check: the archives of the request to the one service of the page."""
        refused = self.csrf_refusal()
        if refused is not None:
            return refused
        try:
            files = [f for f in request.files.getlist(UPLOAD_FIELD) if f and f.filename]
        except RequestEntityTooLarge:
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            size = f"{limit // (1024 * 1024)} МБ" if limit >= 1024 * 1024 else f"{limit} байт"
            return self.response(413, message=f"Запрос больше допустимого размера ({size})")
        if not files:
            return self.response_400(message="Приложите хотя бы один ZIP-архив в поле «archives» (multipart/form-data)")
        user = self.api_user()
        not_accepted = None
        try:
            rows = accept_archives(
                user, [IncomingArchive(f.filename, f.stream) for f in files], channel=FileChannel.API, dry_run=dry_run
            )
        except PartialUpload as partial:
            rows, not_accepted = partial.rows, str(partial)
        except UploadRefused as exc:
            return self.response_400(message=str(exc))
        fresh = files_by_id(user, [row.id for row in rows])  # as the jobs left them
        return self.response(201, result=[_file.dump(row) for row in fresh], refused=not_accepted)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def list_files(self):
        """The user's files, newest first.
        ---
        get:
          operationId: listFiles
          summary: Список загруженных файлов (в пределах организации / подразделения)
          parameters:
          - {in: query, name: period, schema: {type: string, example: "2026-07"}, description: "ГГГГ-ММ"}
          - {in: query, name: status, schema: {type: string},
             description: "статус файла, например «Процесс загрузки завершен»"}
          - {in: query, name: archive, schema: {type: string}, description: "имя архива"}
          - {in: query, name: page, schema: {type: integer, default: 0, minimum: 0}, description: "номер страницы, с 0"}
          - {in: query, name: page_size, schema: {type: integer, default: 100, minimum: 1, maximum: 1000}}
          responses:
            200:
              description: Файлы, новые первыми
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisFilePageSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        page, size = self.paging()
        try:
            count, rows = list_files(
                self.api_user(),
                period=request.args.get("period"),
                status=request.args.get("status"),
                archive=request.args.get("archive"),
                page=page,
                size=size,
            )
        except FilterRefused as refused:
            return self.response_400(message=str(refused))
        return self.response(200, count=count, page=page, page_size=size, result=[_file.dump(row) for row in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def show(self, pk):
        """Poll a file: status, note and counts.
        ---
        get:
          operationId: getFile
          summary: Статус файла, примечание и количества (записи файла, ФЛК, МЭК, повторная загрузка)
          description: >-
            records — записей (ZAP) в файле; new, updated, unchanged, skipped — что загрузка сделала
            со случаями: новые, обновленные и без изменений (заменили прежние версии), пропущенные
            (прежняя версия уже в реестре; не сохранены); replaced_by — более поздний файл, который
            заменил случаи этого.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Файл
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisFileResultSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого файла в пределах вашей организации
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        file, missing = self._file_or_404(pk)
        if missing is not None:
            return missing
        return self.response(200, result=_file.dump(file))

    @expose("/<int:pk>/errors", methods=["GET"])
    @protect()
    @safe
    def errors(self, pk):
        """The file's ФЛК and МЭК errors, each pointing to its place.
        ---
        get:
          operationId: listFileErrors
          summary: Ошибки файла (ФЛК, затем МЭК)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: stage, schema: {type: string, enum: [ФЛК, МЭК]}, description: "этап; без него — оба"}
          - {in: query, name: code, schema: {type: string}, description: "код ошибки"}
          - {in: query, name: page, schema: {type: integer, default: 0, minimum: 0}, description: "номер страницы, с 0"}
          - {in: query, name: page_size, schema: {type: integer, default: 100, minimum: 1, maximum: 1000}}
          responses:
            200:
              description: Ошибки
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisErrorPageSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого файла в пределах вашей организации
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        file, missing = self._file_or_404(pk)
        if missing is not None:
            return missing
        page, size = self.paging()
        try:
            count, lines = file_reports.error_page(
                file, request.args.get("stage"), request.args.get("code"), page, size
            )
        except FilterRefused as refused:
            return self.response_400(message=str(refused))
        return self.response(200, file_id=file.id, count=count, page=page, page_size=size, result=_errors.dump(lines))

    @expose("/<int:pk>/cases", methods=["GET"])
    @protect()
    @safe
    def cases(self, pk):
        """The file's cases with their sums: declared, recalculated, withheld, accepted.
        ---
        get:
          operationId: listFileCases
          summary: Случаи файла (статус, SUMV, стоимость по тарифам, удержано по МЭК, SUMP)
          description: >-
            Случаи файла, загрузка которого завершена (у файла, который еще загружается, и у проверки
            без загрузки — ни одного), в порядке файла. Расчет стоимости случая: GET /api/v1/mis/cases/{pk}.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: status, schema: {type: string}, description: "статус случая, например «Принят»"}
          - {in: query, name: page, schema: {type: integer, default: 0, minimum: 0}, description: "номер страницы, с 0"}
          - {in: query, name: page_size, schema: {type: integer, default: 100, minimum: 1, maximum: 1000}}
          responses:
            200:
              description: Случаи
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisCasePageSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого файла в пределах вашей организации
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        file, missing = self._file_or_404(pk)
        if missing is not None:
            return missing
        page, size = self.paging()
        try:
            count, rows = file_cases.case_page(self.api_user(), file, request.args.get("status"), page, size)
        except FilterRefused as refused:
            return self.response_400(message=str(refused))
        return self.response(200, file_id=file.id, count=count, page=page, page_size=size, result=_cases.dump(rows))

    @expose("/<int:pk>/protocol", methods=["GET"])
    @protect()
    @safe
    def protocol(self, pk):
        """The FLK_P protocol of the file.
        ---
        get:
          operationId: getFileProtocol
          summary: Протокол FLK_P (XML, windows-1251) или его XLSX
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: format, schema: {type: string, enum: [xml, xlsx], default: xml}}
          responses:
            200:
              description: "Файл протокола (имя V<имя проверенного файла>.xml)"
              content:
                application/xml:
                  schema: {type: string, format: binary}
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema: {type: string, format: binary}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого файла в пределах вашей организации
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        file, missing = self._file_or_404(pk)
        if missing is not None:
            return missing
        fmt = (request.args.get("format") or "xml").strip().lower()
        if fmt == "xml":
            return self.send_temporary(
                checks.protocol_download(file, "xml"), file_reports.protocol_file_name(file, "xml"), "application/xml"
            )
        if fmt == "xlsx":
            return self.send_temporary(
                checks.protocol_download(file, "xlsx"),
                file_reports.protocol_file_name(file, "xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        return self.response_400(message="Формат протокола: xml или xlsx")
