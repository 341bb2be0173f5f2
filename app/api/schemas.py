"""What the МИС API answers: marshmallow schemas that both make the JSON and document it in the
OpenAPI spec (``/api/v1/_openapi``).  Money is a decimal string with kopecks ("1234.50"),
dates and times are ISO 8601 (times in UTC with their offset, «2026-07-01T09:30:00+00:00»),
statuses are the exact Russian texts of the pages.

Every answer of the API is described here, field by field, so that a client generated from the
spec (``additionalProperties: false``) accepts it: a field the answer carries is a field of its
schema, a field that may be null says so."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields


def _money(description: str, **kw) -> fields.Decimal:
    """Money: a decimal string with kopecks, also in the spec (apispec would say «number»)."""
    return fields.Decimal(
        as_string=True,
        places=2,
        metadata={"description": description, "type": "string", "format": "decimal", "example": "1234.50"},
        **kw,
    )


class UtcDateTime(fields.DateTime):
    """A time as ISO 8601 with its offset: the database keeps UTC without a zone, and the spec's
    «date-time» (RFC 3339) needs the offset, so a stored time goes out as «…+00:00»."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _code(attr: str, description: str, allow_none: bool = False) -> fields.Function:
    """The code of a related organisation or subdivision (a string in the spec too: apispec
    cannot tell the type of a function)."""

    def get(obj):
        rel = getattr(obj, attr, None)
        return rel.code if rel is not None else None

    return fields.Function(get, allow_none=allow_none, metadata={"description": description, "type": "string"})


class MisFileSchema(Schema):
    id = fields.Integer(metadata={"description": "id файла (для опроса и протокола)"})
    archive = fields.String(attribute="archive_name", metadata={"description": "имя загруженного архива"})
    h_name = fields.String(allow_none=True, metadata={"description": "файл случаев (без .xml)"})
    l_name = fields.String(allow_none=True, metadata={"description": "файл персональных данных"})
    file_type = fields.String(allow_none=True)
    period = fields.String(metadata={"description": "ГГГГ-ММ"})
    subdivision = _code("subdivision", "код подразделения", allow_none=True)
    status = fields.String(metadata={"description": "статус, как на вкладке «Загрузка файла»"})
    channel = fields.String(
        metadata={"description": "как архив пришел: web (страница), api, cli (командная строка), mail (почта)"}
    )
    dry_run = fields.Boolean(
        metadata={"description": "проверка без загрузки («Проверка завершена»: протокол есть, случаи не сохранены)"}
    )
    note = fields.String(allow_none=True, metadata={"description": "примечание (что именно не так)"})
    loading = fields.Boolean(attribute="is_loading", metadata={"description": "загрузка еще идет"})
    progress = fields.Integer(metadata={"description": "процент выполнения этапа"})
    records = fields.Integer(metadata={"description": "количество записей (ZAP) в файле"})
    flk_rejected = fields.Integer(metadata={"description": "записей отклонено на ФЛК"})
    flk_errors = fields.Integer(metadata={"description": "ошибок ФЛК"})
    mek_rejected = fields.Integer(metadata={"description": "записей отклонено на МЭК"})
    mek_errors = fields.Integer(metadata={"description": "ошибок МЭК"})
    # повторная загрузка: что стало со случаями файла (как в выводе `oms load`)
    new = fields.Integer(attribute="new_count", metadata={"description": "случаев «новый»"})
    updated = fields.Integer(
        attribute="updated_count", metadata={"description": "случаев «обновлен» (заменили прежнюю версию)"}
    )
    unchanged = fields.Integer(
        attribute="unchanged_count", metadata={"description": "случаев «без изменений» (заменили прежнюю версию)"}
    )
    skipped = fields.Integer(
        attribute="skipped_count",
        metadata={"description": "случаев «пропущен: уже в реестре» (не сохранены: прежняя версия в реестре)"},
    )
    replaced_by = fields.Integer(
        attribute="replaced_by_id",
        allow_none=True,
        metadata={"description": "id более позднего файла, который заменил случаи этого"},
    )
    nschet = fields.String(allow_none=True)
    dschet = fields.Date(allow_none=True)
    sumv_declared = _money("сумма счета (SUMMAV)", allow_none=True)
    uploaded_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)


class MisFilePageSchema(Schema):
    count = fields.Integer(metadata={"description": "всего файлов (с учетом фильтров)"})
    page = fields.Integer(metadata={"description": "номер страницы, с 0"})
    page_size = fields.Integer()
    result = fields.List(fields.Nested(MisFileSchema))


class MisFileResultSchema(Schema):
    result = fields.Nested(MisFileSchema)


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
    hint = fields.String(
        allow_none=True, metadata={"description": "подсказка оператору МО: что исправить в МИС (не входит в FLK_P)"}
    )
    file_kind = fields.String(allow_none=True, metadata={"description": "H (файл случаев) или L"})
    fatal = fields.Boolean(metadata={"description": "ошибка уровня файла: отклонены все случаи"})


class MisErrorPageSchema(Schema):
    file_id = fields.Integer()
    count = fields.Integer(metadata={"description": "всего ошибок (с учетом фильтров)"})
    page = fields.Integer(metadata={"description": "номер страницы, с 0"})
    page_size = fields.Integer()
    result = fields.List(fields.Nested(MisErrorSchema))


class MisCaseSchema(Schema):
    id = fields.Integer(metadata={"description": "id случая (для GET /api/v1/mis/cases/{pk})"})
    file_id = fields.Integer(metadata={"description": "id файла"})
    n_zap = fields.String(allow_none=True)
    idcase = fields.String(allow_none=True)
    id_pac = fields.String(allow_none=True)
    usl_ok = fields.Integer(allow_none=True, metadata={"description": "условия оказания (V006)"})
    date_z_1 = fields.Date(allow_none=True)
    date_z_2 = fields.Date(allow_none=True)
    ds1 = fields.String(allow_none=True, metadata={"description": "основной диагноз (первого SL)"})
    profil = fields.Integer(allow_none=True, metadata={"description": "профиль (первого SL)"})
    status = fields.String(metadata={"description": "статус случая, как на странице «Случаи»"})
    sumv = _money("предъявлено к оплате (SUMV)", allow_none=True)
    sum_calc = _money("стоимость по тарифам (перерасчет; null — тарифа нет)", allow_none=True)
    mek_withheld = _money("удержано по МЭК (SANK_IT)", allow_none=True)
    sump = _money("принято к оплате (SUMP = SUMV − SANK_IT)", allow_none=True)


class MisCasePageSchema(Schema):
    file_id = fields.Integer()
    count = fields.Integer(metadata={"description": "всего случаев (с учетом фильтров)"})
    page = fields.Integer(metadata={"description": "номер страницы, с 0"})
    page_size = fields.Integer()
    result = fields.List(fields.Nested(MisCaseSchema))


class MisCostFactorSchema(Schema):
    name = fields.String(metadata={"description": "название коэффициента, например «коэффициент дифференциации»"})
    code = fields.String(metadata={"description": "обозначение в формуле: БС, КЗ, КС_КСГ, КД, КУСмо, Дзп, ΣКСЛП"})
    value = fields.String(metadata={"description": "значение (десятичное число строкой)", "example": "1.2"})
    source = fields.String(
        allow_none=True, metadata={"description": "откуда значение: тарифы, таблица КСГ, уровень МО, «не задан: 1»…"}
    )


class MisCostServiceSchema(Schema):
    code = fields.String(allow_none=True, metadata={"description": "CODE_USL"})
    tariff = fields.String(allow_none=True, metadata={"description": "тариф услуги"})
    kol = fields.String(allow_none=True, metadata={"description": "KOL_USL"})
    sum = fields.String(allow_none=True, metadata={"description": "тариф × количество"})
    level = fields.String(allow_none=True, metadata={"description": "уровень МО строки тарифа"})
    kpg = fields.String(allow_none=True, metadata={"description": "КПГ строки тарифа"})


class MisCostPartSchema(Schema):
    sl_id = fields.String(allow_none=True, metadata={"description": "SL_ID"})
    kind = fields.String(metadata={"description": "ksg (по КСГ / КПГ) или usl (по тарифам услуг)"})
    sum = fields.String(allow_none=True, metadata={"description": "стоимость SL"})
    ksg = fields.String(allow_none=True, metadata={"description": "код КСГ (N_KSG)"})
    kpg = fields.String(allow_none=True, metadata={"description": "КПГ"})
    days = fields.Integer(allow_none=True, metadata={"description": "длительность, дней"})
    formula = fields.String(
        allow_none=True, metadata={"description": "формула, например «БС × КЗ × КС_КСГ × КД × КУСмо + БС × КД × ΣКСЛП»"}
    )
    factors = fields.List(fields.Nested(MisCostFactorSchema), metadata={"description": "коэффициенты формулы"})
    kslp = fields.List(fields.String(), metadata={"description": "КСЛП случая (их доли сверх 1)"})
    ksg_amount = fields.String(allow_none=True, metadata={"description": "часть по КСГ"})
    kslp_amount = fields.String(allow_none=True, metadata={"description": "часть по КСЛП"})
    interrupted = fields.String(allow_none=True, metadata={"description": "почему случай прерванный (null — нет)"})
    share = fields.String(allow_none=True, metadata={"description": "доля оплаты (1 — полностью)"})
    share_reason = fields.String(allow_none=True, metadata={"description": "почему такая доля"})
    usl = fields.List(fields.Nested(MisCostServiceSchema), metadata={"description": "услуги (для kind = usl)"})


class MisCostSchema(Schema):
    total = fields.String(
        allow_none=True, metadata={"description": "стоимость по тарифам (null — не рассчитана)", "example": "8400.00"}
    )
    missing = fields.List(fields.String(), metadata={"description": "чего нет в тарифах (вид и код)"})
    parts = fields.List(fields.Nested(MisCostPartSchema), metadata={"description": "расчет по каждому SL"})


class MisCaseDetailSchema(MisCaseSchema):
    cost = fields.Nested(MisCostSchema, metadata={"description": "расчет стоимости (перерасчет по тарифам)"})


class MisCaseResultSchema(Schema):
    result = fields.Nested(MisCaseDetailSchema)


class MisDocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "registry_file, invoice, registry_list, summary, mek_act"})
    title = fields.String()
    file_name = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = UtcDateTime()


class MisDocumentListSchema(Schema):
    result = fields.List(fields.Nested(MisDocumentSchema))


class MisStatusChangeSchema(Schema):
    at = UtcDateTime()
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
    mo = _code("organisation", "код МО")
    subdivision = _code("subdivision", "код подразделения", allow_none=True)
    payer = _code("payer", "код плательщика (СМО или ТФОМС)")
    status = fields.String(metadata={"description": "статус, как на вкладке «Текущие реестры»"})
    cases = fields.Integer()
    sum_declared = _money("предъявлено к оплате (Σ SUMV)")
    sum_calc = _money("к оплате (Σ SUMP)")
    mek_refused = fields.Integer()
    error = fields.String(allow_none=True, metadata={"description": "ошибка фоновой работы (документы)"})
    created_at = UtcDateTime()
    changed_at = UtcDateTime()
    allowed_statuses = fields.List(
        fields.String(), metadata={"description": "статусы, в которые пользователь может перевести реестр сейчас"}
    )


class MisRegistryPageSchema(Schema):
    count = fields.Integer(metadata={"description": "всего реестров (с учетом фильтров)"})
    page = fields.Integer(metadata={"description": "номер страницы, с 0"})
    page_size = fields.Integer()
    result = fields.List(fields.Nested(MisRegistrySchema))


class MisRegistryDetailSchema(MisRegistrySchema):
    documents = fields.List(fields.Nested(MisDocumentSchema))
    history = fields.List(fields.Nested(MisStatusChangeSchema))


class MisStatusRequestSchema(Schema):
    status = fields.String(required=True, metadata={"description": "новый статус, например «Отправлен»"})
    comment = fields.String(
        allow_none=True,
        metadata={"description": "комментарий (обязателен для возврата из «На подпись МО» на доработку)"},
    )
    expected = fields.String(
        allow_none=True,
        metadata={"description": "статус, который вы видели: если он уже другой, перевод не выполняется"},
    )


class MisRegistryResultSchema(Schema):
    result = fields.Nested(MisRegistryDetailSchema)


class MisStatusResultSchema(Schema):
    ok = fields.Boolean(metadata={"description": "перевод выполнен"})
    status = fields.String(allow_none=True, metadata={"description": "статус реестра теперь"})
    message = fields.String()


class MisMessageSchema(Schema):
    message = fields.String(metadata={"description": "что не так, по-русски"})


COMPONENTS = (
    MisFileSchema,
    MisFilePageSchema,
    MisFileResultSchema,
    MisUploadResultSchema,
    MisErrorSchema,
    MisErrorPageSchema,
    MisCaseSchema,
    MisCasePageSchema,
    MisCostFactorSchema,
    MisCostServiceSchema,
    MisCostPartSchema,
    MisCostSchema,
    MisCaseDetailSchema,
    MisCaseResultSchema,
    MisDocumentSchema,
    MisDocumentListSchema,
    MisStatusChangeSchema,
    MisRegistrySchema,
    MisRegistryPageSchema,
    MisRegistryDetailSchema,
    MisRegistryResultSchema,
    MisStatusRequestSchema,
    MisStatusResultSchema,
    MisMessageSchema,
)
