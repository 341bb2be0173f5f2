"""Reference-book checks: one generic evaluator driven by :data:`NSI_CHECKS`.

Each row registers its own rule (code from Q015: 001F for FFOMS books, 005F for M001 — Q015
marks the МКБ checks as "проверка регионального уровня").  The value must exist in the book and
be valid on the date of care: DATE_OUT of the service, DATE_2 of the SL, DATE_Z_2 of the case
(the first that is known); header values on DSCHET; L-file values without a date.  A book the
lookup does not know (``nsi.knows(book)`` is false) or a context without ``nsi`` skips the rule.
The look-ups below the header (but the sanctions') are built by
:func:`app.controls.flk.dispatch.lookup_spec` and run element by element with the interpreted rules;
the header's and the sanctions' are functions here.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from app.controls.flk.dispatch import lookup_spec, missing_code_detail
from app.controls.flk.registry import REGISTRY, Hit, default_valid_from, rule
from app.controls.values import all_present
from app.formats.record import Node


class NsiCheck(NamedTuple):
    code: str
    path: str  # ID_EL
    book: str  # NSI_OBJ
    field: str  # NSI_EL (key field of the official export)
    file_types: str
    message: str = ""  # the rule's own words, where Q015 v2.2 has none (checks newer than it)


NSI_CHECKS: tuple[NsiCheck, ...] = (
    NsiCheck("001F.00.0030", "ZL_LIST/SCHET/CODE_MO", "F003", "mcod", "CHTX"),
    NsiCheck("001F.00.0040", "ZL_LIST/SCHET/PLAT", "F002", "smocod", "CHTX"),
    NsiCheck("001F.00.0050", "ZL_LIST/SCHET/DISP", "V016", "IDDT", "X"),
    NsiCheck("001F.00.0060", "ZL_LIST/ZAP/PACIENT/VPOLIS", "F008", "IDDoc", "CHTX"),
    NsiCheck("001F.00.0070", "ZL_LIST/ZAP/PACIENT/ST_OKATO", "F010", "KOD_OKATO", "CHTX"),
    NsiCheck("001F.00.0080", "ZL_LIST/ZAP/PACIENT/SMO", "F002", "smocod", "CHTX"),
    NsiCheck("001F.00.0160", "ZL_LIST/ZAP/Z_SL/USL_OK", "V006", "IDUMP", "CHT"),
    NsiCheck("001F.00.0170", "ZL_LIST/ZAP/Z_SL/VIDPOM", "V008", "IDVMP", "CHTX"),
    NsiCheck("001F.00.0180", "ZL_LIST/ZAP/Z_SL/FOR_POM", "V014", "IDFRMMP", "CHT"),
    NsiCheck("001F.00.0190", "ZL_LIST/ZAP/Z_SL/NPR_MO", "F003", "mcod", "CHT"),
    NsiCheck("001F.00.0200", "ZL_LIST/ZAP/Z_SL/LPU", "F003", "mcod", "CHTX"),
    NsiCheck("001F.00.0210", "ZL_LIST/ZAP/Z_SL/RSLT", "V009", "IDRMP", "CHT"),
    NsiCheck("001F.00.0220", "ZL_LIST/ZAP/Z_SL/ISHOD", "V012", "IDIZ", "CHT"),
    NsiCheck("001F.00.0230", "ZL_LIST/ZAP/Z_SL/IDSP", "V010", "IDSP", "CHTX"),
    NsiCheck("001F.00.0240", "ZL_LIST/ZAP/Z_SL/RSLT_D", "V017", "IDDR", "X"),
    NsiCheck("001F.00.0270", "ZL_LIST/ZAP/Z_SL/SL/PROFIL", "V002", "IDPR", "CHT"),
    NsiCheck("001F.00.0280", "ZL_LIST/ZAP/Z_SL/SL/PROFIL_K", "V020", "IDK_PR", "CHT"),
    NsiCheck("001F.00.0290", "ZL_LIST/ZAP/Z_SL/SL/P_CEL", "V025", "IDPC", "CH"),
    NsiCheck("001F.00.0300", "ZL_LIST/ZAP/Z_SL/SL/C_ZAB", "V027", "IDCZ", "CHT"),
    NsiCheck("001F.00.0310", "ZL_LIST/ZAP/Z_SL/SL/PRVS", "V021", "IDSPEC", "CHT"),
    NsiCheck("001F.00.0620", "ZL_LIST/ZAP/Z_SL/SL/USL/LPU", "F003", "mcod", "CHTX"),
    # F032, the register of МО that succeeds F003 (checks newer than Q015 v2.2; a book not loaded is
    # not checked, so a fund switches them on by loading F032: `oms fetch-nsi F032`)
    NsiCheck(
        "001F.00.0031",
        "ZL_LIST/SCHET/CODE_MO",
        "F032",
        "mcod",
        "CHTX",
        "Код МО должен быть найден в справочнике F032",
    ),
    NsiCheck(
        "001F.00.0201",
        "ZL_LIST/ZAP/Z_SL/LPU",
        "F032",
        "mcod",
        "CHTX",
        "Код ЛПУ должен быть найден в справочнике F032 для региона",
    ),
    NsiCheck(
        "001F.00.0621",
        "ZL_LIST/ZAP/Z_SL/SL/USL/LPU",
        "F032",
        "mcod",
        "CHTX",
        "Код МО в услуге должен быть найден в справочнике F032",
    ),
    NsiCheck("001F.00.0630", "ZL_LIST/ZAP/Z_SL/SL/USL/PROFIL", "V002", "IDPR", "CHT"),
    # 5.x: MR_USL_N/PRVS is 001F.00.0663, a row of app/controls/official/newer.py
    NsiCheck("001F.00.0661", "ZL_LIST/ZAP/Z_SL/SL/USL/PRVS", "V021", "IDSPEC", "CHT"),
    NsiCheck("001F.00.0670", "ZL_LIST/ZAP/Z_SL/SANK/S_TIP", "F006", "IDVID", "CHTX"),
    NsiCheck("001F.00.0700", "PERS_LIST/PERS/W", "V005", "IDPOL", "L"),
    NsiCheck("001F.00.0710", "PERS_LIST/PERS/W_P", "V005", "IDPOL", "L"),
    NsiCheck("001F.00.0720", "PERS_LIST/PERS/DOCTYPE", "F011", "IDDoc", "L"),
    NsiCheck("005F.00.0030", "ZL_LIST/ZAP/Z_SL/SL/DS0", "M001", "IDDS", "CHT"),
    NsiCheck("005F.00.0040", "ZL_LIST/ZAP/Z_SL/SL/DS1", "M001", "IDDS", "CHTX"),
    NsiCheck("005F.00.0050", "ZL_LIST/ZAP/Z_SL/SL/DS2", "M001", "IDDS", "CHT"),
    NsiCheck("005F.00.0060", "ZL_LIST/ZAP/Z_SL/SL/DS3", "M001", "IDDS", "CHT"),
    NsiCheck("005F.00.0230", "ZL_LIST/ZAP/Z_SL/SL/USL/DS", "M001", "IDDS", "CHT"),
)

_VALID_FROM_0661 = date(2020, 4, 1)  # Q015 DATEBEG of 001F.00.0661
#: the look-ups run element by element (app/controls/flk/dispatch.py), on the date of care of their
#: place: DATE_OUT of the service, DATE_2 of the SL, DATE_Z_2 of the case; none for the L file.  The
#: header's (on DSCHET) and the sanctions' (on no date) run here.
_DISPATCHED_LEVELS = frozenset(
    {
        "ZL_LIST/ZAP/PACIENT",
        "ZL_LIST/ZAP/Z_SL",
        "ZL_LIST/ZAP/Z_SL/SL",
        "ZL_LIST/ZAP/Z_SL/SL/USL",
        "PERS_LIST/PERS",
    }
)


def _misses(nsi, book: str, parent: Node, tag: str, on) -> list[Node]:
    """The ``tag`` children of ``parent`` with a value the book does not have on ``on``."""
    return [
        c
        for c in parent.children
        if c.tag == tag and c.text is not None and (c.text or c.children) and not nsi.has(book, c.text.strip(), on)
    ]


def _hits(nsi, book: str, nodes, on, **loc):
    if not nodes:
        return nodes
    return [Hit(n, detail=missing_code_detail(nsi, book, n.text.strip(), on), **loc) for n in nodes]


def _make(check: NsiCheck):
    book = check.book
    parts = check.path.split("/")
    tag = parts[-1]
    level = "/".join(parts[:-1])

    message = check.message or f"Значение отсутствует в справочнике {book} ({check.field}) или не действует на дату"
    valid_from = _VALID_FROM_0661 if check.code == "001F.00.0661" else default_valid_from(check.code)
    if level in _DISPATCHED_LEVELS:  # run element by element with the interpreted look-ups
        REGISTRY.register(lookup_spec(check.code, check.path, book, check.file_types, message, valid_from=valid_from))
        return
    # each function returns the hits as a list (most records have none: no generator is made)
    if level == "ZL_LIST/SCHET":

        def fn(h):
            nsi = h.ctx.nsi
            if nsi is None or not nsi.knows(book):
                return None
            on = h.ctx.dschet
            return _hits(nsi, book, _misses(nsi, book, h.schet, tag, on), on)
    elif level == "ZL_LIST/ZAP/Z_SL/SANK":

        def fn(r):
            nsi = r.ctx.nsi
            if nsi is None or not nsi.knows(book):
                return None
            out = []
            for s in all_present(r.z_sl, "SANK"):
                out += _hits(nsi, book, _misses(nsi, book, s, tag, None), None)
            return out
    else:  # pragma: no cover - guarded by the table test
        raise ValueError(f"{check.code}: unsupported path {check.path}")

    rule(check.code, check.path, check.file_types, message, valid_from=valid_from)(fn)


for _c in NSI_CHECKS:
    _make(_c)
