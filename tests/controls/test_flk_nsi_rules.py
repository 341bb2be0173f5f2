"""Reference-book checks (generic evaluator): each table row reports its own code when the
value is not in the book or not valid on the date of care; unknown books are skipped."""

from __future__ import annotations

from datetime import date

import pytest

from app.controls.flk import check_header, check_person, check_record
from app.controls.flk.registry import get
from app.controls.flk.rules_nsi import NSI_CHECKS
from app.demo.nsi import load_demo_books
from app.nsi import MemoryNsi, NsiEntry
from tests.controls.factory import (
    NAMES,
    E,
    adult,
    amb_zap,
    at,
    chain,
    ctx,
    header,
    hosp_zap,
    mutate,
)

EXTRA_BOOKS = {  # books the demo subset does not carry
    "F010": [NsiEntry("98000", "Республика Саха (Якутия)")],
    "V016": [NsiEntry("ДВ4", "диспансеризация взрослых")],
    "V017": [NsiEntry("1", "I группа")],
    "V020": [NsiEntry("30", "кардиологические")],
    "F006": [NsiEntry("1", "МЭК")],
    "F032": [NsiEntry(code, "МО") for code in ("140001", "140002", "140011")],
}
SANK = E(
    "SANK",
    E("S_CODE", "1"),
    E("S_SUM", "0.00"),
    E("S_TIP", "99"),
    E("DATE_ACT", "2025-02-20"),
    E("NUM_ACT", "1"),
    E("S_IST", "1"),
)


def nsi():
    books = load_demo_books()
    books.update(EXTRA_BOOKS)
    return MemoryNsi(books)


# code → (scope, kind, base, changes, place, also)
SETUPS = {
    "001F.00.0030": (
        "header",
        "H",
        None,
        (("SCHET/CODE_MO", "149999"),),
        "SCHET/CODE_MO",
        ("002F.14.0030", "001F.00.0031"),
    ),
    "001F.00.0031": (
        "header",
        "H",
        None,
        (("SCHET/CODE_MO", "149999"),),
        "SCHET/CODE_MO",
        ("002F.14.0030", "001F.00.0030"),
    ),
    "001F.00.0040": ("header", "H", None, (("SCHET/PLAT", "99999"),), "SCHET/PLAT", ("006F.00.0050",)),
    "001F.00.0050": ("header", "X", None, (("+SCHET/DISP", "ZZ"),), "SCHET/DISP", ()),
    "001F.00.0060": ("record", "H", amb_zap, (("PACIENT/VPOLIS", "7"),), "PACIENT/VPOLIS", ()),
    "001F.00.0070": ("record", "H", amb_zap, (("+PACIENT/ST_OKATO", "99999"),), "PACIENT/ST_OKATO", ()),
    "001F.00.0080": ("record", "H", amb_zap, (("PACIENT/SMO", "99999"),), "PACIENT/SMO", ("006F.00.0220",)),
    "001F.00.0160": ("record", "H", amb_zap, (("Z_SL/USL_OK", "9"),), "Z_SL/USL_OK", ("003F.00.0670",)),
    "001F.00.0170": ("record", "H", amb_zap, (("Z_SL/VIDPOM", "99"),), "Z_SL/VIDPOM", ("006F.00.1210",)),
    "001F.00.0180": ("record", "H", amb_zap, (("Z_SL/FOR_POM", "9"),), "Z_SL/FOR_POM", ("006F.00.1290",)),
    "001F.00.0190": ("record", "H", hosp_zap, (("Z_SL/NPR_MO", "999999"),), "Z_SL/NPR_MO", ()),
    "001F.00.0200": ("record", "H", amb_zap, (("Z_SL/LPU", "999999"),), "Z_SL/LPU", ("006F.00.0030", "001F.00.0201")),
    "001F.00.0201": ("record", "H", amb_zap, (("Z_SL/LPU", "999999"),), "Z_SL/LPU", ("006F.00.0030", "001F.00.0200")),
    "001F.00.0210": ("record", "H", amb_zap, (("Z_SL/RSLT", "399"),), "Z_SL/RSLT", ()),
    "001F.00.0220": ("record", "H", amb_zap, (("Z_SL/ISHOD", "399"),), "Z_SL/ISHOD", ()),
    "001F.00.0230": ("record", "H", amb_zap, (("Z_SL/IDSP", "99"),), "Z_SL/IDSP", ()),
    "001F.00.0240": ("record", "X", amb_zap, (("+Z_SL/RSLT_D", "99"),), "Z_SL/RSLT_D", ()),
    "001F.00.0270": ("record", "H", amb_zap, (("Z_SL/SL/PROFIL", "999"),), "Z_SL/SL/PROFIL", ()),
    "001F.00.0280": ("record", "H", hosp_zap, (("Z_SL/SL/PROFIL_K", "99"),), "Z_SL/SL/PROFIL_K", ()),
    "001F.00.0290": ("record", "H", amb_zap, (("Z_SL/SL/P_CEL", "9.9"),), "Z_SL/SL/P_CEL", ()),
    "001F.00.0300": ("record", "H", amb_zap, (("Z_SL/SL/C_ZAB", "9"),), "Z_SL/SL/C_ZAB", ()),
    "001F.00.0310": ("record", "H", amb_zap, (("Z_SL/SL/PRVS", "9999"),), "Z_SL/SL/PRVS", ()),
    "001F.00.0620": ("record", "H", amb_zap, (("Z_SL/SL/USL/LPU", "999999"),), "Z_SL/SL/USL/LPU", ("001F.00.0621",)),
    "001F.00.0621": ("record", "H", amb_zap, (("Z_SL/SL/USL/LPU", "999999"),), "Z_SL/SL/USL/LPU", ("001F.00.0620",)),
    "001F.00.0630": ("record", "H", amb_zap, (("Z_SL/SL/USL/PROFIL", "999"),), "Z_SL/SL/USL/PROFIL", ()),
    "001F.00.0661": ("record", "H", amb_zap, (("+Z_SL/SL/USL/PRVS", "9999"),), "Z_SL/SL/USL/PRVS", ()),
    "001F.00.0670": ("record", "H", amb_zap, (("+Z_SL/SANK", SANK),), "Z_SL/SANK/S_TIP", ()),
    "001F.00.0700": ("person", "H", None, (("W", "3"),), "W", ()),
    "001F.00.0710": ("person", "H", None, (("+W_P", "3"),), "W_P", ()),
    "001F.00.0720": ("person", "H", None, (("DOCTYPE", "99"),), "DOCTYPE", ()),
    "005F.00.0030": ("record", "H", amb_zap, (("+Z_SL/SL/DS0", "ZZZ"),), "Z_SL/SL/DS0", ()),
    "005F.00.0040": ("record", "H", amb_zap, (("Z_SL/SL/DS1", "ZZZ"),), "Z_SL/SL/DS1", ()),
    "005F.00.0050": ("record", "H", amb_zap, (("+Z_SL/SL/DS2", "ZZZ"),), "Z_SL/SL/DS2", ()),
    "005F.00.0060": ("record", "H", amb_zap, (("+Z_SL/SL/DS3", "ZZZ"),), "Z_SL/SL/DS3", ()),
    "005F.00.0230": ("record", "H", amb_zap, (("Z_SL/SL/USL/DS", "ZZZ"),), "Z_SL/SL/USL/DS", ()),
}


def test_every_table_row_has_a_test_setup():
    assert {c.code for c in NSI_CHECKS} == set(SETUPS)


def _run(scope, kind, base, changes, lookup, **kw):
    cx = ctx(kind, nsi=lookup, **kw)
    if scope == "header":
        node = mutate(header(NAMES[kind]), *changes)
        return node, check_header(node, cx)
    if scope == "person":
        node = mutate(adult(), *changes)
        return node, check_person(node, cx)
    node = mutate(base(), *changes)
    return node, check_record(node, adult(), cx)


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_value_missing_from_the_book_is_reported(code):
    scope, kind, base, changes, place, also = SETUPS[code]
    node, found = _run(scope, kind, base, changes, nsi())
    assert {f.code for f in found} == {code, *also}, [(f.code, f.comment) for f in found]
    f = next(f for f in found if f.code == code)
    target = at(node, place)
    assert (f.value, f.line, f.element) == (target.text, target.line, get(code).element)
    if scope == "record":
        nodes = chain(node, place)
        sl = next((n for n in nodes if n.tag == "SL"), None)
        assert f.sl_id == (sl.get("SL_ID") if sl else None)


@pytest.mark.parametrize("code", sorted(SETUPS))
def test_unknown_book_or_no_lookup_skips_the_rule(code):
    scope, kind, base, changes, place, also = SETUPS[code]
    book = next(c.book for c in NSI_CHECKS if c.code == code)
    books = load_demo_books()
    books.update(EXTRA_BOOKS)
    books.pop(book)
    for lookup in (MemoryNsi(books), None):
        _, found = _run(scope, kind, base, changes, lookup)
        assert code not in {f.code for f in found}


def test_validity_dates_of_the_book_are_applied():
    # V009 312 was closed on 31.12.2017; V002 136 changed its text on 12.12.2017 but stays valid
    closed = mutate(amb_zap(), ("Z_SL/RSLT", "312"))
    assert {f.code for f in check_record(closed, adult(), ctx())} == {"001F.00.0210"}
    found = check_record(closed, adult(), ctx())[0]
    assert "15.01.2025" in found.comment
    old = mutate(
        closed,
        ("Z_SL/DATE_Z_1", "2017-12-01"),
        ("Z_SL/DATE_Z_2", "2017-12-05"),
        ("Z_SL/SL/DATE_1", "2017-12-01"),
        ("Z_SL/SL/DATE_2", "2017-12-05"),
        ("Z_SL/SL/USL/DATE_IN", "2017-12-01"),
        ("Z_SL/SL/USL/DATE_OUT", "2017-12-01"),
    )
    assert "001F.00.0210" not in {f.code for f in check_record(old, adult(), ctx(year=2017, month=12))}
    # the service date decides for USL elements: a diagnosis code opened after the service date
    lookup = nsi()
    lookup.add("M001", [NsiEntry("Q99.9", "new code", date(2025, 1, 11))])
    z = mutate(amb_zap(), ("Z_SL/SL/USL/DS", "Q99.9"))
    assert [f.code for f in check_record(z, adult(), ctx(nsi=lookup))] == ["005F.00.0230"]
