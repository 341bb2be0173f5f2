"""``/api/v1/mis/files``: upload archives, poll a file, its errors and its FLK_P protocol —
the tab «Загрузка файла» for a МИС.  Thin: the services of the page do the work."""
from __future__ import annotations

import itertools

from flask import current_app, request
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy import and_, func, select
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.base import MisApi
from app.api.schemas import COMPONENTS, MisErrorSchema, MisFileSchema
from app.controls.finding import STAGE_FLK, STAGE_MEK
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import FileStatus
from app.security.scope import Scope
from app.services.intake import reports as file_reports
from app.services.intake.uploads import IncomingArchive, PartialUpload, UploadRefused, accept_archives
from app.models.vocabulary import Resource

FILE_NOT_FOUND = "Файл не найден"
UPLOAD_FIELD = "archives"

_file = MisFileSchema()
_errors = MisErrorSchema(many=True)


class MisFileApi(MisApi):
    resource_name = "mis/files"
    class_permission_name = Resource.UPLOADED_FILE           # the page «Загрузка файла»: same roles
    method_permission_name = {"upload": "write", "list_files": "read", "show": "read", "errors": "read",
                              "protocol": "read"}
    openapi_spec_tag = "МИС: загрузка файлов"
    openapi_spec_component_schemas = COMPONENTS

    def _scoped_file(self, user, pk: int):
        return db.session.execute(select(UploadedFile).where(
            UploadedFile.id == pk, Scope.of(user).clause(UploadedFile))).scalar_one_or_none()

    @expose("/", methods=["POST"])
    @protect()
    @safe
    def upload(self):
        """Upload one or several ZIP archives (the same service as the page).
        ---
        post:
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
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            413:
              description: Запрос больше допустимого размера (MAX_UPLOAD_BYTES)
        """
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
            return self.response_400(message="Приложите хотя бы один ZIP-архив в поле «archives» "
                                             "(multipart/form-data)")
        user = self.api_user()
        not_accepted = None
        try:
            rows = accept_archives(user, [IncomingArchive(f.filename, f.stream) for f in files])
        except PartialUpload as partial:
            rows, not_accepted = partial.rows, str(partial)
        except UploadRefused as exc:
            return self.response_400(message=str(exc))
        db.session.expire_all()
        fresh = [db.session.get(UploadedFile, row.id) for row in rows]
        return self.response(201, result=[_file.dump(row) for row in fresh], refused=not_accepted)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def list_files(self):
        """The user's files, newest first.
        ---
        get:
          summary: Список загруженных файлов (в пределах организации / подразделения)
          parameters:
          - {in: query, name: period, schema: {type: string, example: "2026-07"}, description: ГГГГ-ММ}
          - {in: query, name: status, schema: {type: string}, description: статус файла}
          - {in: query, name: archive, schema: {type: string}, description: имя архива}
          - {in: query, name: page, schema: {type: integer, default: 0}}
          - {in: query, name: page_size, schema: {type: integer, default: 100, maximum: 1000}}
          responses:
            200:
              description: Файлы
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result:
                        type: array
                        items: {$ref: '#/components/schemas/MisFileSchema'}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        user = self.api_user()
        conds = [Scope.of(user).clause(UploadedFile)]
        period = (request.args.get("period") or "").strip()
        if period:
            try:
                year, month = (int(x) for x in period.split("-"))
            except ValueError:
                return self.response_400(message="Период указывается как ГГГГ-ММ")
            conds += [UploadedFile.year == year, UploadedFile.month == month]
        status = (request.args.get("status") or "").strip()
        if status:
            if status not in FileStatus.values():
                return self.response_400(message=f"Неизвестный статус файла «{status}»")
            conds.append(UploadedFile.status == status)
        archive = (request.args.get("archive") or "").strip()
        if archive:
            conds.append(UploadedFile.archive_name == archive)
        page, size = self.paging()
        count = db.session.execute(select(func.count()).select_from(UploadedFile).where(and_(*conds))).scalar_one()
        rows = db.session.execute(select(UploadedFile).where(and_(*conds))
                                  .order_by(UploadedFile.uploaded_at.desc(), UploadedFile.id.desc())
                                  .offset(page * size).limit(size)).scalars().all()
        return self.response(200, count=count, page=page, page_size=size,
                             result=[_file.dump(row) for row in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def show(self, pk):
        """Poll a file: status, note and counts.
        ---
        get:
          summary: Статус файла, примечание и количества (записи, отклонено на ФЛК, ошибки ФЛК, МЭК)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Файл
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {$ref: '#/components/schemas/MisFileSchema'}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого файла в пределах вашей организации
        """
        file = self._scoped_file(self.api_user(), pk)
        if file is None:
            return self.not_found(FILE_NOT_FOUND)
        return self.response(200, result=_file.dump(file))

    @expose("/<int:pk>/errors", methods=["GET"])
    @protect()
    @safe
    def errors(self, pk):
        """The file's ФЛК and МЭК errors, each pointing to its place.
        ---
        get:
          summary: Ошибки файла (ФЛК, затем МЭК)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: stage, schema: {type: string, enum: [ФЛК, МЭК]}}
          - {in: query, name: code, schema: {type: string}, description: код ошибки}
          - {in: query, name: page, schema: {type: integer, default: 0}}
          - {in: query, name: page_size, schema: {type: integer, default: 100, maximum: 1000}}
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
        """
        file = self._scoped_file(self.api_user(), pk)
        if file is None:
            return self.not_found(FILE_NOT_FOUND)
        stage = (request.args.get("stage") or "").strip()
        if stage and stage not in (STAGE_FLK, STAGE_MEK):
            return self.response_400(message=f"Этап указывается как «{STAGE_FLK}» или «{STAGE_MEK}»")
        code = (request.args.get("code") or "").strip()
        stages = [stage] if stage else [STAGE_FLK, STAGE_MEK]
        count = sum(g["count"] for s in stages for g in file_reports.errors_by_code(file, s)
                    if not code or g["code"] == code)
        page, size = self.paging()
        findings = file_reports.findings_of(file)       # streamed, in the order of the protocol
        try:
            wanted = (f for f in findings if (not stage or f.stage == stage) and (not code or f.code == code))
            lines = list(itertools.islice(wanted, page * size, (page + 1) * size))
        finally:
            findings.close()
        return self.response(200, file_id=file.id, count=count, page=page, page_size=size,
                             result=_errors.dump(lines))

    @expose("/<int:pk>/protocol", methods=["GET"])
    @protect()
    @safe
    def protocol(self, pk):
        """The FLK_P protocol of the file.
        ---
        get:
          summary: Протокол FLK_P (XML, windows-1251) или его XLSX
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: query, name: format, schema: {type: string, enum: [xml, xlsx], default: xml}}
          responses:
            200:
              description: Файл протокола (имя V<имя проверенного файла>.xml)
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
        """
        file = self._scoped_file(self.api_user(), pk)
        if file is None:
            return self.not_found(FILE_NOT_FOUND)
        fmt = (request.args.get("format") or "xml").strip().lower()
        if fmt == "xml":
            return self.send_temporary(file_reports.write_protocol_xml(file),
                                       file_reports.protocol_file_name(file, "xml"), "application/xml")
        if fmt == "xlsx":
            return self.send_temporary(file_reports.write_protocol_xlsx(file),
                                       file_reports.protocol_file_name(file, "xlsx"),
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return self.response_400(message="Формат протокола: xml или xlsx")

