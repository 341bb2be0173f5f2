"""The stages after ФЛК, in order: «Идентификация в ЕРЗ», «МЭК», «Перерасчет стоимости».

Imported once at the end of :mod:`app.services.intake.pipeline`, which runs ``POST_FLK_STAGES``
on every file that has cases accepted by the ФЛК.
"""
from app.services.intake.stages.erz import identify_stage
from app.services.intake.pipeline import POST_FLK_STAGES
from app.services.intake.stages.mek import mek_stage, recalc_stage

STAGES = (identify_stage, mek_stage, recalc_stage)

for _stage in STAGES:
    if _stage not in POST_FLK_STAGES:
        POST_FLK_STAGES.append(_stage)
