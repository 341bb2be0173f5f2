"""ФЛК: cross-element rules of Q015 (and regional ``002F.14.*`` rules) as registered functions.

Public API::

    ctx = FlkContext.from_header(zl_list, l_header, sender_mo="140001", nsi=lookup, member_name=…)
    check_header(zl_list, ctx); check_header(pers_list_header, ctx)
    check_person(pers, ctx)                       # L-file rules that need only the PERS
    check_record(zap, pers_or_None, ctx)          # record rules (+ PERS rules needing the case)
    totals = FileTotals(ctx, header=zl_list, person_ids=index); totals.add(zap); totals.finish()
    check_file_totals(zl_list, zaps, ctx, person_ids=index)   # the same in one call
    catalogue()                                   # every implemented rule as FlkRuleSpec

See :mod:`app.controls.flk.registry` for the rule declaration and the regional code family.
"""

from app.controls.catalogue import RuleError

# rule modules register themselves on import
from app.controls.flk import (  # noqa: F401,E402
    rules_case,
    rules_dates,
    rules_header,
    rules_nsi,
    rules_onco,
    rules_patient,
    rules_person,
    rules_sums,
    rules_v5,
)
from app.controls.flk.context import FileName, FlkContext, parse_file_name
from app.controls.flk.engine import check_header, check_person, check_record
from app.controls.flk.registry import FlkRuleSpec, Hit, all_specs, rule
from app.controls.flk.totals import FileTotals, check_file_totals  # noqa: E402  (declares the file-level rules)
from app.nsi.lookup import NsiLookup


def catalogue() -> list[FlkRuleSpec]:
    """Every implemented rule (code, element path, file types, message, validity, scope),
    sorted by code — the seed of the database rule catalogue."""
    return all_specs()


__all__ = [
    "FlkContext",
    "FileName",
    "parse_file_name",
    "NsiLookup",
    "check_header",
    "check_record",
    "check_person",
    "FileTotals",
    "check_file_totals",
    "RuleError",
    "rule",
    "Hit",
    "FlkRuleSpec",
    "catalogue",
]
