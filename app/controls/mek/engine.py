"""Running the registered МЭК rules and turning their hits into findings with sanctions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from app.controls.catalogue import RuleError, comment
from app.controls.finding import STAGE_MEK, Finding
from app.controls.mek.context import MekContext
from app.controls.mek.registry import MekHit, MekRuleSpec
from app.controls.mek.views import MekCase
from app.controls.values import tx

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass
class Sanction:
    """One МЭК finding of a case and what it withholds (SANK: S_OSN, S_SUM)."""

    finding: Finding
    refusal: str
    amount: Decimal
    full: bool  # the whole case is refused («Отклонен МЭК»)

    @property
    def code(self) -> str:
        return self.finding.code


def sanction(
    spec: MekRuleSpec,
    hit: MekHit,
    ctx: MekContext,
    *,
    sumv: Optional[Decimal],
    n_zap: Optional[str] = None,
    idcase: Optional[str] = None,
    id_pac: Optional[str] = None,
) -> Sanction:
    node = hit.node
    value = hit.value if hit.value is not None else (node.text if node is not None else None)
    finding = Finding(
        code=spec.code,
        comment=comment(ctx.message(spec), hit.detail),
        element=spec.element,
        base_element=spec.base_element,
        n_zap=n_zap,
        idcase=idcase,
        sl_id=tx(hit.sl, "SL_ID") if hit.sl is not None else None,
        idserv=tx(hit.usl, "IDSERV") if hit.usl is not None else None,
        id_pac=id_pac,
        value=value,
        line=None,
        file_kind="H",
        stage=STAGE_MEK,
    )
    share = ctx.share(spec)
    base = sumv if sumv is not None else ZERO
    if share is None:
        amount = hit.amount if hit.amount is not None else ZERO
        full = False
    else:
        amount = base * share
        full = share >= 1
    amount = max(ZERO, min(base, amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    return Sanction(finding, hit.refusal or ctx.refusal(spec), amount, full)


def check_case(case: MekCase, ctx: MekContext, scope: str = "case") -> list[Sanction]:
    """The МЭК rules of ``scope`` (``case`` or ``tariff``) on one case."""
    out: list[Sanction] = []
    for spec in ctx.active(scope):
        try:
            found = spec.fn(case, ctx)
            if found is None:  # a rule with nothing to say may return None instead of a generator
                continue
            hits: list[MekHit] = [*found]
        except Exception as exc:  # noqa: BLE001 - re-raised with the rule code
            raise RuleError(STAGE_MEK, spec.code, exc) from exc
        for hit in hits:
            out.append(
                sanction(spec, hit, ctx, sumv=case.sumv, n_zap=case.n_zap, idcase=case.idcase, id_pac=case.id_pac)
            )
    return out


@dataclass(frozen=True)
class SetCase:
    """The few values of a case a ``set`` rule returns with its hit."""

    case_id: int
    n_zap: Optional[str]
    idcase: Optional[str]
    id_pac: Optional[str]
    sumv: Optional[Decimal]


def run_set_rules(ctx: MekContext, file_id: int) -> list[tuple[int, Sanction]]:
    """The ``set`` rules (SQL over the whole file): (case id, sanction)."""
    out = []
    for spec in ctx.active("set"):
        try:
            found = list(spec.fn(ctx, file_id) or ())
        except Exception as exc:  # noqa: BLE001
            raise RuleError(STAGE_MEK, spec.code, exc) from exc
        for case, hit in found:
            out.append(
                (
                    case.case_id,
                    sanction(spec, hit, ctx, sumv=case.sumv, n_zap=case.n_zap, idcase=case.idcase, id_pac=case.id_pac),
                )
            )
    return out
