"""Z_SL / SL: conditional presence by USL_OK, FOR_POM, IDSP; allowed values; RSLT/ISHOD/VIDPOM
consistency; KSG block."""

from __future__ import annotations

from datetime import date

from app.controls.flk.helpers import NOVOR, forbid, need, only
from app.controls.flk.registry import Hit, rule
from app.controls.values import age_on, all_present, ds, is_onco_c00_d09, present, to_date, to_int, tx

_Q2020_04 = date(2020, 4, 1)
_STAC = (1, 2)


# -- referral ---------------------------------------------------------------------------------
def _referral_needed(r) -> bool:
    return (r.for_pom == 3 and r.usl_ok == 1) or r.usl_ok == 2


@rule(
    "003F.00.0400",
    "ZL_LIST/ZAP/Z_SL/NPR_MO",
    "CHT",
    "NPR_MO обязателен при выполнении условия: (FOR_POM=3 и USL_OK=1) или USL_OK=2",
)
def npr_mo_required(r):
    if _referral_needed(r):
        yield from need(r.z_sl, "NPR_MO")


@rule(
    "003F.00.0410",
    "ZL_LIST/ZAP/Z_SL/NPR_DATE",
    "CHT",
    "NPR_DATE обязателен при выполнении условия: (FOR_POM=3 и USL_OK=1) или USL_OK=2",
)
def npr_date_required(r):
    if _referral_needed(r):
        yield from need(r.z_sl, "NPR_DATE")


@rule(
    "003F.00.0401",
    "ZL_LIST/ZAP/Z_SL/NPR_MO",
    "CHT",
    "NPR_MO обязателен при выполнении условия: NPR_DATE присутствует",
    valid_from=_Q2020_04,
)
def npr_mo_with_date(r):
    if present(r.z_sl, "NPR_DATE") is not None:
        yield from need(r.z_sl, "NPR_MO")


@rule(
    "003F.00.0402",
    "ZL_LIST/ZAP/Z_SL/NPR_DATE",
    "CHT",
    "NPR_DATE обязателен при выполнении условия: NPR_MO присутствует",
    valid_from=_Q2020_04,
)
def npr_date_with_mo(r):
    if present(r.z_sl, "NPR_MO") is not None:
        yield from need(r.z_sl, "NPR_DATE")


# -- presence by USL_OK -----------------------------------------------------------------------
@rule("003F.00.0430", "ZL_LIST/ZAP/Z_SL/KD_Z", "CH", "KD_Z обязателен при выполнении условия: USL_OK={1, 2}")
def kd_z_required(r):
    if r.usl_ok in _STAC:
        yield from need(r.z_sl, "KD_Z")


@rule(
    "003F.00.0440", "ZL_LIST/ZAP/Z_SL/KD_Z", "CH", "Элемент должен отсутствовать при выполнении условия: USL_OK<>{1, 2}"
)
def kd_z_absent(r):
    if r.usl_ok is not None and r.usl_ok not in _STAC:
        yield from forbid(r.z_sl, "KD_Z")


def _sl_required(tag, cond):
    def fn(r):
        if cond(r):
            for sl in r.sls:
                yield from need(sl, tag, sl=sl)

    return fn


def _sl_absent(tag, cond):
    def fn(r):
        if cond(r):
            for sl in r.sls:
                yield from forbid(sl, tag, sl=sl)

    return fn


def _stac(r):
    return r.usl_ok in _STAC


def _not_stac(r):
    return r.usl_ok is not None and r.usl_ok not in _STAC


def _amb(r):
    return r.usl_ok == 3


def _not_amb(r):
    return r.usl_ok is not None and r.usl_ok != 3


def _ksg(r):
    return r.idsp == 33


def _not_ksg(r):
    return r.idsp is not None and r.idsp != 33


_ABSENT = "Элемент должен отсутствовать при выполнении условия: "
for _code, _tag, _kind, _cond, _text in (
    ("003F.00.0740", "KD", "req", _stac, "KD обязателен при выполнении условия: USL_OK={1, 2}"),
    ("003F.00.0750", "KD", "abs", _not_stac, _ABSENT + "USL_OK<>{1, 2}"),
    ("003F.00.0640", "PROFIL_K", "req", _stac, "PROFIL_K обязателен при выполнении условия: USL_OK={1, 2}"),
    ("003F.00.0650", "PROFIL_K", "abs", _not_stac, _ABSENT + "USL_OK<>{1, 2}"),
    ("003F.00.0660", "P_CEL", "req", _amb, "P_CEL обязателен при выполнении условия: USL_OK=3"),
    ("003F.00.0670", "P_CEL", "abs", _not_amb, _ABSENT + "USL_OK<>3"),
    ("003F.00.0700", "P_PER", "req", _stac, "P_PER обязателен при выполнении условия: USL_OK={1, 2}"),
    ("003F.00.0710", "P_PER", "abs", _not_stac, _ABSENT + "USL_OK<>{1, 2}"),
    ("003F.00.0800", "KSG_KPG", "req", _ksg, "KSG_KPG обязателен при выполнении условия: IDSP=33"),
    ("003F.00.0810", "KSG_KPG", "abs", _not_ksg, _ABSENT + "IDSP<>33"),
):
    rule(_code, f"ZL_LIST/ZAP/Z_SL/SL/{_tag}", "CH", _text)(
        (_sl_required if _kind == "req" else _sl_absent)(_tag, _cond)
    )


# -- KSG block --------------------------------------------------------------------------------
def _ksg_blocks(r):
    for sl in r.sls:
        k = present(sl, "KSG_KPG")
        if k is not None:
            yield sl, k


@rule(
    "003F.00.1100",
    "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/N_KSG",
    "CH",
    "N_KSG обязателен при выполнении условия: IDSP=33 и N_KPG отсутствует",
)
def n_ksg_required(r):
    if r.idsp == 33:
        for sl, k in _ksg_blocks(r):
            if present(k, "N_KPG") is None:
                yield from need(k, "N_KSG", sl=sl)


@rule("003F.00.1110", "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/N_KSG", "CH", _ABSENT + "N_KPG присутствует")
def n_ksg_absent(r):
    for sl, k in _ksg_blocks(r):
        if present(k, "N_KPG") is not None:
            yield from forbid(k, "N_KSG", sl=sl)


@rule(
    "003F.00.1120",
    "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/N_KPG",
    "CH",
    "N_KPG обязателен при выполнении условия: IDSP=33 и N_KSG отсутствует",
)
def n_kpg_required(r):
    if r.idsp == 33:
        for sl, k in _ksg_blocks(r):
            if present(k, "N_KSG") is None:
                yield from need(k, "N_KPG", sl=sl)


@rule("003F.00.1130", "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/N_KPG", "CH", _ABSENT + "N_KSG присутствует")
def n_kpg_absent(r):
    for sl, k in _ksg_blocks(r):
        if present(k, "N_KSG") is not None:
            yield from forbid(k, "N_KPG", sl=sl)


@rule(
    "003F.00.1140",
    "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/IT_SL",
    "CH",
    "IT_SL обязателен при выполнении условия: присутствует SL_KOEF",
)
def it_sl_required(r):
    for sl, k in _ksg_blocks(r):
        if present(k, "SL_KOEF") is not None:
            yield from need(k, "IT_SL", sl=sl)


@rule("003F.00.1150", "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/IT_SL", "CH", _ABSENT + "отсутствует SL_KOEF")
def it_sl_absent(r):
    for sl, k in _ksg_blocks(r):
        if present(k, "SL_KOEF") is None:
            yield from forbid(k, "IT_SL", sl=sl)


@rule("002F.00.0440", "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/KSG_PG", "CH", "Допустимые значения KSG_PG: 0, 1")
def ksg_pg_values(r):
    for sl, k in _ksg_blocks(r):
        yield from only(k, "KSG_PG", frozenset({"0", "1"}), sl=sl)


@rule("002F.00.0450", "ZL_LIST/ZAP/Z_SL/SL/KSG_KPG/SL_K", "CH", "Допустимые значения SL_K: 0, 1")
def sl_k_values(r):
    for sl, k in _ksg_blocks(r):
        yield from only(k, "SL_K", frozenset({"0", "1"}), sl=sl)


# -- intra-hospital transfer, dispensary, rehabilitation, character of disease ---------------
def _any_p_per_4(r) -> bool:
    return any(tx(sl, "P_PER") == "4" for sl in r.sls)


@rule("003F.00.0500", "ZL_LIST/ZAP/Z_SL/VB_P", "CH", "VB_P обязателен при выполнении условия: IDSP=33 и P_PER=4")
def vb_p_required(r):
    if r.idsp == 33 and _any_p_per_4(r):
        yield from need(r.z_sl, "VB_P")


@rule("003F.00.0510", "ZL_LIST/ZAP/Z_SL/VB_P", "CH", _ABSENT + "IDSP<>33 или P_PER<>4 во всех SL законченного случая")
def vb_p_absent(r):
    if r.idsp != 33 or not _any_p_per_4(r):
        yield from forbid(r.z_sl, "VB_P")


@rule("003F.00.0790", "ZL_LIST/ZAP/Z_SL/SL/DN", "CH", "DN обязателен при выполнении условия: P_CEL=1.3")
def dn_required(r):
    for sl in r.sls:
        if tx(sl, "P_CEL") == "1.3":
            yield from need(sl, "DN", sl=sl)


@rule("003F.00.0820", "ZL_LIST/ZAP/Z_SL/SL/REAB", "H", _ABSENT + "FOR_POM<>3")
def reab_only_planned(r):
    if r.for_pom is not None and r.for_pom != 3:
        for sl in r.sls:
            yield from forbid(sl, "REAB", sl=sl)


@rule("006F.00.0390", "ZL_LIST/ZAP/Z_SL/SL/REAB", "CH", "REAB указывается только при NOVOR=0")
def reab_not_newborn(r):
    if r.newborn:
        for sl in r.sls:
            yield from forbid(sl, "REAB", sl=sl)


@rule("003F.00.0760", "ZL_LIST/ZAP/Z_SL/SL/C_ZAB", "H", "C_ZAB обязателен при выполнении условия: USL_OK=3 и DS1<Z00.0")
def c_zab_required_amb(r):
    if r.usl_ok == 3:
        for sl in r.sls:
            d = ds(tx(sl, "DS1"))
            if d and d < "Z00":
                yield from need(sl, "C_ZAB", sl=sl)


# -- diagnoses and standards ------------------------------------------------------------------
@rule(
    "002F.00.0260",
    "ZL_LIST/ZAP/Z_SL/SL/DS1",
    "H",
    "В файле H основной диагноз не может быть ЗНО: допустимо DS1<C00.0 или DS1>D09",
)
def h_file_no_onco(r):
    for sl in r.sls:
        n = present(sl, "DS1")
        if n is not None and is_onco_c00_d09(n.text):
            yield Hit(n, sl=sl)


@rule(
    "006F.00.0430", "ZL_LIST/ZAP/Z_SL/SL/DS1", "CHTX", "Значение поля не должно быть равным значению поля DS2 или DS3"
)
def ds1_not_ds2_ds3(r):
    for sl in r.sls:
        n = present(sl, "DS1")
        if n is None:
            continue
        d1 = ds(n.text)
        others = [c for c in sl.children if c.tag in ("DS2", "DS3") and ds(c.text) == d1]
        if others:
            yield Hit(n, sl=sl, detail=f"совпадает с {others[0].tag}")


@rule("006F.00.0440", "ZL_LIST/ZAP/Z_SL/SL/DS2", "CHT", "Значение поля не должно быть равным значению поля DS3")
def ds2_not_ds3(r):
    for sl in r.sls:
        ds3 = {ds(c.text) for c in all_present(sl, "DS3")}
        if ds3:
            for n in all_present(sl, "DS2"):
                if ds(n.text) in ds3:
                    yield Hit(n, sl=sl)


@rule(
    "006F.00.0450",
    "ZL_LIST/ZAP/Z_SL/SL/CODE_MES1",
    "CHT",
    "Значение поля не должно быть равным значению поля CODE_MES2",
)
def mes1_not_mes2(r):
    for sl in r.sls:
        m2 = tx(sl, "CODE_MES2")
        if m2:
            for n in all_present(sl, "CODE_MES1"):
                if n.text == m2:
                    yield Hit(n, sl=sl)


# -- allowed values ---------------------------------------------------------------------------
def _values_rule(code, path, types, allowed, text, where):
    tag = path.rsplit("/", 1)[-1]
    allowed = frozenset(allowed)

    def fn(r):
        if where == "Z_SL":
            yield from only(r.z_sl, tag, allowed)
        elif where == "SL":
            for sl in r.sls:
                yield from only(sl, tag, allowed, sl=sl)
        else:  # USL
            for sl, u in r.usls():
                yield from only(u, tag, allowed, sl=sl, usl=u)

    rule(code, path, types, text)(fn)


for _args in (
    ("002F.00.0160", "ZL_LIST/ZAP/Z_SL/OS_SLUCH", "CHTX", {"1", "2"}, "Допустимые значения OS_SLUCH: 1, 2", "Z_SL"),
    ("002F.00.0170", "ZL_LIST/ZAP/Z_SL/VB_P", "CH", {"1"}, "Допустимое значение VB_P: 1", "Z_SL"),
    (
        "002F.00.0180",
        "ZL_LIST/ZAP/Z_SL/OPLATA",
        "CHTX",
        {"0", "1", "2", "3"},
        "Допустимые значения OPLATA: 0, 1, 2, 3",
        "Z_SL",
    ),
    ("002F.00.0220", "ZL_LIST/ZAP/Z_SL/SL/DET", "CHT", {"0", "1"}, "Допустимые значения DET: 0, 1", "SL"),
    (
        "002F.00.0240",
        "ZL_LIST/ZAP/Z_SL/SL/P_PER",
        "CH",
        {"1", "2", "3", "4"},
        "Допустимые значения P_PER: 1, 2, 3, 4",
        "SL",
    ),
    ("002F.00.0250", "ZL_LIST/ZAP/Z_SL/SL/DS_ONK", "CTX", {"0", "1"}, "Допустимые значения DS_ONK: 0, 1", "SL"),
    ("002F.00.0280", "ZL_LIST/ZAP/Z_SL/SL/DN", "CH", {"1", "2", "4", "6"}, "Допустимые значения DN: 1, 2, 4, 6", "SL"),
    ("002F.00.0290", "ZL_LIST/ZAP/Z_SL/SL/REAB", "CH", {"1"}, "Допустимое значение REAB: 1", "SL"),
    ("002F.00.0320", "ZL_LIST/ZAP/Z_SL/SL/VERS_SPEC", "CHT", {"V021"}, "Допустимое значение VERS_SPEC: V021", "SL"),
    ("002F.00.0510", "ZL_LIST/ZAP/Z_SL/SL/USL/DET", "CHT", {"0", "1"}, "Допустимые значения DET: 0, 1", "USL"),
    (
        "002F.00.0520",
        "ZL_LIST/ZAP/Z_SL/SL/USL/NPL",
        "CH",
        {"1", "2", "3", "4"},
        "Допустимые значения NPL: 1, 2, 3, 4",
        "USL",
    ),
):
    _values_rule(*_args)


# -- consistency of USL_OK, VIDPOM, FOR_POM, RSLT, ISHOD, IDSP --------------------------------
def _z_value_rule(code, tag, types, when, allowed, text):
    """Z_SL/<tag> must be in ``allowed`` when ``when(r)``."""
    allowed = frozenset(allowed)

    def fn(r):
        if when(r):
            n = present(r.z_sl, tag)
            v = to_int(n.text) if n is not None else None
            if v is not None and v not in allowed:
                yield Hit(n)

    rule(code, f"ZL_LIST/ZAP/Z_SL/{tag}", types, text)(fn)


def _usl_ok(v):
    return lambda r: r.usl_ok == v


def _rslt_in(*vals):
    s = frozenset(vals)
    return lambda r: r.rslt in s


for _args in (
    ("006F.00.1200", "VIDPOM", "CHT", _usl_ok(4), {2, 21, 22, 23}, "При USL_OK=4 VIDPOM = {2, 21, 22, 23}"),
    (
        "006F.00.1210",
        "VIDPOM",
        "CHT",
        _usl_ok(3),
        {1, 2, 11, 12, 13, 4, 14},
        "При USL_OK=3 VIDPOM = {1, 2, 11, 12, 13, 4, 14}",
    ),
    (
        "006F.00.1220",
        "VIDPOM",
        "CHT",
        _usl_ok(2),
        {12, 13, 14, 31, 32, 33},
        "При USL_OK=2 VIDPOM = {12, 13, 14, 31, 32, 33}",
    ),
    ("006F.00.1230", "VIDPOM", "CHT", _usl_ok(1), {3, 21, 31, 32, 33}, "При USL_OK=1 VIDPOM = {3, 21, 31, 32, 33}"),
    ("006F.00.1280", "FOR_POM", "CHT", _usl_ok(2), {2, 3}, "При USL_OK=2 FOR_POM = {2, 3}"),
    ("006F.00.1290", "FOR_POM", "CHT", _usl_ok(3), {2, 3}, "При USL_OK=3 FOR_POM = {2, 3}"),
    ("006F.00.1300", "FOR_POM", "CHT", _usl_ok(4), {1, 2}, "При USL_OK=4 FOR_POM = {1, 2}"),
    ("006F.00.1310", "RSLT", "CHT", _usl_ok(1), range(101, 200), "При USL_OK=1 должно быть 100<RSLT<200"),
    ("006F.00.1320", "RSLT", "CHT", _usl_ok(2), range(201, 300), "При USL_OK=2 должно быть 200<RSLT<300"),
    ("006F.00.1330", "RSLT", "CHT", _usl_ok(3), range(301, 400), "При USL_OK=3 должно быть 300<RSLT<400"),
    ("006F.00.1340", "RSLT", "CHT", _usl_ok(4), range(401, 500), "При USL_OK=4 должно быть 400<RSLT<500"),
    (
        "006F.00.1110",
        "RSLT",
        "CH",
        lambda r: r.ishod == 306,
        {305, 308, 314, 315, 301},
        "При ISHOD=306 RSLT = {305, 308, 314, 315, 301}",
    ),
    (
        "006F.00.1120",
        "ISHOD",
        "CHT",
        _rslt_in(407, 408, 409, 410, 411, 412, 413, 414),
        {402},
        "При RSLT = {407…414} ISHOD=402",
    ),
    ("006F.00.1240", "ISHOD", "CHT", _rslt_in(105, 106), {104}, "При RSLT={105, 106} ISHOD=104"),
    ("006F.00.1250", "ISHOD", "CHT", _rslt_in(205, 206), {204}, "При RSLT={205, 206} ISHOD=204"),
    ("006F.00.1260", "ISHOD", "CHT", _rslt_in(313), {305}, "При RSLT=313 ISHOD=305"),
    ("006F.00.1270", "ISHOD", "CHT", _rslt_in(405, 406), {403}, "При RSLT={405, 406} ISHOD=403"),
    ("006F.00.1150", "IDSP", "X", lambda r: True, {25, 28, 29, 30, 31, 44}, "IDSP = {25, 28, 29, 30, 31, 44}"),
):
    _z_value_rule(*_args)


@rule(
    "006F.00.1130",
    "ZL_LIST/ZAP/Z_SL/ISHOD",
    "CHTX",
    "При RSLT={102, 103, 104, 105, 106, 107, 108, 109, 110} ISHOD не может быть 101",
)
def ishod_not_101(r):
    if r.rslt in range(102, 111) and r.ishod == 101:
        yield Hit(present(r.z_sl, "ISHOD"), detail=f"RSLT={r.rslt}")


@rule(
    "006F.00.1140",
    "ZL_LIST/ZAP/Z_SL/ISHOD",
    "CHTX",
    "При RSLT={202, 203, 204, 205, 206, 207, 208} ISHOD не может быть 201",
)
def ishod_not_201(r):
    if r.rslt in range(202, 209) and r.ishod == 201:
        yield Hit(present(r.z_sl, "ISHOD"), detail=f"RSLT={r.rslt}")


# -- rules that need the person (age, names) --------------------------------------------------
@rule(
    "006F.00.0395", "ZL_LIST/ZAP/Z_SL/SL/DET", "CHT", "DET=1 допустим, если возраст меньше 18 лет на дату начала случая"
)
def det_child(r):
    for sl in r.sls:
        n = present(sl, "DET")
        if n is not None and n.text == "1":
            a = age_on(r.dr, to_date(tx(sl, "DATE_1")))
            if a is not None and a >= 18:
                yield Hit(n, sl=sl, detail=f"возраст {a}")


@rule(
    "006F.00.0520",
    "ZL_LIST/ZAP/Z_SL/SL/USL/DET",
    "CHT",
    "DET=1 допустим, если возраст меньше 18 лет на дату начала случая",
)
def usl_det_child(r):
    for sl, u in r.usls():
        n = present(u, "DET")
        if n is not None and n.text == "1":
            a = age_on(r.dr, to_date(tx(sl, "DATE_1")))
            if a is not None and a >= 18:
                yield Hit(n, sl=sl, usl=u, detail=f"возраст {a}")


def _os_sluch_due(r) -> bool:
    p = r.person
    if not r.newborn:
        return present(p, "OT") is None
    return present(p, "OT_P") is None or not r.novor.endswith("1")


@rule(
    "003F.00.0460",
    "ZL_LIST/ZAP/Z_SL/OS_SLUCH",
    "CHTX",
    "OS_SLUCH обязателен: нет отчества (OT при NOVOR=0, OT_P при NOVOR<>0) "
    "или ребёнок не первый при многоплодных родах",
    reads=(NOVOR,),
)
def os_sluch_required(r):
    if r.person is not None and _os_sluch_due(r):
        yield from need(r.z_sl, "OS_SLUCH")


@rule("003F.00.0480", "ZL_LIST/ZAP/Z_SL/OS_SLUCH", "CHTX", _ABSENT + "NOVOR=0 и PERS.OT присутствует", reads=(NOVOR,))
def os_sluch_absent(r):
    if r.person is not None and not r.newborn and present(r.person, "OT") is not None:
        yield from forbid(r.z_sl, "OS_SLUCH")
