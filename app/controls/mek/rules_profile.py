"""МЭК on the profile (PROFIL) and the specialty (PRVS) against the patient and the kind of care.

* PRVS against VIDPOM (003K.00.0490, 0501, 0510): the code sets of Q016 v1.9 as published;
* PROFIL (V002) against the patient's age and sex, in SL (0730–0770) and in USL (0780–0820);
* PRVS (V021) against the patient's age and sex, in SL (0830–0880) and in USL (0890–0940): Q016
  names the specialties, not their codes, so the codes are found by the names in the loaded V021
  (``ctx.nsi``; compared case-insensitively, whitespace-normalised); without V021 the rules are
  skipped, like 003K.00.0660 without M001.

The age is taken on the start of the SL (DATE_1), else of the case (DATE_Z_1).  A USL's
specialty is USL/PRVS (3.x) or USL/MR_USL_N/PRVS (each medical worker of the service, 3.2+/5.x).
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from app.controls.mek.registry import Q016_2020, MekHit, mek_rule
from app.controls.values import present, to_date, to_int, tx

_INCORRECT = "1.1.4"  # некорректное заполнение полей реестра счетов


# -- PRVS against VIDPOM -------------------------------------------------------------------------------
def _prvs_for_vidpom(vidpoms, codes, *, allowed: bool):
    """VIDPOM in ``vidpoms`` → SL/PRVS in ``codes`` (``allowed``) or not in them."""
    vidpoms, codes = frozenset(vidpoms), frozenset(codes)

    def fn(c, ctx):
        if c.vidpom not in vidpoms:
            return
        for sl in c.sls:
            n = present(sl, "PRVS")
            prvs = to_int(n.text) if n is not None else None
            if prvs is not None and (prvs in codes) != allowed:
                yield MekHit(n, sl=sl, detail=f"VIDPOM={c.vidpom}")

    return fn


_SPEC_KIND = "Несоответствие специальности виду оказываемой медицинской помощи"
for _code, _vidpoms, _codes, _allowed, _start in (
    (
        "003K.00.0490",
        (11, 12, 13, 31, 32, 33),
        (1, 7, 14, 16, 29, 30, 34, 42, 51, 52, 53, 54, 63, 64, 67, 73, 74, 82, 83, 85, 86, 88, 96, 97, 98, 99)
        + (234, 280),
        False,
        None,
    ),
    (
        "003K.00.0501",
        (12, 13, 31),
        (100, 101, 206, 208, 209, 210, 213, 217, 219, 221, 223, 224, 226, 227, 228, 230, 231, 233, 281),
        False,
        Q016_2020,
    ),
    ("003K.00.0510", (21, 22, 23), (66, 283, 4, 49), True, None),
):
    _kw = {"valid_from": _start} if _start else {}
    mek_rule(_code, "ZL_LIST/ZAP/Z_SL/SL/PRVS", "CHTX", _SPEC_KIND, refusal=_INCORRECT, **_kw)(
        _prvs_for_vidpom(_vidpoms, _codes, allowed=_allowed)
    )


# -- the patient's age and sex -------------------------------------------------------------------------
def _start(c, sl) -> Optional[date]:
    d = to_date(tx(sl, "DATE_1"))
    return d if d is not None else c.date_z_1


def _misfit(c, sl, min_age: Optional[int], below: Optional[int], sex: Optional[int]) -> Optional[str]:
    """Why the patient does not fit (``min_age`` ≤ age < ``below``, W = ``sex``), or None."""
    if sex is not None:
        return f"пол {c.w}" if c.w is not None and c.w != sex else None
    age = c.age_on(_start(c, sl))
    if age is None:
        return None
    if (min_age is not None and age < min_age) or (below is not None and age >= below):
        return f"возраст {age}"
    return None


def _fit_rule(tag: str, values_of, min_age, below, sex):
    """Factory of the rules «the value of ``tag`` (SL/PROFIL, SL/PRVS; ``USL/…`` for the service's)
    is one of ``values_of(ctx)`` (a dict value → name, or None: not known) → the patient fits
    ``min_age`` ≤ age < ``below`` / W = ``sex``»."""
    in_usl = tag.startswith("USL/")
    tag = tag.rsplit("/", 1)[-1]
    workers = tag == "PRVS"  # USL/MR_USL_N/PRVS too

    def hit(c, values, n, sl, u):
        name = values[n.text]
        why = _misfit(c, sl, min_age, below, sex)
        if why:
            return MekHit(n, sl=sl, usl=u, detail=f"{name}, {why}" if name else why)
        return None

    def fn(c, ctx):  # a list or None, not a generator: most cases end at the first test
        if sex is not None:
            if c.w is None or c.w == sex:
                return None
        elif c.dr is None:
            return None
        # the SL starts within the case (Q015): a patient who fits on DATE_Z_1 (a minimum age) or on
        # DATE_Z_2 (a maximum age) fits on every DATE_1 — the common case ends here
        elif below is None:
            a = c.age_on(c.date_z_1)
            if a is not None and a >= min_age:
                return None
        elif min_age is None:
            a = c.age_on(c.date_z_2)
            if a is not None and a < below:
                return None
        values = values_of(ctx)
        if not values:
            return None
        out = []
        for sl in c.sls:
            if not in_usl:
                n = present(sl, tag)
                if n is not None and n.text in values:
                    h = hit(c, values, n, sl, None)
                    if h:
                        out.append(h)
                continue
            for n in sl.children:
                if n.tag == "USL":
                    for e in n.children:
                        if e.tag == tag:
                            found = (e,)
                        elif workers and e.tag == "MR_USL_N":
                            found = [m for m in e.children if m.tag == tag]
                        else:
                            continue
                        for m in found:
                            if m.text in values:
                                h = hit(c, values, m, sl, n)
                                if h:
                                    out.append(h)
        return out

    return fn


def _constant(values):
    """values_of for a fixed set of codes (no names)."""
    table = {str(v): "" for v in values}
    return lambda ctx: table


_PROFIL_AGE = "Профиль медицинской помощи не соответствует возрасту пациента"
_PROFIL_SEX = "Профиль медицинской помощи не соответствует полу пациента"
# (SL code, USL code, profiles, min age, age below, sex, message)
_PROFIL_RULES = (
    ("003K.00.0730", "003K.00.0780", (17, 18, 19, 20, 21, 68, 86), None, 18, None, _PROFIL_AGE),
    ("003K.00.0740", "003K.00.0790", (3, 136, 137, 184), None, None, 2, _PROFIL_SEX),
    ("003K.00.0750", "003K.00.0800", (55,), None, 1, None, _PROFIL_AGE),
    ("003K.00.0760", "003K.00.0810", (14,), 60, None, None, _PROFIL_AGE),
    ("003K.00.0770", "003K.00.0820", (29, 60, 108, 122), 18, None, None, _PROFIL_AGE),
)
for _sl_code, _usl_code, _profiles, _min, _below, _sex, _text in _PROFIL_RULES:
    mek_rule(_sl_code, "ZL_LIST/ZAP/Z_SL/SL/PROFIL", "CHT", _text, refusal=_INCORRECT)(
        _fit_rule("PROFIL", _constant(_profiles), _min, _below, _sex)
    )
    mek_rule(_usl_code, "ZL_LIST/ZAP/Z_SL/SL/USL/PROFIL", "CHT", _text, refusal=_INCORRECT)(
        _fit_rule("USL/PROFIL", _constant(_profiles), _min, _below, _sex)
    )


# PRVS (V021) by the specialty's name
def _norm(name: Optional[str]) -> str:
    return " ".join((name or "").replace("ё", "е").replace("Ё", "Е").split()).casefold()


def _v021_by_name(ctx) -> Optional[dict[str, dict[str, str]]]:
    """normalised name → {V021 code: name} of the loaded V021 (the name valid on the rule date, else
    any version's); None when V021 is not loaded.  Built once per context."""
    nsi = ctx.nsi
    cached = ctx._cache.get("v021_by_name")
    if cached is not None and cached[0] is nsi:
        return cached[1]
    names: Optional[dict[str, dict[str, str]]] = None
    if nsi is not None and nsi.knows("V021"):
        names = {}
        on = ctx.rule_date
        for code in nsi.codes("V021"):
            e = nsi.get("V021", code, on) or nsi.get("V021", code)
            if e is not None and e.name:
                names.setdefault(_norm(e.name), {})[code.strip()] = e.name
    ctx._cache["v021_by_name"] = (nsi, names)
    return names


def _specialty_codes(ctx, key: str, names: frozenset[str]) -> Optional[dict[str, str]]:
    """{V021 code: name} of the specialties ``names``; None without V021."""
    nsi = ctx.nsi
    cached = ctx._cache.get(key)
    if cached is not None and cached[0] is nsi:
        return cached[1]
    by_name = _v021_by_name(ctx)
    codes = None
    if by_name is not None:
        codes = {}
        for name in names:
            codes.update(by_name.get(name, {}))
    ctx._cache[key] = (nsi, codes)
    return codes


def _specialties(key: str, names):
    """values_of for the V021 specialties ``names``: {code: name} of the loaded V021, None without it."""
    names = frozenset(_norm(n) for n in names)
    return lambda ctx: _specialty_codes(ctx, key, names)


_PRVS_AGE = "Специальность врача не соответствует возрасту пациента"
_PRVS_SEX = "Специальность врача не соответствует полу пациента"
_ADULTS = ("Кардиология", "Онкология", "Урология", "Эндокринология")
_CHILDREN = (
    "Детская кардиология",
    "Детская онкология",
    "Детская урология-андрология",
    "Детская хирургия",
    "Детская эндокринология",
    "Педиатрия",
    "Стоматология детская",
)
# (SL code, USL code, specialties, min age, age below, sex, message)
_PRVS_RULES = (
    ("003K.00.0830", "003K.00.0890", _CHILDREN, None, 18, None, _PRVS_AGE),
    ("003K.00.0840", "003K.00.0900", ("Акушерство и гинекология",), None, None, 2, _PRVS_SEX),
    ("003K.00.0850", "003K.00.0910", ("Неонатология",), None, 1, None, _PRVS_AGE),
    ("003K.00.0860", "003K.00.0920", _ADULTS, 18, None, None, _PRVS_AGE),
    ("003K.00.0870", "003K.00.0930", ("Терапия",), 15, None, None, _PRVS_AGE),
    ("003K.00.0880", "003K.00.0940", ("Гериатрия",), 60, None, None, _PRVS_AGE),
)
for _sl_code, _usl_code, _names, _min, _below, _sex, _text in _PRVS_RULES:
    _of = _specialties(f"v021:{_sl_code}", _names)
    mek_rule(_sl_code, "ZL_LIST/ZAP/Z_SL/SL/PRVS", "CHTX", _text, refusal=_INCORRECT)(
        _fit_rule("PRVS", _of, _min, _below, _sex)
    )
    mek_rule(_usl_code, "ZL_LIST/ZAP/Z_SL/SL/USL/PRVS", "CHTX", _text, refusal=_INCORRECT)(
        _fit_rule("USL/PRVS", _of, _min, _below, _sex)
    )
