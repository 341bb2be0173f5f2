"""``/api/v1/mis/registries``: the registries the user may see (as on «Текущие реестры» and
«Закрытые реестры»), status changes where the user may make them, and the documents.
Thin: :mod:`app.services.registries.workflow`, :mod:`app.services.registries.queries` and
:mod:`app.services.registries.documents` do the work."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import request, send_file
from flask_appbuilder.api import expose, protect, safe
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.api.base import MisApi
from app.api.schemas import COMPONENTS, MisDocumentSchema, MisRegistrySchema, MisStatusChangeSchema
from app.extensions import db
from app.models.organisation import Organisation
from app.models.registry import Registry
from app.models.vocabulary import RegistryStatus
from app.security.request_scope import get_scoped
from app.security.scope import Scope
from app.services.registries import queries as registries
from app.services.registries import documents as registry_documents
from app.services.registries import workflow as registry_workflow
from app.services.signing import registry_signing as signing
from app.models.vocabulary import Resource

REGISTRY_NOT_FOUND = "Реестр не найден"
DOCUMENT_NOT_FOUND = "Документ не найден"

_registry = MisRegistrySchema()
_documents = MisDocumentSchema(many=True)
_history = MisStatusChangeSchema(many=True)


class MisRegistryApi(MisApi):
    resource_name = "mis/registries"
    class_permission_name = Resource.REGISTRY                # «Текущие реестры»: same roles
    method_permission_name = {"list_registries": "read", "show": "read", "change_status": "write",
                              "documents": "read", "document": "read", "documents_zip": "read"}
    openapi_spec_tag = "МИС: реестры"
    openapi_spec_component_schemas = COMPONENTS

    def _scoped(self, user, pk: int):
        return get_scoped(user, Registry, pk)

    def _dump(self, user, reg: Registry) -> dict:
        out = _registry.dump(reg)
        out["allowed_statuses"] = registry_workflow.allowed_targets(user, reg)
        return out

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def list_registries(self):
        """Registries of the user's organisation (the МО's own, or those the СМО pays).
        ---
        get:
          summary: Список реестров (фильтры — период, статус, плательщик, тип, подтип)
          parameters:
          - {in: query, name: period, schema: {type: string, example: "2026-07"}, description: ГГГГ-ММ}
          - {in: query, name: status, schema: {type: string}, description: статус реестра, например «Создан»}
          - {in: query, name: payer, schema: {type: string, example: "14001"}, description: код СМО или ТФОМС}
          - {in: query, name: reg_type, schema: {type: string}, description: АПП, Стационар, …}
          - {in: query, name: subtype, schema: {type: string}, description: подтип (тип файла), например H}
          - {in: query, name: page, schema: {type: integer, default: 0}}
          - {in: query, name: page_size, schema: {type: integer, default: 100, maximum: 1000}}
          responses:
            200:
              description: Реестры, новые первыми; allowed_statuses — куда пользователь может перевести реестр
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result:
                        type: array
                        items: {$ref: '#/components/schemas/MisRegistrySchema'}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        user = self.api_user()
        args = {k: (request.args.get(k) or "").strip() for k in ("period", "status", "payer", "reg_type", "subtype")}
        if args["period"]:
            parts = args["period"].split("-")
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                return self.response_400(message="Период указывается как ГГГГ-ММ")
        if args["status"] and args["status"] not in RegistryStatus.values():
            return self.response_400(message=f"Неизвестный статус реестра «{args['status']}»")
        filters = {"period": args["period"], "status": args["status"], "reg_type": args["reg_type"],
                   "subtype": args["subtype"]}
        page, size = self.paging()
        if args["payer"]:
            payer_id = db.session.execute(select(Organisation.id).where(
                Organisation.code == args["payer"])).scalar_one_or_none()
            if payer_id is None:
                return self.response(200, count=0, page=page, page_size=size, result=[])
            filters["payer_id"] = str(payer_id)
        cond = and_(Scope.of(user).clause(Registry), registries.filter_clause(filters))
        count = db.session.execute(select(func.count()).select_from(Registry).where(cond)).scalar_one()
        rows = db.session.execute(
            select(Registry).where(cond)
            .options(selectinload(Registry.organisation), selectinload(Registry.subdivision),
                     selectinload(Registry.payer))
            .order_by(Registry.id.desc()).offset(page * size).limit(size)).scalars().all()
        return self.response(200, count=count, page=page, page_size=size,
                             result=[self._dump(user, r) for r in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def show(self, pk):
        """One registry with its documents, history and the statuses the user may choose.
        ---
        get:
          summary: Реестр — суммы, документы, история статусов, доступные переходы
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Реестр
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {$ref: '#/components/schemas/MisRegistryDetailSchema'}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра в пределах вашей организации
        """
        user = self.api_user()
        reg = self._scoped(user, pk)
        if reg is None:
            return self.not_found(REGISTRY_NOT_FOUND)
        out = self._dump(user, reg)
        out["documents"] = _documents.dump(registry_documents.documents_of(reg.id))
        out["history"] = _history.dump(registries.registry_history(reg.id))
        return self.response(200, result=out)

    @expose("/<int:pk>/status", methods=["POST"])
    @protect()
    @safe
    def change_status(self, pk):
        """Move the registry to another status (the workflow of «Текущие реестры»).
        ---
        post:
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
              description: Статус изменен (status — статус после фоновой работы, если она уже завершена)
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/MisStatusResultSchema'}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              description: Этот переход вам недоступен (или нет права записи)
            404:
              description: Нет такого реестра в пределах вашей организации
            409:
              description: Статус реестра уже изменен другим пользователем (или не равен expected)
            422:
              description: Переход невозможен сейчас (нет файла результатов МЭК, нет комментария)
        """
        refused = self.csrf_refusal()
        if refused is not None:
            return refused
        user = self.api_user()
        reg = self._scoped(user, pk)
        if reg is None:
            return self.not_found(REGISTRY_NOT_FOUND)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("status"), str) or not body["status"].strip():
            return self.response_400(message="Укажите новый статус в поле «status» (JSON)")
        target = body["status"].strip()
        comment = body.get("comment") if isinstance(body.get("comment"), str) else None
        expected = body.get("expected") if isinstance(body.get("expected"), str) else None
        allowed = registry_workflow.allowed_targets(user, reg)
        result = registry_workflow.change_status(user, reg.id, target, comment, expected)
        if result.ok:
            db.session.expire_all()
            fresh = db.session.get(Registry, reg.id)
            return self.response(200, ok=True, status=fresh.status if fresh else result.status,
                                 message=result.message)
        if result.message == registry_workflow.CHANGED_MEANWHILE:
            code = 409
        elif target not in allowed:
            code = 403
        else:
            code = 422
        return self.response(code, **result.as_dict())

    @expose("/<int:pk>/documents", methods=["GET"])
    @protect()
    @safe
    def documents(self, pk):
        """The registry's documents.
        ---
        get:
          summary: Документы реестра (файл реестра, «Счет», «Реестр счета», «Сводный реестр», «Акт МЭК»)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: Документы с SHA-256
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items: {$ref: '#/components/schemas/MisDocumentSchema'}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра в пределах вашей организации
        """
        reg = self._scoped(self.api_user(), pk)
        if reg is None:
            return self.not_found(REGISTRY_NOT_FOUND)
        return self.response(200, result=_documents.dump(registry_documents.documents_of(reg.id)))

    @expose("/<int:pk>/documents/<int:doc_id>", methods=["GET"])
    @protect()
    @safe
    def document(self, pk, doc_id):
        """Download one document.
        ---
        get:
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
        """
        reg = self._scoped(self.api_user(), pk)
        if reg is None:
            return self.not_found(REGISTRY_NOT_FOUND)
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
          summary: Скачать все документы реестра одним ZIP
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: ZIP с документами (Реестр_<номер>.zip)
              content:
                application/zip:
                  schema: {type: string, format: binary}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              description: Нет такого реестра или у него еще нет документов
        """
        reg = self._scoped(self.api_user(), pk)
        if reg is None:
            return self.not_found(REGISTRY_NOT_FOUND)
        docs = registry_documents.documents_of(reg.id)
        if not docs:
            return self.not_found("Документы реестра еще не сформированы")
        path = Path(tempfile.mkstemp(suffix=".zip", prefix="registry_")[1])
        signing.write_documents_zip(reg.id, path)          # with the signatures (.sig) made so far
        return self.send_temporary(path, f"Реестр_{reg.number}.zip", "application/zip")
