"""МЭК (медико-экономический контроль): Q016 rules and regional ``003K.14.*`` rules as registered
functions with their data (F014 reason of refusal, share of the sum withheld), mirroring the ФЛК.

Public API::

    ctx = MekContext(file_kind="H", year=2026, month=10, region_okato="98", rules=RuleBook(…))
    check_case(MekCase(zap, sumv=…, w=…, dr=…, erz_found_by=…, …), ctx)          # stage «МЭК»
    check_case(MekCase(zap, …, calc=calculate(zap, book)), ctx, scope="tariff")  # «Перерасчет стоимости»
    run_set_rules(ctx, file_id)                                                  # duplicates, SQL
    catalogue()                                                                  # every rule

See :mod:`app.controls.mek.registry` for the declaration, the reasons and the regional codes.
"""

from app.controls.mek import (  # noqa: F401,E402
    duplicates,
    overlaps,
    rules_2k,
    rules_attachment,
    rules_case,
    rules_diag,
    rules_disp,
    rules_erz,
    rules_ksg,
    rules_profile,
    rules_sl,
    rules_sums,
    rules_tariff,
)
from app.controls.mek.context import MekContext
from app.controls.mek.engine import Sanction, SetCase, check_case, run_set_rules
from app.controls.mek.registry import MekHit, MekRuleSpec, all_specs, mek_rule
from app.controls.mek.views import MekCase


def catalogue() -> list[MekRuleSpec]:
    return all_specs()


__all__ = [
    "MekContext",
    "Sanction",
    "SetCase",
    "check_case",
    "run_set_rules",
    "MekHit",
    "MekRuleSpec",
    "mek_rule",
    "MekCase",
    "catalogue",
]
