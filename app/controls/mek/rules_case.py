"""МЭК on the case itself: VIDPOM / FOR_POM / RSLT against USL_OK, ISHOD against RSLT, bed-days
against the dates, the number of visits; the reporting period."""

from __future__ import annotations

from app.controls.mek.registry import Q016_2020, MekHit, mek_rule
from app.controls.values import present, to_date, to_dec, to_int, tx

_INCORRECT = "1.1.4"  # некорректное заполнение полей реестра счетов
_MISSING = "1.1.3"  # не заполнены поля, обязательные к заполнению
_PERIOD = "1.1.6"  # дата оказания не соответствует отчетному периоду


def _z_value(tag, usl_ok, allowed):
    allowed = frozenset(allowed)

    def fn(c, ctx):
        if c.usl_ok == usl_ok:
            n = present(c.z_sl, tag)
            value = getattr(c, tag.lower())
            if n is not None and value is not None and value not in allowed:
                yield MekHit(n, detail=f"USL_OK={usl_ok}")

    return fn


_VIDPOM = "Недопустимый код вида медицинской помощи для условий оказания медицинской помощи"
_FOR_POM = "Несогласованность условий оказания и формы медицинской помощи"
_RSLT = "Взаимное несоответствие результата лечения и условий оказания медицинской помощи"
for _code, _tag, _usl_ok, _allowed, _text, _start, _twin in (
    ("003K.00.0290", "VIDPOM", 4, {2, 21, 22, 23}, _VIDPOM, None, "006F.00.1200"),
    ("003K.00.0300", "VIDPOM", 3, {1, 2, 11, 12, 13, 4, 14}, _VIDPOM, None, "006F.00.1210"),
    ("003K.00.0310", "VIDPOM", 2, {12, 13, 14, 31, 32, 33}, _VIDPOM, None, "006F.00.1220"),
    ("003K.00.0321", "VIDPOM", 1, {3, 21, 31, 32, 33}, _VIDPOM, Q016_2020, "006F.00.1230"),
    ("003K.00.0371", "FOR_POM", 2, {2, 3}, _FOR_POM, Q016_2020, "006F.00.1280"),
    ("003K.00.0381", "FOR_POM", 3, {2, 3}, _FOR_POM, Q016_2020, "006F.00.1290"),
    ("003K.00.0391", "FOR_POM", 4, {1, 2}, _FOR_POM, Q016_2020, "006F.00.1300"),
    ("003K.00.0451", "RSLT", 1, range(101, 200), _RSLT, Q016_2020, "006F.00.1310"),
    ("003K.00.0461", "RSLT", 2, range(201, 300), _RSLT, Q016_2020, "006F.00.1320"),
    ("003K.00.0471", "RSLT", 3, range(301, 400), _RSLT, Q016_2020, "006F.00.1330"),
    ("003K.00.0481", "RSLT", 4, range(401, 500), _RSLT, Q016_2020, "006F.00.1340"),
):
    _kw = {"valid_from": _start} if _start else {}
    mek_rule(_code, f"ZL_LIST/ZAP/Z_SL/{_tag}", "CHT", _text, refusal=_INCORRECT, twin=_twin, **_kw)(
        _z_value(_tag, _usl_ok, _allowed)
    )


_ISHOD_RSLT = "Взаимное несоответствие исхода заболевания, результата обращения"


@mek_rule("003K.00.0200", "ZL_LIST/ZAP/Z_SL/ISHOD", "CHT", _ISHOD_RSLT, refusal=_INCORRECT, twin="006F.00.1120")
def ishod_402(c, ctx):
    """RSLT = {407…414, 417} → ISHOD = 402 (Q015 006F.00.1120 lacks 417)."""
    if c.rslt in (407, 408, 409, 410, 411, 412, 413, 414, 417) and c.ishod is not None and c.ishod != 402:
        yield MekHit(present(c.z_sl, "ISHOD"), detail=f"RSLT={c.rslt}")


@mek_rule(
    "003K.00.0331",
    "ZL_LIST/ZAP/Z_SL/ISHOD",
    "CHT",
    "Несоответствие результата обращения и исхода заболевания (летальность)",
    refusal=_INCORRECT,
    valid_from=Q016_2020,
    twin="006F.00.1240",
)
def ishod_death(c, ctx):
    if c.rslt in (105, 106) and c.ishod is not None and c.ishod != 104:
        yield MekHit(present(c.z_sl, "ISHOD"), detail=f"RSLT={c.rslt}")


def _outcome_pair(if_attr, if_values, attr, *, allowed=None, forbidden=None):
    """``if_attr`` (ISHOD or RSLT, an int of MekCase) in ``if_values`` → ``attr`` in ``allowed`` / not
    in ``forbidden``; the hit is on the element ``attr``."""
    if_values = frozenset(if_values)
    allowed = frozenset(allowed) if allowed is not None else None
    forbidden = frozenset(forbidden or ())
    tag, if_tag = attr.upper(), if_attr.upper()

    def fn(c, ctx):
        cond = getattr(c, if_attr)
        if cond not in if_values:
            return
        value = getattr(c, attr)
        if value is None:
            return
        if value in forbidden or (allowed is not None and value not in allowed):
            yield MekHit(present(c.z_sl, tag), detail=f"{if_tag}={cond}")

    return fn


_DEATH = "Несоответствие результата обращения и исхода заболевания (летальность)"
for _code, _types, _if, _if_values, _attr, _allowed, _forbidden, _text, _twin in (
    ("003K.00.0196", "CH", "ishod", {306}, "rslt", {301, 305, 308, 314, 315}, None, _ISHOD_RSLT, "006F.00.1110"),
    ("003K.00.0211", "CHTX", "rslt", range(102, 111), "ishod", None, {101}, _ISHOD_RSLT, "006F.00.1130"),
    ("003K.00.0220", "CHTX", "rslt", range(202, 209), "ishod", None, {201}, _ISHOD_RSLT, "006F.00.1140"),
    ("003K.00.0341", "CHT", "rslt", {205, 206}, "ishod", {204}, None, _DEATH, "006F.00.1250"),
    ("003K.00.0351", "CHT", "rslt", {313}, "ishod", {305}, None, _DEATH, "006F.00.1260"),
    ("003K.00.0361", "CHT", "rslt", {405, 406}, "ishod", {403}, None, _DEATH, "006F.00.1270"),
):
    _kw = {} if _code == "003K.00.0220" else {"valid_from": Q016_2020}  # 0220 is of 01.11.2019
    mek_rule(_code, f"ZL_LIST/ZAP/Z_SL/{_attr.upper()}", _types, _text, refusal=_INCORRECT, twin=_twin, **_kw)(
        _outcome_pair(_if, _if_values, _attr, allowed=_allowed, forbidden=_forbidden)
    )


def _stay_limit(usl_ok, d1, d2):
    """The most bed-days (USL_OK 1: DATE_2 − DATE_1, 1 for a one-day stay) or patient-days (USL_OK 2:
    DATE_2 − DATE_1 + 1) a stay from ``d1`` to ``d2`` allows."""
    days = (d2 - d1).days
    return max(days, 1) if usl_ok == 1 else days + 1


@mek_rule(
    "003K.00.0430",
    "ZL_LIST/ZAP/Z_SL/SL/KD",
    "CHT",
    "Количество койко-дней/пациенто-дней превышает длительность лечения",
    refusal=_INCORRECT,
)
def bed_days(c, ctx):
    """USL_OK 1: KD ≤ DATE_2 − DATE_1 (1 for a one-day stay); USL_OK 2 (patient-days): KD ≤
    DATE_2 − DATE_1 + 1; KD ≠ 0 in both."""
    if c.usl_ok not in (1, 2):
        return
    for sl in c.sls:
        n = present(sl, "KD")
        kd = to_dec(n.text) if n is not None else None
        d1, d2 = to_date(tx(sl, "DATE_1")), to_date(tx(sl, "DATE_2"))
        if kd is None or d1 is None or d2 is None or d2 < d1:
            continue
        limit = _stay_limit(c.usl_ok, d1, d2)
        if kd == 0 or kd > limit:
            yield MekHit(n, sl=sl, detail=f"длительность {limit}")


@mek_rule(
    "003K.00.0440",
    "ZL_LIST/ZAP/Z_SL/KD_Z",
    "CHT",
    "Количество койко-дней/пациенто-дней превышает длительность лечения",
    refusal=_INCORRECT,
)
def bed_days_of_the_case(c, ctx):
    """KD_Z ≠ 0 and ≤ the length of the whole case (DATE_Z_1 … DATE_Z_2), counted as in 0430."""
    if c.usl_ok not in (1, 2):
        return
    d1, d2 = c.date_z_1, c.date_z_2
    n = present(c.z_sl, "KD_Z")
    kd = to_dec(n.text) if n is not None else None
    if kd is None or d1 is None or d2 is None or d2 < d1:
        return
    limit = _stay_limit(c.usl_ok, d1, d2)
    if kd == 0 or kd > limit:
        yield MekHit(n, detail=f"длительность {limit}")


@mek_rule("003K.00.0550", "ZL_LIST/ZAP/Z_SL/SL/ED_COL", "CHT", "Не указано количество посещений", refusal=_MISSING)
def visits_count(c, ctx):
    if c.usl_ok == 3 and c.idsp in (25, 29):
        for sl in c.sls:
            n = present(sl, "ED_COL")
            value = to_dec(n.text) if n is not None else None
            if value is None or value <= 0:
                yield MekHit(n, sl=sl, value=n.text if n is not None else None)


# V002 profiles of stomatology, to which 003K.00.0560 does not apply: PROFIL 85–90, 140, 171 (the list
# of the task; check it against the region's V002)
_STOMATOLOGY = frozenset({85, 86, 87, 88, 89, 90, 140, 171})


@mek_rule(
    "003K.00.0560",
    "ZL_LIST/ZAP/Z_SL/SL/ED_COL",
    "CH",
    "Количество единиц оплаты в случае не совпадает с количеством блоков услуг по случаю",
    refusal=_INCORRECT,
)
def units_equal_services(c, ctx):
    """USL_OK=3, IDSP=28: ED_COL = the number of USL of the SL (not for stomatology profiles)."""
    if c.usl_ok != 3 or c.idsp != 28:
        return
    for sl in c.sls:
        if to_int(tx(sl, "PROFIL")) in _STOMATOLOGY:
            continue
        count = sum(1 for u in sl.children if u.tag == "USL")
        n = present(sl, "ED_COL")
        value = to_dec(n.text) if n is not None else None
        if value != count:
            yield MekHit(n, sl=sl, value=n.text if n is not None else None, detail=f"услуг {count}")


@mek_rule("003K.00.1000", "ZL_LIST/ZAP/Z_SL/SL/USL/KOL_USL", "CHT", "Не указано количество услуг", refusal=_MISSING)
def services_count(c, ctx):
    """USL_OK=3 and IDSP ∈ {25, 28}: KOL_USL of each USL non-zero."""
    if c.usl_ok != 3 or c.idsp not in (25, 28):
        return
    for sl, u in c.usls():
        n = present(u, "KOL_USL")
        value = to_dec(n.text) if n is not None else None
        if value is None or value == 0:
            yield MekHit(n, sl=sl, usl=u, value=n.text if n is not None else None)


# КСГ of nursing newborns of extremely low body weight, by their names in the КСГ of the round-the-clock
# hospital (КСГ26_КС.xlsx of github.com/yuraigle/medflk, nsi/, sheet «КСГ»): st17.002 «Крайне малая
# масса тела при рождении, крайняя незрелость».  st17.001 «Малая масса тела при рождении,
# недоношенность» is low, not extremely low weight, and is not included.
_ELBW_KSG = frozenset({"st17.002"})


@mek_rule(
    "003K.00.1010",
    "ZL_LIST/ZAP/PACIENT/VNOV_D",
    "CHT",
    "Не указан вес недоношенного/маловесного ребенка",
    refusal=_MISSING,
)
def newborn_weight(c, ctx):
    """VNOV_D given for the КСГ of nursing newborns of extremely low body weight (the ВМП part of the
    check is not run: V019 has no attribute telling such methods)."""
    if c.usl_ok not in (1, 2) or present(c.pac, "VNOV_D") is not None:
        return
    for sl in c.sls:
        k = sl.child("KSG_KPG")
        n_ksg = tx(k, "N_KSG") if k is not None else None
        if n_ksg and n_ksg.strip().lower() in _ELBW_KSG:
            yield MekHit(None, sl=sl, detail=f"КСГ {n_ksg.strip()}")


@mek_rule(
    "003K.14.0020",
    "ZL_LIST/ZAP/Z_SL/DATE_Z_2",
    "CHTX",
    "Дата окончания лечения не соответствует отчетному периоду",
    refusal=_PERIOD,
)
def outside_period(c, ctx):
    """DATE_Z_2 after the reporting month, or before the first day of the month
    ``MEK_PERIOD_MONTHS_BACK`` months earlier (late cases are accepted that long)."""
    end, earliest = ctx.period_end, ctx.earliest_end
    if end is None or c.date_z_2 is None:
        return
    if c.date_z_2 > end or c.date_z_2 < earliest:
        yield MekHit(
            present(c.z_sl, "DATE_Z_2"),
            detail=f"отчетный период {ctx.month:02d}.{ctx.year}, принимаются случаи, "
            f"законченные с {earliest:%d.%m.%Y} по {end:%d.%m.%Y}",
        )
