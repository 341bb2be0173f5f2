"""The active Q016 checks of МО files the system does not run at the МЭК, and why: most need data
the fund does not keep in the system (a classifier's attributes, a regional list); the header
checks of 002K are the ФЛК's own checks of the whole file.  ``oms import-rules Q016.xml`` prints
them beside the coverage; they do not count as implemented.

A check leaves this table when it is written (``@mek_rule`` under its code): a test keeps the two
apart.
"""

from __future__ import annotations

_V019 = (
    "нужны атрибуты V019 (вид ВМП метода HVID и его диагнозы DIAG): справочник хранится в системе "
    "только кодами, наименованиями и датами"
)
_BASE_PROGRAMME = (
    "нужен перечень специальностей (V021), не входящих в базовую программу ОМС: он не опубликован "
    "как справочник и устанавливается территориальной программой"
)
_N_BOOKS = (
    "нужны связи справочников онкологии (N008/N009/N011/N012: DS_Mrf, ID_Mrf, ID_Igh, ID_R_M, ID_R_I): "
    "справочники хранятся в системе только кодами, наименованиями и датами"
)

_L_NAME = (
    "имя файла L — имя файла случаев с буквой L (проверка архива при загрузке), а имя файла случаев "
    "проверяет ФЛК (006F.00.0030, 0050, 0070, 0090): файл с такой ошибкой не доходит до МЭК"
)
_L_HEADER = "после ФЛК система не хранит заголовок файла L (DATA) и DR_P представителя: их сравнивает ФЛК файла L"


def _flk(code: str) -> str:
    return f"проверяется ФЛК файла целиком ({code}): файл с такой ошибкой не доходит до МЭК"


WITHOUT_DATA: dict[str, str] = {
    "003K.00.0530": _V019,
    "003K.00.0540": _V019,
    "003K.00.0710": _BASE_PROGRAMME,
    "003K.00.0720": _BASE_PROGRAMME,
    "002K.00.0470": _N_BOOKS,
    "002K.00.0480": _N_BOOKS,
    "002K.00.0490": _N_BOOKS,
    "002K.00.0500": _N_BOOKS,
    # ZGLV/SCHET of the cases file and of the L file: the ФЛК and the archive check refuse the file
    "002K.00.0010": _flk("006F.00.0010"),
    "002K.00.0020": _flk("006F.00.0020"),
    "002K.00.0040": _L_NAME,
    "002K.00.0060": _L_NAME,
    "002K.00.0080": _L_NAME,
    "002K.00.0100": _L_NAME,
    "002K.00.0670": _L_HEADER,
    "002K.00.0690": _L_HEADER,
    "002K.00.0030": _flk("006F.00.0030"),
    "002K.00.0050": _flk("006F.00.0050"),
    "002K.00.0070": _flk("006F.00.0070"),
    "002K.00.0090": _flk("006F.00.0090"),
    "002K.00.0110": _flk("006F.00.0110"),
    "002K.00.0160": _flk("006F.00.0160"),
    "002K.00.0180": _flk("006F.00.0180"),
    "002K.00.0200": _flk("006F.00.0200"),
}


#: whole families of Q016 that the МЭК does not repeat, and why (printed once beside the family)
FAMILY_REASONS: dict[str, str] = {
    "001K": (
        "наличие и порядок элементов файла: их проверяет ФЛК структуры файла (F012 902–904) по "
        "описанию версии формата, и файл или запись с такой ошибкой не доходит до МЭК"
    ),
}


def reason(code: str) -> str | None:
    return WITHOUT_DATA.get(code)
