"""ZAP and PACIENT: record flags, policy, insurer, newborn."""

from __future__ import annotations

import re
from datetime import date

from app.controls.flk.helpers import forbid, need, only
from app.controls.flk.registry import Hit, rule
from app.controls.values import all_present, present, to_int, tx

_NOVOR = re.compile(r"^([12])(\d{2})(\d{2})(\d{2})([1-9]|10)$")
_01 = frozenset({"0", "1"})


@rule("002F.00.0080", "ZL_LIST/ZAP/PR_NOV", "CHTX", "Допустимые значения PR_NOV: 0, 1")
def pr_nov(r):
    yield from only(r.zap, "PR_NOV", _01)


@rule("002F.00.0090", "ZL_LIST/ZAP/PACIENT/INV", "CH", "Допустимые значения INV: 0, 1, 2, 3, 4")
def inv(r):
    yield from only(r.pac, "INV", frozenset("01234"))


@rule("002F.00.0100", "ZL_LIST/ZAP/PACIENT/MSE", "CHT", "Допустимое значение MSE: 1")
def mse(r):
    yield from only(r.pac, "MSE", frozenset({"1"}))


def _novor_birth(yy: int, mm: int, dd: int, ref: date) -> date | None:
    for century in (2000, 1900):
        try:
            d = date(century + yy, mm, dd)
        except ValueError:
            return None
        if d <= ref:
            return d
    return None


@rule(
    "002F.00.0130",
    "ZL_LIST/ZAP/PACIENT/NOVOR",
    "CHTX",
    "NOVOR: 0 или ПДДММГГН (П-пол (W), ДДММГГ-дата рождения (DR), Н-число от 1 до 10)",
)
def novor(r):
    n = present(r.pac, "NOVOR")
    if n is None or n.text == "0":
        return
    m = _NOVOR.match(n.text)
    ref = r.date_z_1 or r.ctx.today
    birth = _novor_birth(int(m.group(4)), int(m.group(3)), int(m.group(2)), ref) if m else None
    if birth is None:
        yield Hit(n)
        return
    if r.person is not None:
        w = tx(r.person, "W")
        if w and w != m.group(1):
            yield Hit(n, detail=f"пол не совпадает с W={w}")
        if r.dr is not None and r.dr != birth:
            yield Hit(n, detail=f"дата рождения не совпадает с DR={r.dr:%d.%m.%Y}")


@rule("002F.00.0140", "ZL_LIST/ZAP/PACIENT/VNOV_D", "CHT", "Допустимое значение: 200<VNOV_D<2500")
def vnov_d_range(r):
    for n in all_present(r.pac, "VNOV_D"):
        v = to_int(n.text)
        if v is not None and not 200 < v < 2500:
            yield Hit(n)


@rule("002F.00.0150", "ZL_LIST/ZAP/Z_SL/VNOV_M", "CHT", "Допустимое значение: 200<VNOV_M<2500")
def vnov_m_range(r):
    for n in all_present(r.z_sl, "VNOV_M"):
        v = to_int(n.text)
        if v is not None and not 200 < v < 2500:
            yield Hit(n)


@rule(
    "003F.00.0390",
    "ZL_LIST/ZAP/PACIENT/VNOV_D",
    "CHT",
    "Элемент должен отсутствовать при выполнении условия: VNOV_M присутствует",
)
def vnov_d_without_vnov_m(r):
    if present(r.z_sl, "VNOV_M") is not None:
        yield from forbid(r.pac, "VNOV_D")


@rule(
    "003F.00.0450",
    "ZL_LIST/ZAP/Z_SL/VNOV_M",
    "CHT",
    "Элемент должен отсутствовать при выполнении условия: VNOV_D присутствует",
)
def vnov_m_without_vnov_d(r):
    if present(r.pac, "VNOV_D") is not None:
        yield from forbid(r.z_sl, "VNOV_M")


# -- policy and insurer -----------------------------------------------------------------------
@rule(
    "003F.00.0080",
    "ZL_LIST/ZAP/PACIENT/SPOLIS",
    "CHTX",
    "Элемент должен отсутствовать при выполнении условия: VPOLIS<>1",
)
def spolis_only_old_policy(r):
    if r.vpolis is not None and r.vpolis != 1:
        yield from forbid(r.pac, "SPOLIS")


@rule(
    "003F.00.2170",
    "ZL_LIST/ZAP/PACIENT/NPOLIS",
    "CHTX",
    "Номер полиса (NPOLIS) обязателен, если не указан единый номер полиса (ENP)",
)
def npolis_or_enp(r):
    if present(r.pac, "ENP") is None:
        yield from need(r.pac, "NPOLIS")


@rule(
    "003F.00.0110",
    "ZL_LIST/ZAP/PACIENT/ST_OKATO",
    "CHTX",
    "ST_OKATO обязателен при выполнении условия: PLAT присутствует и VPOLIS=1",
)
def st_okato_required(r):
    if r.ctx.plat and r.vpolis == 1:
        yield from need(r.pac, "ST_OKATO")


@rule(
    "003F.00.0120", "ZL_LIST/ZAP/PACIENT/SMO", "CHTX", "SMO обязателен при выполнении условия: SCHET/PLAT присутствует"
)
def smo_required(r):
    if r.ctx.plat:
        yield from need(r.pac, "SMO")


@rule("006F.00.0220", "ZL_LIST/ZAP/PACIENT/SMO", "CHTX", "SMO должен совпадать с SCHET/PLAT (при наличии PLAT)")
def smo_is_plat(r):
    plat = r.ctx.plat
    n = present(r.pac, "SMO")
    if plat and n is not None and n.text != plat:
        yield Hit(n, detail=f"PLAT={plat}")
