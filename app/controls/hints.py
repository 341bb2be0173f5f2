"""Hints for people: what a finding means for the МО operator and what to change in the МИС.

The official text of a rule (Q015/Q016) stays what FLK_P carries; the hint is shown beside it in
the error lists, the XLSX protocol and the API.  Each rule gets one from a template of its kind
(an element required or forbidden under a condition, a reference-book look-up, a value list, a
date or sum comparison); the ТФОМС may rewrite any of them in «Правила контроля»; `oms sync-rules` fills only
the hints that are empty, so an edited one stays.
"""

from __future__ import annotations

import re

HINT_MAX = 500

_REQUIRED = re.compile(r"^(?P<el>[A-Z0-9_]+) обязателен при выполнении условия:\s*(?P<cond>.+)$", re.S)
_ABSENT = re.compile(r"^Элемент должен отсутствовать при выполнении условия:\s*(?P<cond>.+)$", re.S)
_BOOK = re.compile(r"справочник[еа]? (?P<book>[A-Z]\d{3})")


def _place(element_path: str) -> tuple[str, str]:
    parts = [p for p in (element_path or "").split("/") if p]
    element = parts[-1] if parts else "элемент"
    parent = parts[-2] if len(parts) > 1 else ""
    return element, parent


def _cut(text: str) -> str:
    return text if len(text) <= HINT_MAX else text[: HINT_MAX - 1] + "…"


def default_hint(code: str, element_path: str, message: str) -> str:
    """The template hint of a rule from its code, element path and official message."""
    element, parent = _place(element_path)
    where = f"{element} (в {parent})" if parent else element
    message = (message or "").strip().rstrip(".")
    if m := _REQUIRED.match(message):
        return _cut(
            f"Не заполнен {m['el']}{f' в {parent}' if parent else ''}: он обязателен, когда {m['cond']}. "
            "Заполните его в МИС и выгрузите файл заново."
        )
    if m := _ABSENT.match(message):
        return _cut(
            f"{where} заполнен, а при условии {m['cond']} его быть не должно. "
            "Уберите его из случая в МИС (или исправьте данные условия) и выгрузите файл заново."
        )
    if m := _BOOK.search(message):
        return _cut(
            f"Код в {where} не найден в справочнике {m['book']} или не действует на дату случая. "
            "Проверьте код в МИС; если код верен, справочник в системе устарел — его обновляет ТФОМС "
            "(«Справочники НСИ» → «Обновить из ФФОМС»)."
        )
    family = code[:4]
    if family == "002F" or family == "004F":
        return _cut(f"Недопустимое значение {where}: {message}. Исправьте значение в МИС и выгрузите файл заново.")
    if family == "006F":
        return _cut(
            f"Не согласованы значения {where}: {message}. Проверьте даты, суммы и связанные с ними поля случая в МИС."
        )
    if code[3:4] == "K":  # МЭК (Q016: NNNK.…)
        return _cut(f"Случай не принят к оплате: {message}. Проверьте {where} и данные случая в МИС.")
    return _cut(f"{message}. Проверьте {where} в МИС и выгрузите файл заново.")
