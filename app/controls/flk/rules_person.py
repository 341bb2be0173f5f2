"""L file (PERS_LIST/PERS): names vs DOST and NOVOR, representative of a newborn, identity
document when the policy is not of the single type, birth dates.

Rules that need the case (NOVOR, VPOLIS, DATE_Z_1 are in the H file) run in the ``record`` scope
with the PERS found for PACIENT/ID_PAC; their findings have ``file_kind="L"`` and the record's
N_ZAP/IDCASE.  A person referenced by several records is reported once per record.
"""

from __future__ import annotations

import re

from app.controls.flk.helpers import NOVOR, forbid, need, only
from app.controls.flk.registry import Hit, rule
from app.controls.values import add_years, present, to_date

_ABSENT = "Элемент должен отсутствовать при выполнении условия: "
_DOST = frozenset("123456")


# -- person only ------------------------------------------------------------------------------
@rule("002F.00.0540", "PERS_LIST/PERS/DOST", "L", "Допустимые значения DOST: 1, 2, 3, 4, 5, 6")
def dost_values(p):
    yield from only(p.node, "DOST", _DOST)


@rule("002F.00.0550", "PERS_LIST/PERS/DOST_P", "L", "Допустимые значения DOST_P: 1, 2, 3, 4, 5, 6")
def dost_p_values(p):
    yield from only(p.node, "DOST_P", _DOST)


@rule(
    "003F.00.1710",
    "PERS_LIST/PERS/TEL",
    "L",
    "Элемент должен отсутствовать, если основной файл относится к типам H, C, T",
)
def tel_only_dispanserization(p):
    if p.ctx.file_kind in ("H", "C", "T"):
        yield from forbid(p.node, "TEL")


@rule("006F.00.0670", "PERS_LIST/PERS/DR", "L", "Значение поля должно быть не более DATA")
def dr_not_after_file_date(p):
    data = p.ctx.l_data or p.ctx.data
    if p.dr is not None and data is not None and p.dr > data:
        yield Hit(present(p.node, "DR"), detail=f"DATA={data:%d.%m.%Y}")


@rule("006F.00.0690", "PERS_LIST/PERS/DR_P", "L", "Значение поля должно быть меньше DR не менее, чем на 14 лет")
def representative_older(p):
    n = present(p.node, "DR_P")
    dr_p = to_date(n.text) if n is not None else None
    if dr_p is not None and p.dr is not None and dr_p > add_years(p.dr, -14):
        yield Hit(n, detail=f"DR={p.dr:%d.%m.%Y}")


# -- person with the case ---------------------------------------------------------------------
def _dost(r, tag="DOST") -> frozenset[str]:
    return r.person_values(tag)


# the elements the conditions below name, by the name their Q015 text uses
_CONDITION_ELEMENTS = {
    "NOVOR": NOVOR,
    "DOST": "PERS_LIST/PERS/DOST",
    "DOST_P": "PERS_LIST/PERS/DOST_P",
}


def _linked(code, tag, kind, cond, text):
    def fn(r):
        if cond(r):
            yield from (need if kind == "req" else forbid)(r.person, tag)

    condition = text.split("условия:", 1)[-1]  # the elements the condition names, not the checked one
    reads = tuple(path for name, path in _CONDITION_ELEMENTS.items() if re.search(rf"\b{name}\b", condition))
    rule(code, f"PERS_LIST/PERS/{tag}", "L", text, scope="record", reads=reads)(fn)


for _args in (
    (
        "003F.00.1530",
        "FAM",
        "req",
        lambda r: not r.newborn and "2" not in _dost(r),
        "FAM обязателен при выполнении условия: NOVOR=0 и DOST<>2",
    ),
    ("003F.00.1540", "FAM", "abs", lambda r: r.newborn or "2" in _dost(r), _ABSENT + "NOVOR<>0 или DOST=2"),
    (
        "003F.00.1550",
        "FAM_P",
        "req",
        lambda r: r.newborn and "2" not in _dost(r, "DOST_P"),
        "FAM_P обязателен при выполнении условия: NOVOR<>0 и DOST_P<>2",
    ),
    (
        "003F.00.1560",
        "FAM_P",
        "abs",
        lambda r: not r.newborn or "2" in _dost(r, "DOST_P"),
        _ABSENT + "DOST_P=2 или NOVOR=0",
    ),
    (
        "003F.00.1570",
        "IM",
        "req",
        lambda r: not r.newborn and "3" not in _dost(r),
        "IM обязателен при выполнении условия: NOVOR=0 и DOST<>3",
    ),
    ("003F.00.1580", "IM", "abs", lambda r: r.newborn or "3" in _dost(r), _ABSENT + "NOVOR<>0 или DOST=3"),
    (
        "003F.00.1590",
        "IM_P",
        "req",
        lambda r: r.newborn and "3" not in _dost(r, "DOST_P"),
        "IM_P обязателен при выполнении условия: NOVOR<>0 и DOST_P<>3",
    ),
    (
        "003F.00.1600",
        "IM_P",
        "abs",
        lambda r: not r.newborn or "3" in _dost(r, "DOST_P"),
        _ABSENT + "DOST_P=3 или NOVOR=0",
    ),
    ("003F.00.1610", "OT", "abs", lambda r: r.newborn or "1" in _dost(r), _ABSENT + "NOVOR<>0 или DOST=1"),
    (
        "003F.00.1620",
        "OT_P",
        "abs",
        lambda r: not r.newborn or "1" in _dost(r, "DOST_P"),
        _ABSENT + "NOVOR=0 или DOST_P=1",
    ),
    (
        "003F.00.1630",
        "DOST",
        "req",
        lambda r: not r.newborn and present(r.person, "IM") is None,
        "DOST обязателен при выполнении условия: IM отсутствует и NOVOR=0",
    ),
    (
        "003F.00.1640",
        "DOST",
        "req",
        lambda r: not r.newborn and present(r.person, "FAM") is None,
        "DOST обязателен при выполнении условия: FAM отсутствует и NOVOR=0",
    ),
    (
        "003F.00.1650",
        "DOST_P",
        "req",
        lambda r: r.newborn and present(r.person, "IM_P") is None,
        "DOST_P обязателен при выполнении условия: IM_P отсутствует и NOVOR<>0",
    ),
    (
        "003F.00.1660",
        "DOST_P",
        "req",
        lambda r: r.newborn and present(r.person, "FAM_P") is None,
        "DOST_P обязателен при выполнении условия: FAM_P отсутствует и NOVOR<>0",
    ),
    ("003F.00.1670", "W_P", "req", lambda r: r.newborn, "W_P обязателен при выполнении условия: NOVOR<>0"),
    ("003F.00.1680", "W_P", "abs", lambda r: not r.newborn, _ABSENT + "NOVOR=0"),
    ("003F.00.1690", "DR_P", "req", lambda r: r.newborn, "DR_P обязателен при выполнении условия: NOVOR<>0"),
    ("003F.00.1700", "DR_P", "abs", lambda r: not r.newborn, _ABSENT + "NOVOR=0"),
    (
        "003F.00.1720",
        "DOCTYPE",
        "req",
        lambda r: r.vpolis is not None and r.vpolis != 3,
        "DOCTYPE обязателен при выполнении условия: в основном файле VPOLIS<>3",
    ),
    (
        "003F.00.1730",
        "DOCSER",
        "req",
        lambda r: r.vpolis is not None and r.vpolis != 3,
        "DOCSER обязателен при выполнении условия: в основном файле VPOLIS<>3",
    ),
    (
        "003F.00.1740",
        "DOCNUM",
        "req",
        lambda r: r.vpolis is not None and r.vpolis != 3,
        "DOCNUM обязателен при выполнении условия: в основном файле VPOLIS<>3",
    ),
    (
        "003F.00.0330",
        "DOCDATE",
        "req",
        lambda r: r.vpolis is not None and r.vpolis != 3,
        "DOCDATE обязателен при выполнении условия: в основном файле VPOLIS<>3",
    ),
    (
        "003F.00.0340",
        "DOCORG",
        "req",
        lambda r: r.vpolis is not None and r.vpolis != 3,
        "DOCORG обязателен при выполнении условия: в основном файле VPOLIS<>3",
    ),
):
    _linked(*_args)


@rule("006F.00.0680", "PERS_LIST/PERS/DR", "L", "Значение поля должно быть не более DATE_Z_1", scope="record")
def dr_not_after_case(r):
    if r.dr is not None and r.date_z_1 is not None and r.dr > r.date_z_1:
        yield Hit(present(r.person, "DR"), detail=f"DATE_Z_1={r.date_z_1:%d.%m.%Y}")
