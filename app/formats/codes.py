"""Error codes and message texts of the format layer (one place for all wording).

Structural ФЛК of a record uses the classic F012 codes (order-79 era, 3 digits):

====== ======================================================================
Code   Meaning
====== ======================================================================
901    Ошибочный порядок элементов (нарушена последовательность xs:sequence)
902    Отсутствует обязательный элемент или его значение
903    Неверный тип данных, формат или длина значения
904    Значение не входит в перечень допустимых значений
905    Элемент не предусмотрен форматом или встречается больше допустимого
====== ======================================================================

File-level codes (the reader; all but ``LEN`` are fatal — no case of the file can be
accepted, the file gets the status «ФЛК» error and the protocol lists the reason):

====== ======================================================================
XML    Файл не является корректным XML: пустой, обрезанный, нарушена разметка
DTD    В документе есть объявление DOCTYPE (запрещено: защита от XXE и
       «взрыва» сущностей)
ENC    Кодировка не поддерживается или не совпадает с объявленной
VER    Версия формата не указана или не поддерживается для этого типа файла
ROOT   Корневой элемент не соответствует типу файла
SIZE   Запись слишком велика (защита памяти)
LEN    Текст элемента длиннее допустимого предела чтения (не фатальная: запись
       получает ошибку, остальные записи файла проверяются)
====== ======================================================================

Messages are ``str.format`` templates; use :func:`message` to render them.
"""

from __future__ import annotations

# -- structural codes (F012) -------------------------------------------------
ORDER = "901"
MISSING = "902"
FORMAT = "903"
VALUE = "904"
EXTRA = "905"

# -- file-level codes -------------------------------------------------------
XML = "XML"
DOCTYPE = "DTD"
ENCODING = "ENC"
VERSION = "VER"
ROOT = "ROOT"
SIZE = "SIZE"
TOO_LONG = "LEN"

#: Short title of every code (for lists, protocol legends, UI filters).
TITLES: dict[str, str] = {
    ORDER: "Ошибочный порядок элементов",
    MISSING: "Отсутствует обязательный элемент",
    FORMAT: "Неверный тип данных, формат или длина",
    VALUE: "Значение не входит в допустимые",
    EXTRA: "Элемент не предусмотрен форматом или повторяется сверх допустимого",
    XML: "Файл не является корректным XML",
    DOCTYPE: "Объявление DOCTYPE запрещено",
    ENCODING: "Неверная кодировка файла",
    VERSION: "Версия формата не поддерживается",
    ROOT: "Корневой элемент не соответствует типу файла",
    SIZE: "Запись слишком велика",
    TOO_LONG: "Слишком длинный текст элемента",
}

#: Codes that make the whole file unacceptable.
FATAL_CODES = frozenset({XML, DOCTYPE, ENCODING, VERSION, ROOT, SIZE})

#: Message templates, keyed by a short message id.
MESSAGES: dict[str, str] = {
    # structure
    "order": "Нарушен порядок элементов в {parent}: {element} должен стоять перед {previous}",
    "missing": "Отсутствует обязательный элемент {element} в {parent}",
    "empty": "Не заполнено значение обязательного элемента {element} в {parent}",
    "unknown": "Элемент {element} не предусмотрен форматом в {parent}",
    "too_many": "Элемент {element} в {parent} встречается {count} раз(а), допускается не более {max}",
    "not_leaf": "Элемент {element} должен содержать значение, а не вложенные элементы",
    "empty_typed": "Пустое значение элемента {element}: ожидается {type}",
    "string_length": "Длина значения элемента {element} ({length} симв.) превышает допустимую {max}",
    "integer": "Значение «{value}» элемента {element} не является целым числом формата {type}",
    "decimal": "Значение «{value}» элемента {element} не является числом формата {type} (разделитель — точка)",
    "date": "Значение «{value}» элемента {element} не является датой в формате ГГГГ-ММ-ДД",
    "pattern": "Значение «{value}» элемента {element} не соответствует формату {pattern}",
    "value": "Значение «{value}» элемента {element} не входит в допустимые: {allowed}",
    "records_missing": "В файле нет ни одной записи {element}",
    "header_after_records": "Элемент {element} должен стоять перед записями {record}",
    # reader, file level
    "empty_file": "Файл пуст",
    "xml_syntax": "Нарушена структура XML (строка {line}): {detail}",
    "xml_no_root": "В файле нет корневого элемента XML",
    "doctype": "Документ содержит объявление DOCTYPE; DTD и сущности в файлах обмена запрещены",
    "encoding_unknown": "Кодировка «{encoding}» не поддерживается; допустимы windows-1251 и UTF-8",
    "encoding_utf16": "Файл в кодировке UTF-16/UTF-32 не поддерживается; допустимы windows-1251 и UTF-8",
    "encoding_bom_1251": "Файл начинается с метки UTF-8 (BOM), но объявлена кодировка windows-1251",
    "encoding_1251_is_utf8": "Объявлена кодировка windows-1251, но содержимое в UTF-8 (строка {line})",
    "encoding_utf8_invalid": "Объявлена кодировка UTF-8, но содержимое не в UTF-8, "
    "вероятно windows-1251 (строка {line})",
    "version_missing": "Не указана версия формата: нет элемента ZGLV/VERSION перед записями",
    "version_unsupported": "Версия формата «{version}» не поддерживается для файлов типа {kind} "
    "(поддерживаются: {supported})",
    "root_wrong": "Корневой элемент {element} не соответствует типу файла {kind}: ожидается {expected}",
    "root_unknown": "Корневой элемент {element} не является элементом файла обмена (ожидается ZL_LIST или PERS_LIST)",
    "record_too_big": "Элемент {element} содержит более {limit} вложенных элементов; обработка файла прекращена",
    "record_too_big_bytes": "Запись {element} или элемент между записями длиннее {limit} байт; "
    "обработка файла прекращена",
    "root_namespace": "Корневой элемент объявляет пространство имён (xmlns); "
    "элементы файла обмена должны быть без пространства имён",
    "text_too_long": "Текст элемента {element} длиннее {limit} символов ({length}); значение обрезано",
}


def message(key: str, **values) -> str:
    """Render the message ``key`` with ``values`` (missing values render as «?»)."""
    template = MESSAGES[key]
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template.format_map(_Default(values))


class _Default(dict):
    def __missing__(self, key):  # pragma: no cover - defensive
        return "?"


def title(code: str) -> str:
    """Short title of a code, or the code itself when unknown."""
    return TITLES.get(code, code)
