"""МЭК: the Q016 002K checks (format-logical checks the fund repeats on the МО files).

The case-level 002K rows of Q016 v1.9 for the files C, H, T and X: date order (one factory, the
"A ≤ B" / "A ≥ B" rules), sums, diagnoses, the referral pair, the children's sign of a service,
the onco drug scheme (CODE_SH) and the talon of a high-tech case (TAL_D, TAL_P).

An element that is absent (it differs between the formats 3.x and 5.x, e.g. DATE_INJ is inside
LEK_PR/INJ since 5.0) or malformed means "no check": the structural checks report it.  The rules
return a list of hits or None (most cases have none: no generator is made).

Two rules need the header of the account, which the case does not carry: 002K.00.0220 reads
SCHET/PLAT and 002K.00.0340 SCHET/DSCHET — ``ctx.plat`` / ``ctx.dschet`` when the context has them
(DSCHET a date or its ISO text), else SCHET of ``ctx.header`` (the ZL_LIST node); without either
they do not apply.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional

from app.controls.mek.registry import Q016_2020, MekHit, mek_rule
from app.controls.values import age_on, ds, present, to_date, to_dec, tx

_INCORRECT = "1.1.4"  # некорректное заполнение полей реестра счетов
_MISSING = "1.1.3"  # не заполнены поля, обязательные к заполнению

_Z = "ZL_LIST/ZAP/Z_SL/"
_P = "ZL_LIST/ZAP/PACIENT/"
_STAC = frozenset({1, 2})
_ZERO = Decimal(0)


def _schet(ctx) -> tuple:
    """(header, PLAT, DSCHET) of ``ctx.header``, read once per МЭК context (its ``_cache``)."""
    header = getattr(ctx, "header", None)
    if header is None:
        return None, None, None
    got = ctx._cache.get("schet_plat_dschet")
    if got is None or got[0] is not header:
        schet = header.child("SCHET") if header.tag != "SCHET" else header
        got = ctx._cache["schet_plat_dschet"] = (header, tx(schet, "PLAT"), to_date(tx(schet, "DSCHET")))
    return got


def _plat(ctx) -> Optional[str]:
    """SCHET/PLAT: ``ctx.plat`` if the context has it, else from ``ctx.header``."""
    v = getattr(ctx, "plat", None)
    return v if v is not None else _schet(ctx)[1]


def _dschet(ctx) -> Optional[date]:
    """SCHET/DSCHET: ``ctx.dschet`` (a date or ISO text) if the context has it, else ``ctx.header``."""
    v = getattr(ctx, "dschet", None)
    if v is None:
        return _schet(ctx)[2]
    return to_date(v) if isinstance(v, str) else v


def _f(d) -> str:
    return f"{d:%d.%m.%Y}"


# -- date order: one factory ----------------------------------------------------------------------
def _parents(nodes, tags):
    """The descendants of ``nodes`` along ``tags`` (every branch), with a value."""
    for tag in tags:
        nodes = [c for n in nodes for c in n.children if c.tag == tag and c.children]
        if not nodes:
            break
    return nodes


_CASE_DATES = {  # the comparands of the case itself (parsed once by MekCase) and of the header
    "DATE_Z_1": lambda c, ctx: c.date_z_1,
    "DATE_Z_2": lambda c, ctx: c.date_z_2,
    "DR": lambda c, ctx: c.dr,
    "DSCHET": lambda c, ctx: _dschet(ctx),
}


def _date_order(code, element_path, file_types, message, other, *, later=False, also=(), when=None, **kw):
    """Register the rule "the element of ``element_path`` ≤ ``other``" (≥ with ``later``).

    ``other``: ``TAG`` (a sibling), ``SL.TAG`` (of its SL), ``Z_SL.TAG`` (of the case), ``DR`` (the
    patient's birth date) or ``DSCHET`` (the account date).  ``also``: a child of the parent that may
    hold the element instead (LEK_PR/INJ of the format 5.x).  ``when(c)``: the rule's condition.
    The element is looked for first; the other date is read only when it is there."""
    parts = element_path.split("/")[3:]  # below ZL_LIST/ZAP/Z_SL
    tag, below_sl = parts[-1], tuple(parts[1:-1])  # parts[0] == "SL" for SL-level rules
    sl_level, usl_level = len(parts) > 1, below_sl == ("USL",)
    if other.startswith("SL."):
        scope, b_tag = "SL", other[3:]
    elif other.startswith("Z_SL.") or other in _CASE_DATES:
        scope, b_tag = "CASE", other.removeprefix("Z_SL.")
    else:
        scope, b_tag = "SIBLING", other
    case_date = _CASE_DATES.get(b_tag) or (lambda c, ctx: to_date(tx(c.z_sl, b_tag)))

    def hits(parent, b, sl, usl, out):
        nodes = [n for n in parent.children if n.tag == tag and n.text]
        if also:
            nodes += [n for a in parent.children if a.tag in also for n in a.children if n.tag == tag and n.text]
        if not nodes:
            return out
        if scope == "SL":
            b = to_date(tx(sl, b_tag))
        elif scope == "SIBLING":
            b = to_date(tx(parent, b_tag))
        if b is None:
            return out
        for n in nodes:
            a = to_date(n.text)
            if a is not None and (a < b if later else a > b):
                if out is None:
                    out = []
                out.append(MekHit(n, sl=sl, usl=usl, detail=f"{b_tag}={_f(b)}"))
        return out

    def fn(c, ctx):
        if when is not None and not when(c):
            return None
        b = None
        if scope == "CASE":
            b = case_date(c, ctx)
            if b is None:
                return None
        if not sl_level:
            return hits(c.z_sl, b, None, None, None)
        out = None
        for sl in c.sls:
            if below_sl:
                for p in _parents((sl,), below_sl):
                    out = hits(p, b, sl, p if usl_level else None, out)
            else:
                out = hits(sl, b, sl, None, out)
        return out

    fn.__name__ = fn.__qualname__ = "date_order_" + code.replace(".", "_")
    mek_rule(code, element_path, file_types, message, refusal=_INCORRECT, **kw)(fn)
    return fn


def _for_pom_3(c) -> bool:
    return c.for_pom == 3


_NOT_ABOVE = "Значение поля не должно быть больше "
_NOT_BELOW = "Значение поля не должно быть меньше "
for _code, _path, _types, _text, _other, _later, _kw in (
    ("002K.00.0310", _Z + "NPR_DATE", "CHT", _NOT_ABOVE + "DATE_Z_1", "Z_SL.DATE_Z_1", False, {}),
    ("002K.00.0330", _Z + "DATE_Z_1", "CHTX", _NOT_ABOVE + "DATE_Z_2", "Z_SL.DATE_Z_2", False, {}),
    ("002K.00.0340", _Z + "DATE_Z_2", "CHTX", _NOT_ABOVE + "DSCHET", "DSCHET", False, {}),
    ("002K.00.0400", _Z + "SL/DATE_1", "CHTX", _NOT_BELOW + "DATE_Z_1", "Z_SL.DATE_Z_1", True, {}),
    ("002K.00.0410", _Z + "SL/DATE_1", "CHTX", _NOT_ABOVE + "DATE_2", "DATE_2", False, {}),
    ("002K.00.0420", _Z + "SL/DATE_2", "CHTX", _NOT_ABOVE + "DATE_Z_2", "Z_SL.DATE_Z_2", False, {}),
    ("002K.00.0510", _Z + "SL/ONK_SL/B_PROT/D_PROT", "CT", _NOT_ABOVE + "SL.DATE_2", "SL.DATE_2", False, {}),
    ("002K.00.0530", _Z + "SL/USL/DATE_IN", "CHT", _NOT_BELOW + "DATE_1", "SL.DATE_1", True, {}),
    ("002K.00.0550", _Z + "SL/USL/DATE_IN", "CHTX", _NOT_ABOVE + "DATE_OUT", "DATE_OUT", False, {}),
    ("002K.00.0560", _Z + "SL/USL/DATE_OUT", "CHTX", _NOT_ABOVE + "DATE_2", "SL.DATE_2", False, {}),
    ("002K.00.0580", _Z + "SL/NAPR/NAPR_DATE", "CT", _NOT_ABOVE + "DATE_2", "SL.DATE_2", False, {}),
    ("002K.00.0590", _Z + "SL/NAPR/NAPR_DATE", "CT", _NOT_BELOW + "DATE_1", "SL.DATE_1", True, {}),
    ("002K.00.0600", _Z + "SL/CONS/DT_CONS", "CT", _NOT_ABOVE + "DATE_2", "SL.DATE_2", False, {}),
    (
        "002K.00.0610",
        _Z + "SL/ONK_SL/ONK_USL/LEK_PR/DATE_INJ",
        "CT",
        _NOT_BELOW + "DATE_1",
        "SL.DATE_1",
        True,
        {"also": ("INJ",)},
    ),
    (
        "002K.00.0620",
        _Z + "SL/ONK_SL/ONK_USL/LEK_PR/DATE_INJ",
        "CT",
        _NOT_ABOVE + "DATE_2",
        "SL.DATE_2",
        False,
        {"also": ("INJ",)},
    ),
    ("002K.00.0700", _Z + "SL/TAL_D", "T", _NOT_BELOW + "DR", "DR", True, {"valid_from": Q016_2020}),
    (
        "002K.00.0710",
        _Z + "SL/TAL_D",
        "T",
        _NOT_ABOVE + "DATE_1 (FOR_POM=3)",
        "DATE_1",
        False,
        {"valid_from": Q016_2020, "when": _for_pom_3, "twin": None},
    ),
    ("002K.00.0720", _Z + "SL/TAL_P", "T", _NOT_BELOW + "TAL_D", "TAL_D", True, {"valid_from": Q016_2020}),
    ("002K.00.0730", _Z + "SL/TAL_P", "T", _NOT_BELOW + "DR", "DR", True, {"valid_from": Q016_2020}),
):
    # the ФЛК twin (Q015) checks the same order; 0700–0730 became 006F.00.0312–0315 (0710 differs: DATE_2)
    _twin = {
        "002K.00.0700": "006F.00.0312",
        "002K.00.0720": "006F.00.0314",
        "002K.00.0730": "006F.00.0315",
    }.get(_code, "006F" + _code[4:])
    _kw.setdefault("twin", _twin)
    _date_order(_code, _path, _types, _text, _other, later=_later, **_kw)


# -- the patient --------------------------------------------------------------------------------------
@mek_rule(
    "002K.00.0220",
    _P + "SMO",
    "CHTX",
    "Код СМО не соответствует плательщику (SCHET/PLAT)",
    refusal=_INCORRECT,
    twin="006F.00.0220",
)
def smo_is_plat(c, ctx):
    """SMO = SCHET/PLAT when PLAT is given (``ctx.plat``; no header in the context: no check)."""
    plat = _plat(ctx)
    if not plat:
        return None
    n = present(c.pac, "SMO")
    if n is not None and n.text.strip() != plat.strip():
        return [MekHit(n, detail=f"PLAT={plat}")]
    return None


@mek_rule(
    "002K.00.0230",
    _P + "SMO_OK",
    "CHTX",
    "ОКАТО территории страхования (SMO_OK) не совпадает с ST_OKATO при VPOLIS<>3",
    refusal=_INCORRECT,
    twin="006F.00.0230",
)
def smo_ok_is_st_okato(c, ctx):
    n = present(c.pac, "SMO_OK")
    if n is None:
        return None
    vpolis, st_okato = tx(c.pac, "VPOLIS"), tx(c.pac, "ST_OKATO")
    if not vpolis or vpolis.strip() == "3" or not st_okato:
        return None
    if n.text.strip() != st_okato.strip():
        return [MekHit(n, detail=f"ST_OKATO={st_okato}, VPOLIS={vpolis}")]
    return None


# -- the referral: NPR_MO and NPR_DATE together ------------------------------------------------------
def _pair(tag, other):
    def fn(c, ctx):
        if present(c.z_sl, other) is not None and present(c.z_sl, tag) is None:
            return [MekHit(None, detail=f"указан {other}")]
        return None

    fn.__name__ = fn.__qualname__ = f"{tag.lower()}_with_{other.lower()}"
    return fn


mek_rule(
    "002K.00.0290",
    _Z + "NPR_MO",
    "CHT",
    "Не указана МО, направившая на лечение (NPR_MO), при указанной дате направления",
    refusal=_MISSING,
    twin="003F.00.0401",
)(_pair("NPR_MO", "NPR_DATE"))
mek_rule(
    "002K.00.0300",
    _Z + "NPR_DATE",
    "CHT",
    "Не указана дата направления (NPR_DATE) при указанной МО, направившей на лечение",
    refusal=_MISSING,
    twin="003F.00.0402",
)(_pair("NPR_DATE", "NPR_MO"))


# -- the case ---------------------------------------------------------------------------------------------
@mek_rule(
    "002K.00.0350",
    _Z + "RSLT_D",
    "X",
    "Результат диспансеризации RSLT_D=1 недопустим при подозрении на ЗНО (DS_ONK=1)",
    refusal=_INCORRECT,
    twin="006F.00.0350",
)
def rslt_d_not_1_onco(c, ctx):
    n = present(c.z_sl, "RSLT_D")
    if n is None or n.text.strip() != "1":
        return None
    for sl in c.sls:
        if tx(sl, "DS_ONK") == "1":
            return [MekHit(n, sl=sl, detail="DS_ONK=1")]
    return None


@mek_rule(
    "002K.00.0370",
    _Z + "SUMV",
    "CHTX",
    "Сумма законченного случая (SUMV) не равна сумме SUM_M его случаев",
    refusal=_INCORRECT,
    twin="006F.00.0370",
)
def sumv_is_sum_m(c, ctx):
    n = present(c.z_sl, "SUMV")
    sumv = to_dec(n.text) if n is not None else None
    if sumv is None or not c.sls:
        return None
    if len(c.sls) == 1 and tx(c.sls[0], "SUM_M") == n.text:
        return None
    total = _ZERO
    for sl in c.sls:
        v = to_dec(tx(sl, "SUM_M"))
        if v is None:
            return None
        total += v
    if total != sumv:
        return [MekHit(n, detail=f"Σ SUM_M={total}")]
    return None


@mek_rule(
    "002K.00.0390",
    _Z + "SL/REAB",
    "CH",
    "Признак реабилитации (REAB) указан для новорожденного (NOVOR<>0)",
    refusal=_INCORRECT,
    twin="006F.00.0390",
)
def reab_not_newborn(c, ctx):
    novor = c.novor
    if not novor or novor.strip() == "0":
        return None
    out = [MekHit(n, sl=sl, detail=f"NOVOR={novor}") for sl in c.sls if (n := present(sl, "REAB")) is not None]
    return out or None


# -- diagnoses and standards of the SL -----------------------------------------------------------------
def _ds2(sl):
    """DS2 of the SL (of the formats H/C/T) and of its DS2_N blocks (the D-files)."""
    out = []
    for n in sl.children:
        if n.tag == "DS2" and n.text:
            out.append(n)
        elif n.tag == "DS2_N":
            out += [d for d in n.children if d.tag == "DS2" and d.text]
    return out


@mek_rule(
    "002K.00.0430",
    _Z + "SL/DS1",
    "CHTX",
    "Основной диагноз (DS1) совпадает с сопутствующим (DS2) или осложнением (DS3)",
    refusal=_INCORRECT,
    twin="006F.00.0430",
)
def ds1_not_ds2_ds3(c, ctx):
    out = None
    for sl in c.sls:
        n = present(sl, "DS1")
        if n is None:
            continue
        d1 = ds(n.text)
        same = [d for d in _ds2(sl) if ds(d.text) == d1]
        same += [d for d in sl.children if d.tag == "DS3" and d.text and ds(d.text) == d1]
        if same:
            out = out or []
            out.append(MekHit(n, sl=sl, detail=f"совпадает с {same[0].tag}"))
    return out


@mek_rule(
    "002K.00.0440",
    _Z + "SL/DS2",
    "CHT",
    "Сопутствующий диагноз (DS2) совпадает с осложнением (DS3)",
    refusal=_INCORRECT,
    twin="006F.00.0440",
)
def ds2_not_ds3(c, ctx):
    out = None
    for sl in c.sls:
        ds3 = {ds(d.text) for d in sl.children if d.tag == "DS3" and d.text}
        if not ds3:
            continue
        for n in _ds2(sl):
            if ds(n.text) in ds3:
                out = out or []
                out.append(MekHit(n, sl=sl, detail="совпадает с DS3"))
    return out


@mek_rule(
    "002K.00.0450",
    _Z + "SL/CODE_MES1",
    "CHT",
    "Код стандарта (CODE_MES1) совпадает с кодом стандарта сопутствующего заболевания (CODE_MES2)",
    refusal=_INCORRECT,
    twin="006F.00.0450",
)
def mes1_not_mes2(c, ctx):
    out = None
    for sl in c.sls:
        mes2 = {d.text.strip() for d in sl.children if d.tag == "CODE_MES2" and d.text}
        if not mes2:
            continue
        for n in sl.children:
            if n.tag == "CODE_MES1" and n.text and n.text.strip() in mes2:
                out = out or []
                out.append(MekHit(n, sl=sl, detail="совпадает с CODE_MES2"))
    return out


# -- tariffs against sums -----------------------------------------------------------------------------
@mek_rule(
    "002K.00.0460",
    _Z + "SL/TARIF",
    "CHTX",
    "Тариф (TARIF) больше стоимости случая (SUM_M) при USL_OK<>{1, 2}",
    refusal=_INCORRECT,
    twin="006F.00.0460",
)
def sl_tarif_not_above_sum_m(c, ctx):
    """USL_OK ∉ {1, 2}; the D-files have no USL_OK and are checked."""
    if c.usl_ok in _STAC or (c.usl_ok is None and ctx.file_kind != "X"):
        return None
    out = None
    for sl in c.sls:
        n = present(sl, "TARIF")
        sum_m = tx(sl, "SUM_M")
        if n is None or n.text == sum_m:
            continue
        t, s = to_dec(n.text), to_dec(sum_m)
        if t is not None and s is not None and t > s:
            out = out or []
            out.append(MekHit(n, sl=sl, detail=f"SUM_M={s}"))
    return out


@mek_rule(
    "002K.00.0570",
    _Z + "SL/USL/TARIF",
    "CHTX",
    "Тариф услуги (TARIF) больше стоимости услуги (SUMV_USL)",
    refusal=_INCORRECT,
    twin="006F.00.0570",
)
def usl_tarif_not_above_sumv_usl(c, ctx):
    out = None
    for sl, u in c.usls():
        n = present(u, "TARIF")
        sumv_usl = tx(u, "SUMV_USL")
        if n is None or n.text == sumv_usl:
            continue
        t, s = to_dec(n.text), to_dec(sumv_usl)
        if t is not None and s is not None and t > s:
            out = out or []
            out.append(MekHit(n, sl=sl, usl=u, detail=f"SUMV_USL={s}"))
    return out


# -- the children's sign of a service ------------------------------------------------------------------
@mek_rule(
    "002K.00.0520",
    _Z + "SL/USL/DET",
    "CHT",
    "Признак детского профиля услуги при возрасте 18 лет и старше на дату начала случая",
    refusal=_INCORRECT,
    twin="006F.00.0520",
)
def usl_det_children_only(c, ctx):
    if c.dr is None:
        return None
    out = None
    for sl, u in c.usls():
        n = present(u, "DET")
        if n is not None and n.text == "1":
            age = c.age_on(to_date(tx(sl, "DATE_1")))
            if age is not None and age >= 18:
                out = out or []
                out.append(MekHit(n, sl=sl, usl=u, detail=f"возраст {age}"))
    return out


# -- the onco drug scheme CODE_SH ----------------------------------------------------------------------
_CODE_SH = _Z + "SL/ONK_SL/ONK_USL/LEK_PR/CODE_SH"
_NO_SCHEME = "нет"


def _code_shs(sl):
    """(USL_TIP, CODE_SH node) of the LEK_PR of the SL's ONK_SL blocks."""
    for o in sl.children:
        if o.tag != "ONK_SL":
            continue
        for u in o.children:
            if u.tag != "ONK_USL":
                continue
            tip = tx(u, "USL_TIP")
            for lp in u.children:
                if lp.tag == "LEK_PR":
                    for n in lp.children:
                        if n.tag == "CODE_SH" and n.text:
                            yield tip, n


def _hemoblastosis(d: str) -> bool:
    return "C81" <= d < "C97"


def _solid(d: str) -> bool:
    """C00.0 ≤ DS1 < C81.0 or C97 ≤ DS1 < D10 (the ranges of Q016 v1.9)."""
    return "C00" <= d < "C81" or "C97" <= d < "D10"


def _scheme_rule(code, message, applies, allowed, *, twin=None, tips=None, adult=None):
    """CODE_SH of the SLs whose DS1 ``applies`` (and USL_TIP in ``tips``, age ≥ 18 / < 18 on
    DATE_Z_1 by ``adult``) must satisfy ``allowed(code_sh, sl, ctx)``."""

    def fn(c, ctx):
        if not any(n.tag == "ONK_SL" for sl in c.sls for n in sl.children):
            return None
        if adult is not None:
            age = age_on(c.dr, c.date_z_1)
            if age is None or (age >= 18) != adult:
                return None
        out = None
        for sl in c.sls:
            if present(sl, "ONK_SL") is None:
                continue
            d = ds(tx(sl, "DS1"))
            if not d or not applies(d):
                continue
            for tip, n in _code_shs(sl):
                if tips is not None and tip not in tips:
                    continue
                if not allowed(n.text.strip(), sl, ctx):
                    out = out or []
                    out.append(MekHit(n, sl=sl, detail=f"DS1={d}" + (f", USL_TIP={tip}" if tip else "")))
        return out

    fn.__name__ = fn.__qualname__ = "code_sh_" + code[-4:]
    mek_rule(code, _CODE_SH, "CT", message, refusal=_INCORRECT, twin=twin)(fn)
    return fn


def _is_no_scheme(v: str, sl, ctx) -> bool:
    return v == _NO_SCHEME


def _in_v024(v: str, sl, ctx) -> bool:
    """In V024 on DATE_2 of the SL when V024 is loaded (else only the kind of code is checked)."""
    nsi = ctx.nsi
    if nsi is None or not nsi.knows("V024"):
        return True
    return nsi.has("V024", v, to_date(tx(sl, "DATE_2")))


def _numbered(v: str, prefix: str) -> bool:
    return v.startswith(prefix) and v[len(prefix) :].isdigit()


def _sh(v: str, sl, ctx) -> bool:
    return _numbered(v, "sh") and _in_v024(v, sl, ctx)


def _sh_mt(v: str, sl, ctx) -> bool:
    return (_numbered(v, "sh") or _numbered(v, "mt")) and _in_v024(v, sl, ctx)


_scheme_rule(
    "002K.00.0630",
    "Для гемобластозов (C81.0<=DS1<C97) код схемы лекарственной терапии должен быть «нет»",
    _hemoblastosis,
    _is_no_scheme,
    twin="006F.00.0630",
)
_scheme_rule(
    "002K.00.0640",
    "Для пациента младше 18 лет на дату начала случая код схемы лекарственной терапии должен быть «нет»",
    lambda d: True,
    _is_no_scheme,
    adult=False,
    twin="006F.00.0640",
)
# The bounds sh001…sh904 / mt001…mt017 of Q016 v1.9 are those of the V024 of 2019–2020; V024 has
# renumbered its schemes since (sh0001…, mt0xx), so the kind of code is checked here and the bounds
# by V024 itself when it is loaded.  The ФЛК twins (Q015 0650/0660) ended on 31.12.2020.
_scheme_rule(
    "002K.00.0650",
    "Код схемы лекарственной терапии (USL_TIP=2) должен быть схемой V024 (sh…) для ЗНО взрослых",
    _solid,
    _sh,
    tips=frozenset({"2"}),
    adult=True,
)
_scheme_rule(
    "002K.00.0660",
    "Код схемы лекарственной терапии (USL_TIP=4) должен быть схемой V024 (sh… или mt…) для ЗНО взрослых",
    _solid,
    _sh_mt,
    tips=frozenset({"4"}),
    adult=True,
)
