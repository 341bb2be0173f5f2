"""ЗНО (C files; some rules also for T): DS_ONK/DS1 decide which onco blocks must be present
(CONS, ONK_SL, C_ZAB, TARIF, USL) and the internal structure of ONK_SL, NAPR, CONS, B_DIAG,
ONK_USL.  The ЗНО range is the one valid since 01.01.2021: C00.0 ≤ DS1 < D10 or D45 ≤ DS1 < D48."""

from __future__ import annotations

from datetime import date

from app.controls.flk.helpers import forbid, need, only
from app.controls.flk.registry import Hit, rule
from app.controls.values import age_on, all_present, is_onco, present, to_date, to_int, tx

_Q2021 = date(2021, 1, 1)
_ABSENT = "Элемент должен отсутствовать при выполнении условия: "
_ONCO = "C00.0<=DS1<D10 или D45<=DS1<D48"


def _ds_onk(sl) -> bool:
    return tx(sl, "DS_ONK") == "1"


def _reab(sl) -> bool:
    return tx(sl, "REAB") == "1"


def _onk_sls(r):
    for sl in r.sls:
        o = present(sl, "ONK_SL")
        if o is not None:
            yield sl, o


def _usl_tips(onk) -> set:
    return {to_int(tx(u, "USL_TIP")) for u in all_present(onk, "ONK_USL")}


# -- which blocks the C file needs ------------------------------------------------------------
@rule(
    "003F.00.0062",
    "ZL_LIST/ZAP/Z_SL",
    "C",
    "Законченный случай не относится к ЗНО (во всех SL DS_ONK=0 и DS1 вне " + _ONCO + ") и не должен быть в файле C",
    valid_from=_Q2021,
)
def c_file_only_onco(r):
    if r.sls and all(not _ds_onk(sl) and not is_onco(tx(sl, "DS1")) for sl in r.sls):
        yield Hit(at=r.z_sl, value=tx(r.sls[0], "DS1"))


@rule(
    "003F.00.0782",
    "ZL_LIST/ZAP/Z_SL/SL/C_ZAB",
    "C",
    "C_ZAB обязателен при выполнении условия: (" + _ONCO + ") и USL_OK<>4",
    valid_from=_Q2021,
)
def c_zab_required_onco(r):
    if r.usl_ok is not None and r.usl_ok != 4:
        for sl in r.sls:
            if is_onco(tx(sl, "DS1")):
                yield from need(sl, "C_ZAB", sl=sl)


@rule(
    "003F.00.0842",
    "ZL_LIST/ZAP/Z_SL/SL/CONS",
    "C",
    "CONS обязателен при выполнении условия: " + _ONCO,
    valid_from=_Q2021,
)
def cons_required(r):
    for sl in r.sls:
        if is_onco(tx(sl, "DS1")):
            yield from need(sl, "CONS", sl=sl)


@rule(
    "003F.00.0882",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL",
    "C",
    "ONK_SL обязателен при выполнении условия: (" + _ONCO + ") и USL_OK<>4 и REAB<>1 и DS_ONK=0",
    valid_from=_Q2021,
)
def onk_sl_required(r):
    if r.usl_ok is None or r.usl_ok == 4:
        return
    for sl in r.sls:
        if is_onco(tx(sl, "DS1")) and not _reab(sl) and not _ds_onk(sl):
            yield from need(sl, "ONK_SL", sl=sl)


@rule(
    "003F.00.0912",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL",
    "C",
    _ABSENT + "DS1<C00 или D10<=DS1<D45 или DS1>=D48 или USL_OK=4 или REAB=1",
    valid_from=_Q2021,
)
def onk_sl_absent(r):
    for sl in r.sls:
        if not is_onco(tx(sl, "DS1")) or r.usl_ok == 4 or _reab(sl):
            yield from forbid(sl, "ONK_SL", sl=sl)


@rule(
    "003F.00.0932",
    "ZL_LIST/ZAP/Z_SL/SL/TARIF",
    "CT",
    "TARIF обязателен при выполнении условия: " + _ONCO,
    valid_from=_Q2021,
)
def sl_tarif_required_onco(r):
    for sl in r.sls:
        if is_onco(tx(sl, "DS1")):
            yield from need(sl, "TARIF", sl=sl)


@rule(
    "003F.00.0962",
    "ZL_LIST/ZAP/Z_SL/SL/USL",
    "C",
    "USL обязателен при выполнении условия: (" + _ONCO + ") и USL_TIP={1, 3, 4, 6}",
    valid_from=_Q2021,
)
def usl_required_onco(r):
    for sl, o in _onk_sls(r):
        if is_onco(tx(sl, "DS1")) and _usl_tips(o) & {1, 3, 4, 6}:
            yield from need(sl, "USL", sl=sl)


# -- ONK_SL inside ----------------------------------------------------------------------------
@rule(
    "003F.00.0980",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/STAD",
    "C",
    "STAD обязателен при выполнении условия: DS1_T={0, 1, 2, 3, 4}",
)
def stad_required(r):
    for sl, o in _onk_sls(r):
        if to_int(tx(o, "DS1_T")) in (0, 1, 2, 3, 4):
            yield from need(o, "STAD", sl=sl)


def _tnm_rule(code, tag):
    def fn(r):
        if r.dr is None:
            return
        a = age_on(r.dr, r.date_z_1)
        if a is None or a < 18:
            return
        for sl, o in _onk_sls(r):
            if to_int(tx(o, "DS1_T")) == 0:
                yield from need(o, tag, sl=sl)

    rule(
        code,
        f"ZL_LIST/ZAP/Z_SL/SL/ONK_SL/{tag}",
        "CT",
        f"{tag} обязателен при выполнении условия: DS1_T=0 и возраст на DATE_Z_1 не менее 18 лет",
    )(fn)


_tnm_rule("003F.00.0990", "ONK_T")
_tnm_rule("003F.00.1000", "ONK_N")
_tnm_rule("003F.00.1010", "ONK_M")


@rule("003F.00.1020", "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/MTSTZ", "CT", _ABSENT + "DS1_T<>{1, 2}")
def mtstz_absent(r):
    for sl, o in _onk_sls(r):
        if to_int(tx(o, "DS1_T")) not in (1, 2):
            yield from forbid(o, "MTSTZ", sl=sl)


def _radio_rule(req_code, abs_code, tag):
    def required(r):
        for sl, o in _onk_sls(r):
            if _usl_tips(o) & {3, 4}:
                yield from need(o, tag, sl=sl)

    def absent(r):
        for sl, o in _onk_sls(r):
            if not _usl_tips(o) & {3, 4}:
                yield from forbid(o, tag, sl=sl)

    path = f"ZL_LIST/ZAP/Z_SL/SL/ONK_SL/{tag}"
    rule(req_code, path, "CT", f"{tag} обязателен при выполнении условия: USL_TIP={{3, 4}} хотя бы в одном ONK_USL")(
        required
    )
    rule(abs_code, path, "CT", _ABSENT + "USL_TIP<>{3, 4} во всех ONK_USL")(absent)


_radio_rule("003F.00.1030", "003F.00.1040", "SOD")
_radio_rule("003F.00.1050", "003F.00.1060", "K_FR")


def _bsa_rule(code, tag):
    def fn(r):
        for sl, o in _onk_sls(r):
            if present(o, "BSA") is not None:
                yield from need(o, tag, sl=sl)

    rule(code, f"ZL_LIST/ZAP/Z_SL/SL/ONK_SL/{tag}", "CT", f"{tag} обязателен при выполнении условия: BSA заполнен")(fn)


_bsa_rule("003F.00.1070", "WEI")
_bsa_rule("003F.00.1080", "HEI")


@rule(
    "003F.00.1090",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/ONK_USL",
    "C",
    "ONK_USL обязателен при выполнении условия: USL_OK={1, 2} и DS1_T={0, 1, 2}",
)
def onk_usl_required(r):
    if r.usl_ok not in (1, 2):
        return
    for sl, o in _onk_sls(r):
        if to_int(tx(o, "DS1_T")) in (0, 1, 2):
            yield from need(o, "ONK_USL", sl=sl)


@rule("002F.00.0360", "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/MTSTZ", "CT", "Допустимое значение MTSTZ: 1")
def mtstz_value(r):
    for sl, o in _onk_sls(r):
        yield from only(o, "MTSTZ", frozenset({"1"}), sl=sl)


# -- B_DIAG, B_PROT ---------------------------------------------------------------------------
def _b_diags(r):
    for sl, o in _onk_sls(r):
        for b in all_present(o, "B_DIAG"):
            yield sl, b


@rule("002F.00.0400", "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/B_DIAG/DIAG_TIP", "CT", "Допустимые значения DIAG_TIP: 1, 2")
def diag_tip_value(r):
    for sl, b in _b_diags(r):
        yield from only(b, "DIAG_TIP", frozenset({"1", "2"}), sl=sl)


@rule("002F.00.0410", "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/B_DIAG/REC_RSLT", "CT", "Допустимое значение REC_RSLT: 1")
def rec_rslt_value(r):
    for sl, b in _b_diags(r):
        yield from only(b, "REC_RSLT", frozenset({"1"}), sl=sl)


@rule(
    "003F.00.1250",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/B_DIAG/DIAG_RSLT",
    "CT",
    "DIAG_RSLT обязателен при выполнении условия: REC_RSLT=1",
)
def diag_rslt_required(r):
    for sl, b in _b_diags(r):
        if tx(b, "REC_RSLT") == "1":
            yield from need(b, "DIAG_RSLT", sl=sl)


@rule(
    "003F.00.1260",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/B_DIAG/REC_RSLT",
    "CT",
    "REC_RSLT обязателен при выполнении условия: DIAG_RSLT присутствует",
)
def rec_rslt_required(r):
    for sl, b in _b_diags(r):
        if present(b, "DIAG_RSLT") is not None:
            yield from need(b, "REC_RSLT", sl=sl)


@rule("006F.00.0510", "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/B_PROT/D_PROT", "CT", "Значение поля должно быть не больше SL.DATE_2")
def d_prot_in_case(r):
    for sl, o in _onk_sls(r):
        d2 = to_date(tx(sl, "DATE_2"))
        if d2 is None:
            continue
        for b in all_present(o, "B_PROT"):
            n = present(b, "D_PROT")
            d = to_date(n.text) if n is not None else None
            if d is not None and d > d2:
                yield Hit(n, sl=sl, detail=f"DATE_2={d2:%d.%m.%Y}")


# -- ONK_USL ----------------------------------------------------------------------------------
def _onk_usls(r):
    for sl, o in _onk_sls(r):
        for u in all_present(o, "ONK_USL"):
            yield sl, u, to_int(tx(u, "USL_TIP"))


def _usl_tip_pair(req_code, abs_code, tag, tips, tips_text):
    def required(r):
        for sl, u, tip in _onk_usls(r):
            if tip in tips:
                yield from need(u, tag, sl=sl)

    def absent(r):
        for sl, u, tip in _onk_usls(r):
            if tip is not None and tip not in tips:
                yield from forbid(u, tag, sl=sl)

    path = f"ZL_LIST/ZAP/Z_SL/SL/ONK_SL/ONK_USL/{tag}"
    rule(req_code, path, "CT", f"{tag} обязателен при выполнении условия: USL_TIP={tips_text}")(required)
    rule(abs_code, path, "CT", _ABSENT + f"USL_TIP<>{tips_text}")(absent)


_usl_tip_pair("003F.00.1410", "003F.00.1420", "HIR_TIP", (1,), "1")
_usl_tip_pair("003F.00.1430", "003F.00.1440", "LEK_TIP_L", (2,), "2")
_usl_tip_pair("003F.00.1450", "003F.00.1460", "LEK_TIP_V", (2,), "2")
_usl_tip_pair("003F.00.1470", "003F.00.1480", "LUCH_TIP", (3, 4), "{3, 4}")
_usl_tip_pair("003F.00.1490", "003F.00.1500", "LEK_PR", (2, 4), "{2, 4}")


@rule("002F.00.0420", "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/ONK_USL/PPTR", "CT", "Допустимое значение PPTR: 1")
def pptr_value(r):
    for sl, u, _ in _onk_usls(r):
        yield from only(u, "PPTR", frozenset({"1"}), sl=sl)


@rule(
    "006F.00.0610",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/DATE_INJ",
    "CT",
    "Значение поля должно быть не меньше DATE_1",
)
def date_inj_after_start(r):
    for sl, u, _ in _onk_usls(r):
        d1 = to_date(tx(sl, "DATE_1"))
        for lp in all_present(u, "LEK_PR"):
            for n in all_present(lp, "DATE_INJ"):
                d = to_date(n.text)
                if d is not None and d1 is not None and d < d1:
                    yield Hit(n, sl=sl, detail=f"DATE_1={d1:%d.%m.%Y}")


@rule(
    "006F.00.0620",
    "ZL_LIST/ZAP/Z_SL/SL/ONK_SL/ONK_USL/LEK_PR/DATE_INJ",
    "CT",
    "Значение поля должно быть не больше DATE_2",
)
def date_inj_before_end(r):
    for sl, u, _ in _onk_usls(r):
        d2 = to_date(tx(sl, "DATE_2"))
        for lp in all_present(u, "LEK_PR"):
            for n in all_present(lp, "DATE_INJ"):
                d = to_date(n.text)
                if d is not None and d2 is not None and d > d2:
                    yield Hit(n, sl=sl, detail=f"DATE_2={d2:%d.%m.%Y}")


# -- NAPR, CONS -------------------------------------------------------------------------------
def _blocks(r, tag):
    for sl in r.sls:
        for b in all_present(sl, tag):
            yield sl, b


@rule("003F.00.1190", "ZL_LIST/ZAP/Z_SL/SL/NAPR/MET_ISSL", "CT", "MET_ISSL обязателен при выполнении условия: NAPR_V=3")
def met_issl_required(r):
    for sl, b in _blocks(r, "NAPR"):
        if tx(b, "NAPR_V") == "3":
            yield from need(b, "MET_ISSL", sl=sl)


@rule("003F.00.1200", "ZL_LIST/ZAP/Z_SL/SL/NAPR/MET_ISSL", "CT", _ABSENT + "NAPR_V<>3")
def met_issl_absent(r):
    for sl, b in _blocks(r, "NAPR"):
        v = tx(b, "NAPR_V")
        if v is not None and v != "3":
            yield from forbid(b, "MET_ISSL", sl=sl)


@rule(
    "003F.00.1210",
    "ZL_LIST/ZAP/Z_SL/SL/NAPR/NAPR_USL",
    "CT",
    "NAPR_USL обязателен при выполнении условия: MET_ISSL присутствует",
)
def napr_usl_required(r):
    for sl, b in _blocks(r, "NAPR"):
        if present(b, "MET_ISSL") is not None:
            yield from need(b, "NAPR_USL", sl=sl)


@rule("003F.00.1220", "ZL_LIST/ZAP/Z_SL/SL/NAPR/NAPR_USL", "CT", _ABSENT + "MET_ISSL отсутствует")
def napr_usl_absent(r):
    for sl, b in _blocks(r, "NAPR"):
        if present(b, "MET_ISSL") is None:
            yield from forbid(b, "NAPR_USL", sl=sl)


@rule("006F.00.0580", "ZL_LIST/ZAP/Z_SL/SL/NAPR/NAPR_DATE", "CT", "Значение поля не должно быть больше DATE_2")
def napr_date_before_end(r):
    for sl, b in _blocks(r, "NAPR"):
        n = present(b, "NAPR_DATE")
        d, d2 = (to_date(n.text) if n is not None else None), to_date(tx(sl, "DATE_2"))
        if d is not None and d2 is not None and d > d2:
            yield Hit(n, sl=sl, detail=f"DATE_2={d2:%d.%m.%Y}")


@rule("006F.00.0590", "ZL_LIST/ZAP/Z_SL/SL/NAPR/NAPR_DATE", "CT", "Значение поля не должно быть меньше DATE_1")
def napr_date_after_start(r):
    for sl, b in _blocks(r, "NAPR"):
        n = present(b, "NAPR_DATE")
        d, d1 = (to_date(n.text) if n is not None else None), to_date(tx(sl, "DATE_1"))
        if d is not None and d1 is not None and d < d1:
            yield Hit(n, sl=sl, detail=f"DATE_1={d1:%d.%m.%Y}")


@rule(
    "003F.00.1230",
    "ZL_LIST/ZAP/Z_SL/SL/CONS/DT_CONS",
    "CT",
    "DT_CONS обязателен при выполнении условия: PR_CONS={1, 2, 3}",
)
def dt_cons_required(r):
    for sl, b in _blocks(r, "CONS"):
        if tx(b, "PR_CONS") in ("1", "2", "3"):
            yield from need(b, "DT_CONS", sl=sl)


@rule("003F.00.1240", "ZL_LIST/ZAP/Z_SL/SL/CONS/DT_CONS", "CT", _ABSENT + "PR_CONS<>{1, 2, 3}")
def dt_cons_absent(r):
    for sl, b in _blocks(r, "CONS"):
        v = tx(b, "PR_CONS")
        if v is not None and v not in ("1", "2", "3"):
            yield from forbid(b, "DT_CONS", sl=sl)


@rule("006F.00.0600", "ZL_LIST/ZAP/Z_SL/SL/CONS/DT_CONS", "CT", "Значение поля должно быть не больше DATE_2")
def dt_cons_before_end(r):
    for sl, b in _blocks(r, "CONS"):
        n = present(b, "DT_CONS")
        d, d2 = (to_date(n.text) if n is not None else None), to_date(tx(sl, "DATE_2"))
        if d is not None and d2 is not None and d > d2:
            yield Hit(n, sl=sl, detail=f"DATE_2={d2:%d.%m.%Y}")
