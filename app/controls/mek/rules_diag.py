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
