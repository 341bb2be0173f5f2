"""One official Q015 row → one ФЛК rule under its own code.

The kind of check follows from the columns the row fills:

=================  ================================================================================
NSI_OBJ/NSI_EL     the value must be a code of the book, valid on the date of care (look-up)
MIN_LEN/MAX_LEN/   the value's length and mask (004F), or its characters as COMMENT lists them
MASK_VAL
VAL_EL             the value must be one of a set (``{0, 1}``, ``1``), satisfy a comparison
                   (``<500.0``, ``TAL_D>=DR``, ``YEAR``: equal to SCHET/YEAR), or be absent (``нет``)
USL_TEST only      the element is required when the condition holds — or must be absent when the
                   row's COMMENT says «элемент должен отсутствовать»; no condition: always required
=================  ================================================================================

``USL_TEST`` narrows any kind to the parents where it holds (:mod:`.conditions`).  A row that does not
fit raises :class:`~app.controls.official.elements.NotCompiled` with the reason.

Each rule checks every occurrence of its element's parent (every SL, every USL …); the engine
visits a record once and runs at each node the rules whose element is its child
(:class:`~app.controls.flk.dispatch.Dispatch`, where the checks of each kind are built), so a record
pays only for the rules whose parent it has.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from app.controls.flk.dispatch import (
    DispatchedSpec,
    absence_rule,
    locators,
    lookup_check,
    required_rule,
    standalone,
    values_rule,
    where_of,
)
from app.controls.official.conditions import compile_condition
from app.controls.official.elements import PERSON_ROOT, RECORD_ROOT, NotCompiled, all_paths, is_element_name
from app.controls.official.masks import format_check
from app.controls.rule_tables import MESSAGE_MAX
from app.formats.record import Node

#: file types of МО files (Q015 TYPE_D letters)
MO_TYPES = "CHTXL"
#: the row's columns that say what it checks (stored as the catalogue's ``definition``)
DEFINITION_KEYS = ("nsi_obj", "nsi_el", "condition", "value", "min_len", "max_len", "mask", "comment")


@dataclass(frozen=True)
class OfficialSpec(DispatchedSpec):
    """A rule compiled from an official row (or a row of :mod:`.newer`)."""


def definition_of(row: dict) -> str:
    """The row's check columns as the catalogue stores them (JSON, empty columns left out)."""
    return json.dumps({k: row[k].strip() for k in DEFINITION_KEYS if row.get(k) and row[k].strip()}, ensure_ascii=False)


# -- where the rule runs ----------------------------------------------------------------------------
def _scope(parts: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    if parts[:2] == RECORD_ROOT and len(parts) > 2:
        return "record", RECORD_ROOT
    if parts[:2] == PERSON_ROOT and len(parts) > 2:
        return "person", PERSON_ROOT
    if parts[0] in ("ZL_LIST", "PERS_LIST") and len(parts) > 1 and parts[1] not in ("ZAP", "PERS"):
        return "header", parts[:1]
    raise NotCompiled("наличие записей ZAP/PERS проверяет чтение файла (902)")


# -- value tests -----------------------------------------------------------------------------------
_OP = re.compile(r"^(<=|>=|<>|<|>|=)\s*(-?[0-9]+(?:\.[0-9]+)?)$")
_SIMPLE = re.compile(r"^[0-9A-Za-z_.]+$")


def _value_test(row: dict, parts: tuple[str, ...], root: tuple[str, ...]):
    """``(test(text, chain, view) -> bool, detail, reads)`` of a VAL_EL."""
    raw = " ".join((row.get("value") or "").split())
    if raw.startswith("{") and raw.endswith("}"):
        allowed = frozenset(x.strip() for x in raw[1:-1].split(",") if x.strip())
        return (lambda v, chain, view: v in allowed), f"допустимо: {raw}", ()
    if (m := _OP.match(raw)) is not None:
        op, bound = m[1], Decimal(m[2])
        cmp = {
            "<": lambda a: a < bound,
            ">": lambda a: a > bound,
            "<=": lambda a: a <= bound,
            ">=": lambda a: a >= bound,
            "=": lambda a: a == bound,
            "<>": lambda a: a != bound,
        }[op]

        def numeric(v, chain, view):
            try:
                return cmp(Decimal(v))
            except ArithmeticError:
                return True  # not a number: the format rules (004F, 903) report it

        return numeric, f"допустимо: {raw}", ()
    if _SIMPLE.match(raw) and not is_element_name(raw):
        return (lambda v, chain, view: v == raw), f"допустимо: {raw}", ()
    text = f"{parts[-1]}={raw}" if _SIMPLE.match(raw) else raw
    compiled = compile_condition(text, parts, root, self_values=lambda chain, view: [chain[-1].text])
    test = compiled.test  # the checked value is put at the end of the chain: chain[-1].text
    return (lambda v, chain, view: test(chain, view)), f"должно быть: {raw}", compiled.reads


# -- the row → the rule ----------------------------------------------------------------------------
def compile_row(row: dict) -> OfficialSpec:
    """The rule of one row (a dict of :func:`app.controls.rule_tables.iter_rule_table`)."""
    from app.nsi.books import BOOKS

    code = row["code"]
    path = (row.get("element") or "").strip()
    if path not in all_paths():
        raise NotCompiled(f"элемента {path} нет в форматах системы")
    types = "".join(t for t in MO_TYPES if t in (row.get("file_types") or ""))
    if not types:
        raise NotCompiled("правило не для файлов МО")
    parts = tuple(path.split("/"))
    scope, root = _scope(parts)
    parent, tag = parts[:-1], parts[-1]
    sl_at, usl_at = locators(parent, root) if scope == "record" else (None, None)

    cond = None
    reads: tuple[str, ...] = ()
    if (row.get("condition") or "").strip():
        compiled = compile_condition(row["condition"], parts, root)
        cond, reads = compiled.test, compiled.reads

    where = where_of(sl_at, usl_at)
    accept = None
    book = (row.get("nsi_obj") or "").strip()
    value = (row.get("value") or "").strip()
    has_format = any((row.get(k) or "").strip() for k in ("min_len", "max_len", "mask"))
    if book:
        if value or has_format:
            raise NotCompiled(f"сверка со справочником {book} по маске или значению его записи")
        bdef = BOOKS.get(book)
        if bdef is None:
            raise NotCompiled(f"справочник {book} система не загружает")
        key = (row.get("nsi_el") or "").strip()
        if key and key.lower() != bdef.key.lower():
            raise NotCompiled(f"сверка с полем {key} справочника {book}, а не с его кодом")
        kind = "lookup"
        value_check = lookup_check(book, tag, scope, sl_at, usl_at, cond)
    elif has_format:
        ok, detail = format_check(row.get("min_len"), row.get("max_len"), row.get("mask"), row.get("comment"))
        kind = "format"
        value_check = values_rule(tag, cond, lambda v, chain, view: None if ok(v) else detail, where)
        accept = ok if cond is None else None
    elif value.lower() == "нет":
        kind = "absent"
        value_check = absence_rule(tag, cond, where)
    elif value:
        test, detail, value_reads = _value_test(row, parts, root)
        reads = tuple(dict.fromkeys(reads + tuple(r for r in value_reads if r != path)))
        kind = "value"
        value_check = values_rule(
            tag, cond, lambda v, chain, view: None if test(v, chain + (Node("", v),), view) else detail, where
        )
    else:
        if code[:4] not in ("003F",):
            raise NotCompiled("в строке нет ни справочника, ни значения, ни маски, ни условия наличия")
        text = " ".join(((row.get("comment") or "") + " " + (row.get("message") or "")).lower().split())
        if "должен отсутствовать" in text:
            kind = "absent"
            value_check = absence_rule(tag, cond, where)
        else:
            kind = "required"
            value_check = required_rule(tag, cond, where)

    message = (row.get("message") or "").strip() or f"Ошибка в {path}"
    spec = OfficialSpec(
        code=code,
        element_path=path,
        file_types=types,
        message=message[:MESSAGE_MAX],
        valid_from=row.get("valid_from"),
        valid_to=row.get("valid_to"),
        scope=scope,
        fatal=scope == "header",
        reads=reads,
        fn=None,
        parent="/".join(parent),
        kind=kind,
        check=value_check,
        accept=accept,
        book=book if kind == "lookup" and cond is None and scope != "header" else "",
        locate=(scope, sl_at, usl_at),
    )
    object.__setattr__(spec, "fn", standalone(spec, root))
    return spec
