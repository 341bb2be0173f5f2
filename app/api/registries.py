"""``/api/v1/mis/registries``: the registries the user may see (as on «Текущие реестры» and
«Закрытые реестры»), status changes where the user may make them, and the documents.
Thin: each method reads its arguments, calls one service (:mod:`app.services.registries.listing`,
:mod:`app.services.registries.workflow`, :mod:`app.services.registries.documents`,
:mod:`app.services.signing.registry_signing`) and answers; a registry is looked up through the
user's scope (:func:`app.security.request_scope.get_scoped`), so one the user may not see is
«not found»."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import request, send_file
from flask_appbuilder.api import expose, protect, safe

from app.api.base import MisApi
from app.api.schemas import COMPONENTS, MisDocumentSchema, MisRegistrySchema, MisStatusChangeSchema
from app.core.outcome import Refusal
from app.models.registry import Registry
from app.models.vocabulary import Resource
from app.security.request_scope import get_scoped, not_found_message
from app.services.registries import documents as registry_documents
from app.services.registries import workflow as registry_workflow
from app.services.registries.listing import FILTER_KEYS, FilterRefused, ListedRegistry, list_registries, registry_detail
from app.services.signing import registry_signing as signing

DOCUMENT_NOT_FOUND = "Документ не найден"
REFUSAL_CODES = {Refusal.NOT_FOUND: 404, Refusal.FORBIDDEN: 403, Refusal.CONFLICT: 409, Refusal.INVALID: 422}
DOCUMENTS_NOT_MADE = "Документы реестра еще не сформированы"

_registry = MisRegistrySchema()
_documents = MisDocumentSchema(many=True)
_history = MisStatusChangeSchema(many=True)


class MisRegistryApi(MisApi):
    resource_name = "mis/registries"
    class_permission_name = Resource.REGISTRY  # «Текущие реестры»: same roles
    method_permission_name = {
        "list_registries": "read",
        "show": "read",
        "change_status": "write",
        "documents": "read",
        "document": "read",
        "documents_zip": "read",
    }
    openapi_spec_tag = "МИС: реестры"
    openapi_spec_component_schemas = COMPONENTS

    def _registry_or_404(self, pk: int, user=None):
        """(the user's registry, None) or (None, the 404 answer) — one the user may not see is as
        absent as one that does not exist."""
        reg = get_scoped(user if user is not None else self.api_user(), Registry, pk)
        if reg is None:
            return None, self.not_found(not_found_message(Registry))
        return reg, None

    @staticmethod
    def _dump(row: ListedRegistry) -> dict:
        out = _registry.dump(row.registry)
        out["allowed_statuses"] = list(row.allowed_statuses)
        return out

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def list_registries(self):
        """Registries of the user's organisation (the МО's own, or those the СМО pays).
        ---
        get:
          operationId: listRegistries
          summary: Список реестров (фильтры — период, статус, плательщик, тип, подтип)
          parameters:
          - {in: query, name: period, schema: {type: string, example: "2026-07"}, description: "ГГГГ-ММ"}
          - {in: query, name: status, schema: {type: string}, description: "статус реестра, например «Создан»"}
          - {in: query, name: payer, schema: {type: string, example: "14001"}, description: "код СМО или ТФОМС"}
          - {in: query, name: reg_type, schema: {type: string},
             description: "тип реестра: АПП, Стационар, Дневной стационар, СМП, Иногородние"}
          - {in: query, name: subtype, schema: {type: string}, description: "подтип (тип файла), например H"}
          - {in: query, name: page, schema: {type: integer, default: 0, minimum: 0}, description: "номер страницы, с 0"}
          - {in: query, name: page_size, schema: {type: integer, default: 100, minimum: 1, maximum: 1000}}
          responses:
            200:
              description: "Реестры, новые первыми; allowed_statuses — куда пользователь может перевести реестр"
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisRegistryPageSchema'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        page, size = self.paging()
        filters = {key: request.args.get(key) for key in FILTER_KEYS}
        try:
            count, rows = list_registries(self.api_user(), filters, page, size)
        except FilterRefused as refused:
            return self.response_400(message=str(refused))
        return self.response(200, count=count, page=page, page_size=size, result=[self._dump(r) for r in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def show(self, pk):
        """One registry with its documents, history and the statuses the user may choose.
        ---
        get:
          operationId: getRegistry
          summary: Реестр — суммы, документы, история статусов, доступные переходы
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Реестр
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisRegistryResultSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра в пределах вашей организации
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisMessageSchema'
        """
        detail = registry_detail(self.api_user(), pk)
        if detail is None:
            return self.not_found(not_found_message(Registry))
        out = self._dump(detail)
        out["documents"] = _documents.dump(detail.documents)
        out["history"] = _history.dump(detail.history)
        return self.response(200, result=out)

    @expose("/<int:pk>/status", methods=["POST"])
    @protect()
    @safe
    def change_status(self, pk):
        """Move the registry to another status (the workflow of «Текущие реестры»).
        ---
        post:
          operationId: changeRegistryStatus
          summary: Перевести реестр в другой статус
          description: >-
            МО — «Создан» → «Отправлен» (документы формируются в фоне, затем «Сформирован»);
            плательщик (СМО, для «Иногородних» ТФОМС) — «Сформирован» → «Выгружен» → «На доработку»
            (после загрузки результатов МЭК) или «На подпись МО»; ТФОМС — «На подпись МО» →
            «На доработку» с комментарием. С полем expected перевод выполняется, только если
            статус реестра все еще тот, что вы видели.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/MisStatusRequestSchema'}
          responses:
            200:
              description: "Статус изменен (status — статус после фоновой работы, если она уже завершена)"
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisStatusResultSchema'}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              description: "Этот переход вам недоступен (ok: false, status — статус сейчас;
                или нет права записи — только message)"
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisStatusResultSchema'}
            404:
              description: Нет такого реестра в пределах вашей организации
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisMessageSchema'}
            409:
              description: Статус реестра уже изменен другим пользователем (или не равен expected)
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisStatusResultSchema'}
            422:
              description: Переход невозможен сейчас (нет файла результатов МЭК, нет комментария)
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisStatusResultSchema'}
        """
        refused = self.csrf_refusal()
        if refused is not None:
            return refused
        user = self.api_user()
        reg, missing = self._registry_or_404(pk, user)
        if missing is not None:
            return missing
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("status"), str) or not body["status"].strip():
            return self.response_400(message="Укажите новый статус в поле «status» (JSON)")
        target = body["status"].strip()
        comment = body.get("comment") if isinstance(body.get("comment"), str) else None
        expected = body.get("expected") if isinstance(body.get("expected"), str) else None
        result = registry_workflow.change_status(user, reg.id, target, comment, expected)
        if result.ok:
            return self.response(200, **result.as_dict())
        return self.response(REFUSAL_CODES.get(result.refusal, 422), **result.as_dict())

    @expose("/<int:pk>/documents", methods=["GET"])
    @protect()
    @safe
    def documents(self, pk):
        """The registry's documents.
        ---
        get:
          operationId: listRegistryDocuments
          summary: Документы реестра (файл реестра, «Счет», «Реестр счета», «Сводный реестр», «Акт МЭК»)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Документы с SHA-256
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/MisDocumentListSchema'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра в пределах вашей организации
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisMessageSchema'}
        """
        reg, missing = self._registry_or_404(pk)
        if missing is not None:
            return missing
        return self.response(200, result=_documents.dump(registry_documents.documents_of(reg.id)))

    @expose("/<int:pk>/documents/<int:doc_id>", methods=["GET"])
    @protect()
    @safe
    def document(self, pk, doc_id):
        """Download one document.
        ---
        get:
          operationId: getRegistryDocument
          summary: Скачать один документ реестра
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: doc_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: Файл документа
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра или документа
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisMessageSchema'}
        """
        reg, missing = self._registry_or_404(pk)
        if missing is not None:
            return missing
        doc = next((d for d in registry_documents.documents_of(reg.id) if d.id == doc_id), None)
        if doc is None or not Path(doc.path).is_file():
            return self.not_found(DOCUMENT_NOT_FOUND)
        return send_file(doc.path, as_attachment=True, download_name=doc.file_name)

    @expose("/<int:pk>/documents.zip", methods=["GET"])
    @protect()
    @safe
    def documents_zip(self, pk):
        """All documents as one ZIP.
        ---
        get:
          operationId: getRegistryDocumentsZip
          summary: Скачать все документы реестра одним ZIP
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: "ZIP с документами (Реестр_<номер>.zip)"
              content:
                application/zip:
                  schema: {type: string, format: binary}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра или у него еще нет документов
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisMessageSchema'}
        """
        reg, missing = self._registry_or_404(pk)
        if missing is not None:
            return missing
        if not registry_documents.documents_of(reg.id):
            return self.not_found(DOCUMENTS_NOT_MADE)
        path = Path(tempfile.mkstemp(suffix=".zip", prefix="registry_")[1])
        signing.write_documents_zip(reg.id, path)  # with the signatures (.sig) made so far
        return self.send_temporary(path, f"Реестр_{reg.number}.zip", "application/zip")
