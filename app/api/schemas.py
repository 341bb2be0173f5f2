"""What the МИС API answers: marshmallow schemas that both make the JSON and document it in the
OpenAPI spec (``/api/v1/_openapi``).  Money is a decimal string with kopecks ("1234.50"),
dates and times are ISO 8601, statuses are the exact Russian texts of the pages."""
from __future__ import annotations

from marshmallow import Schema, fields


def _money(description: str, **kw) -> fields.Decimal:
    """Money: a decimal string with kopecks, also in the spec (apispec would say «number»)."""
    return fields.Decimal(as_string=True, places=2, metadata={
        "description": description, "type": "string", "format": "decimal", "example": "1234.50"}, **kw)


def _code(attr: str):
    def get(obj):
        rel = getattr(obj, attr, None)
        return rel.code if rel is not None else None
    return get


class MisFileSchema(Schema):
    id = fields.Integer(metadata={"description": "id файла (для опроса и протокола)"})
    archive = fields.String(attribute="archive_name", metadata={"description": "имя загруженного архива"})
    h_name = fields.String(allow_none=True, metadata={"description": "файл случаев (без .xml)"})
    l_name = fields.String(allow_none=True, metadata={"description": "файл персональных данных"})
    file_type = fields.String(allow_none=True)
    period = fields.String(metadata={"description": "ГГГГ-ММ"})
    subdivision = fields.Function(_code("subdivision"), allow_none=True,
                                  metadata={"description": "код подразделения"})
    status = fields.String(metadata={"description": "статус, как на вкладке «Загрузка файла»"})
    note = fields.String(allow_none=True, metadata={"description": "примечание (что именно не так)"})
    loading = fields.Boolean(attribute="is_loading", metadata={"description": "загрузка еще идет"})
    progress = fields.Integer(metadata={"description": "процент выполнения этапа"})
    records = fields.Integer(metadata={"description": "количество записей (случаев)"})
    flk_rejected = fields.Integer(metadata={"description": "записей отклонено на ФЛК"})
    flk_errors = fields.Integer(metadata={"description": "ошибок ФЛК"})
    mek_rejected = fields.Integer(metadata={"description": "записей отклонено на МЭК"})
    mek_errors = fields.Integer(metadata={"description": "ошибок МЭК"})
    new_count = fields.Integer(metadata={"description": "случаев «новый»"})
    updated_count = fields.Integer(metadata={"description": "случаев «обновлен»"})
    unchanged_count = fields.Integer(metadata={"description": "случаев «без изменений»"})
    skipped_count = fields.Integer(metadata={"description": "случаев «пропущен: уже в реестре»"})
    nschet = fields.String(allow_none=True)
    dschet = fields.Date(allow_none=True)
    sumv_declared = _money("сумма счета (SUMMAV)", allow_none=True)
    uploaded_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


class MisUploadResultSchema(Schema):
    result = fields.List(fields.Nested(MisFileSchema))
    refused = fields.String(allow_none=True, metadata={"description": "архивы, которые не приняты, и почему"})


class MisErrorSchema(Schema):
    stage = fields.String(metadata={"description": "ФЛК или МЭК"})
    code = fields.String(metadata={"description": "код ошибки (Q015/Q016, F012 или региональный)"})
    element = fields.String(allow_none=True)
    base_element = fields.String(allow_none=True)
    n_zap = fields.String(allow_none=True)
    idcase = fields.String(allow_none=True)
    sl_id = fields.String(allow_none=True)
    idserv = fields.String(allow_none=True)
    id_pac = fields.String(allow_none=True)
    value = fields.String(allow_none=True, metadata={"description": "ошибочное значение"})
    comment = fields.String(allow_none=True, metadata={"description": "текст ошибки"})
    file_kind = fields.String(allow_none=True, metadata={"description": "H (файл случаев) или L"})
    fatal = fields.Boolean(metadata={"description": "ошибка уровня файла: отклонены все случаи"})


class MisErrorPageSchema(Schema):
    file_id = fields.Integer()
    count = fields.Integer(metadata={"description": "всего ошибок (с учетом фильтров)"})
    page = fields.Integer()
    page_size = fields.Integer()
    result = fields.List(fields.Nested(MisErrorSchema))


class MisDocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "registry_file, invoice, registry_list, summary, mek_act"})
    title = fields.String()
    file_name = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()


class MisStatusChangeSchema(Schema):
    at = fields.DateTime()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    user = fields.String(attribute="username", allow_none=True)
    comment = fields.String(allow_none=True)


class MisRegistrySchema(Schema):
    id = fields.Integer()
    number = fields.String()
    period = fields.String(metadata={"description": "ГГГГ-ММ"})
    reg_type = fields.String(metadata={"description": "АПП, Стационар, Дневной стационар, СМП, Иногородние"})
    subtype = fields.String()
    mo = fields.Function(_code("organisation"), metadata={"description": "код МО"})
    subdivision = fields.Function(_code("subdivision"), allow_none=True)
    payer = fields.Function(_code("payer"), metadata={"description": "код плательщика (СМО или ТФОМС)"})
    status = fields.String()
    cases = fields.Integer()
    sum_declared = _money("предъявлено к оплате (Σ SUMV)")
    sum_calc = _money("к оплате (Σ SUMP)")
    mek_refused = fields.Integer()
    error = fields.String(allow_none=True, metadata={"description": "ошибка фоновой работы (документы)"})
    created_at = fields.DateTime()
    changed_at = fields.DateTime()


class MisRegistryDetailSchema(MisRegistrySchema):
    allowed_statuses = fields.List(fields.String(), metadata={
        "description": "статусы, в которые пользователь может перевести реестр сейчас"})
    documents = fields.List(fields.Nested(MisDocumentSchema))
    history = fields.List(fields.Nested(MisStatusChangeSchema))


class MisStatusRequestSchema(Schema):
    status = fields.String(required=True, metadata={"description": "новый статус, например «Отправлен»"})
    comment = fields.String(allow_none=True, metadata={"description": "комментарий (обязателен для возврата "
                                                                       "из «На подпись МО» на доработку)"})
    expected = fields.String(allow_none=True, metadata={"description": "статус, который вы видели: если он "
                                                                        "уже другой, перевод не выполняется"})


class MisStatusResultSchema(Schema):
    ok = fields.Boolean()
    status = fields.String(allow_none=True)
    message = fields.String()


COMPONENTS = (MisFileSchema, MisUploadResultSchema, MisErrorSchema, MisErrorPageSchema, MisDocumentSchema,
              MisStatusChangeSchema, MisRegistrySchema, MisRegistryDetailSchema, MisStatusRequestSchema,
              MisStatusResultSchema)
