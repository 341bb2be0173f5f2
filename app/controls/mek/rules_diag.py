"""МЭК on diagnoses and the children's profile against the patient's sex and age."""

from __future__ import annotations

from app.controls.mek.registry import MekHit, mek_rule
from app.controls.values import ds, present, to_date, tx

_INCORRECT = "1.1.4"


@mek_rule(
    "003K.00.0590", "ZL_LIST/ZAP/Z_SL/SL/DS1", "CHTX", "Несоответствие диагноза возрасту пациента", refusal=_INCORRECT
)
def chapter_p_only_infants(c, ctx):
    """Class P of МКБ-10 (perinatal period) for a patient aged one year or more on DATE_Z_1."""
    age = c.age_on(c.date_z_1)
    if age is None or age < 1:
        return
    for sl in c.sls:
        n = present(sl, "DS1")
        if n is not None and (ds(n.text) or "").startswith("P"):
            yield MekHit(n, sl=sl, detail=f"возраст {age}")


@mek_rule("003K.00.0620", "ZL_LIST/ZAP/Z_SL/SL/DS1", "CHT", "Несоответствие диагноза полу пациента", refusal=_INCORRECT)
def chapter_o_not_men(c, ctx):
    """Class O of МКБ-10 (pregnancy, childbirth) for W = 1."""
    if c.w != 1:
        return
    for sl in c.sls:
        n = present(sl, "DS1")
        if n is not None and (ds(n.text) or "").startswith("O"):
            yield MekHit(n, sl=sl)


@mek_rule("003K.00.0660", "ZL_LIST/ZAP/Z_SL/SL/DS1", "CHTX", "Недопустимый код диагноза", refusal=_INCORRECT)
def ds1_to_subrubric(c, ctx):
    """DS1 coded to the sub-rubric where M001 has sub-rubrics for the rubric (except USL_OK=4)."""
    rubrics = ctx.rubrics_with_subrubrics
    if rubrics is None or c.usl_ok == 4:
        return
    for sl in c.sls:
        n = present(sl, "DS1")
        code = ds(n.text) if n is not None else None
        if code and len(code) == 3 and code in rubrics:
            yield MekHit(n, sl=sl, detail="диагноз должен быть указан до подрубрики")


# -- the other diagnoses: DS0, DS2, DS3 of SL (DS2 and DS3 may repeat), USL/DS, DS2_N/DS2 (X files) -------
def _sl_all(tag):
    def nodes(c):
        for sl in c.sls:
            for n in sl.children:
                if n.tag == tag and n.text:
                    yield n, sl, None

    return nodes


def _sl_one(tag):
    def nodes(c):
        for sl in c.sls:
            n = present(sl, tag)
            if n is not None:
                yield n, sl, None

    return nodes


def _ds2_n(c):
    for sl in c.sls:
        for g in sl.children:
            if g.tag == "DS2_N":
                n = present(g, "DS2")
                if n is not None:
                    yield n, sl, None


def _ds2_all(c):
    """SL/DS2 and, in the D-series (X) files, SL/DS2_N/DS2."""
    for sl in c.sls:
        for n in sl.children:
            if n.tag == "DS2":
                if n.text:
                    yield n, sl, None
            elif n.tag == "DS2_N":
                d = present(n, "DS2")
                if d is not None:
                    yield d, sl, None


def _usl_ds(c):
    for sl, u in c.usls():
        n = present(u, "DS")
        if n is not None:
            yield n, sl, u


def _chapter_p(nodes):
    """Class P of МКБ-10 for a patient aged one year or more on DATE_Z_1 (as 003K.00.0590)."""

    def fn(c, ctx):
        if c.dr is None:
            return
        age = None
        for n, sl, u in nodes(c):
            if (ds(n.text) or "").startswith("P"):
                if age is None:  # only when there is a diagnosis of class P
                    age = c.age_on(c.date_z_1)
                    if age is None or age < 1:
                        return
                yield MekHit(n, sl=sl, usl=u, detail=f"возраст {age}")

    return fn


def _chapter_o(nodes):
    """Class O of МКБ-10 for W = 1 (as 003K.00.0620)."""

    def fn(c, ctx):
        if c.w != 1:
            return
        for n, sl, u in nodes(c):
            if (ds(n.text) or "").startswith("O"):
                yield MekHit(n, sl=sl, usl=u)

    return fn


def _to_subrubric(nodes):
    """Coded to the sub-rubric where M001 has sub-rubrics (except USL_OK=4), as 003K.00.0660."""

    def fn(c, ctx):
        rubrics = ctx.rubrics_with_subrubrics
        if rubrics is None or c.usl_ok == 4:
            return
        for n, sl, u in nodes(c):
            code = ds(n.text)
            if code and len(code) == 3 and code in rubrics:
                yield MekHit(n, sl=sl, usl=u, detail="диагноз должен быть указан до подрубрики")

    return fn


_AGE = "Несоответствие диагноза возрасту пациента"
_SEX = "Несоответствие диагноза полу пациента"
_CODE = "Недопустимый код диагноза"
_SL = "ZL_LIST/ZAP/Z_SL/SL"
for _code, _path, _types, _text, _fn in (
    ("003K.00.0600", f"{_SL}/DS2", "CHTX", _AGE, _chapter_p(_ds2_all)),
    ("003K.00.0610", f"{_SL}/DS3", "CHTX", _AGE, _chapter_p(_sl_all("DS3"))),
    ("003K.00.0630", f"{_SL}/DS2", "CHT", _SEX, _chapter_o(_ds2_all)),
    ("003K.00.0640", f"{_SL}/DS3", "CHT", _SEX, _chapter_o(_sl_all("DS3"))),
    ("003K.00.0650", f"{_SL}/DS0", "CHTX", _CODE, _to_subrubric(_sl_one("DS0"))),
    ("003K.00.0670", f"{_SL}/DS2", "CHTX", _CODE, _to_subrubric(_sl_all("DS2"))),
    ("003K.00.0680", f"{_SL}/DS3", "CHTX", _CODE, _to_subrubric(_sl_all("DS3"))),
    ("003K.00.0690", f"{_SL}/USL/DS", "CHT", _CODE, _to_subrubric(_usl_ds)),
    ("003K.00.0700", f"{_SL}/DS2_N/DS2", "X", _CODE, _to_subrubric(_ds2_n)),
):
    mek_rule(_code, _path, _types, _text, refusal=_INCORRECT)(_fn)


@mek_rule(
    "002K.00.0395",
    "ZL_LIST/ZAP/Z_SL/SL/DET",
    "CHT",
    "Признак детского профиля при возрасте 18 лет и старше на дату начала случая",
    refusal=_INCORRECT,
    twin="006F.00.0395",
)
def det_children_only(c, ctx):
    for sl in c.sls:
        n = present(sl, "DET")
        if n is not None and n.text == "1":
            age = c.age_on(to_date(tx(sl, "DATE_1")))
            if age is not None and age >= 18:
                yield MekHit(n, sl=sl, detail=f"возраст {age}")
