"""Entry points that run the registered rules and build :class:`Finding` rows."""

from __future__ import annotations

from typing import Optional

from app.controls.catalogue import RuleError, comment
from app.controls.finding import STAGE_FLK, Finding
from app.controls.flk.context import FlkContext
from app.controls.flk.registry import FlkRuleSpec, Hit
from app.controls.flk.views import HeaderView, PersonView, RecordView
from app.controls.values import tx
from app.formats.codes import FORMAT, MISSING
from app.formats.record import Node


def make_finding(
    spec: FlkRuleSpec,
    hit: Hit,
    ctx: FlkContext,
    *,
    default_line: Optional[int] = None,
    n_zap: Optional[str] = None,
    idcase: Optional[str] = None,
    id_pac: Optional[str] = None,
) -> Finding:
    node = hit.node
    value = hit.value if hit.value is not None else (node.text if node is not None else None)
    where = node or hit.at or hit.usl or hit.sl
    line = where.line if where is not None and where.line is not None else default_line
    return Finding(
        code=spec.code,
        comment=comment(ctx.rules.message(spec), hit.detail),
        element=spec.element,
        base_element=spec.base_element,
        n_zap=n_zap,
        idcase=idcase,
        sl_id=tx(hit.sl, "SL_ID") if hit.sl is not None else None,
        idserv=tx(hit.usl, "IDSERV") if hit.usl is not None else None,
        id_pac=id_pac,
        value=value,
        line=line,
        file_kind=spec.target,
        stage=STAGE_FLK,
        fatal=spec.fatal,
    )


def _hits(specs: tuple, view) -> list[tuple[FlkRuleSpec, Hit]]:
    """Run the rules on one view: (rule, hit) pairs in rule order.  A rule that crashes stops the
    check with :class:`RuleError` naming it.  (One loop over the rules with no call per rule besides
    the rule itself: it runs ~150 times per record.)"""
    found = []
    spec = None
    try:
        for spec in specs:
            hits = spec.fn(view)
            if hits:
                for hit in hits:
                    found.append((spec, hit))
    except Exception as exc:  # noqa: BLE001 — re-raised with the rule code
        raise RuleError(STAGE_FLK, spec.code, exc) from exc
    return found


def _dispatched(dispatch, root: Node, view) -> list:
    try:
        return dispatch.run(root, view)
    except RuleError:
        raise
    except Exception as exc:  # noqa: BLE001 — a fault of the dispatch's own value tests
        raise RuleError(STAGE_FLK, "поэлементные правила", exc) from exc


def check_header(header: Node, ctx: FlkContext) -> list[Finding]:
    """Rules on ZL_LIST/ZGLV+SCHET (or PERS_LIST/ZGLV for the L file).  Header findings are
    ``fatal``: no case of the file can be accepted."""
    view = HeaderView(header, ctx)
    root = "PERS_LIST/" if view.is_l else "ZL_LIST/"
    specs = tuple(spec for spec in ctx.active("header") if spec.element_path.startswith(root))
    return [make_finding(spec, hit, ctx, default_line=header.line) for spec, hit in _hits(specs, view)]


def check_record(zap: Node, person: Optional[Node], ctx: FlkContext) -> list[Finding]:
    """Rules on one ZAP; ``person`` is the PERS with the same ID_PAC (None if not found — the
    missing person is reported by :class:`~app.controls.flk.totals.FileTotals`, and the rules on
    PERS elements that need the record are skipped).  Findings on PERS elements carry
    ``file_kind="L"`` and the record's N_ZAP/IDCASE."""
    view = RecordView(zap, person, ctx)
    found = _hits(ctx.record_rules(with_person=person is not None), view)
    dispatch = ctx.official_dispatch()
    if dispatch is not None:
        found += _dispatched(dispatch, zap, view)
    if not found:
        return []
    if len(found) > 1:
        found = without_cascade(found)
    out: list[Finding] = []
    for spec, hit in found:
        out.append(
            make_finding(
                spec,
                hit,
                ctx,
                default_line=(person.line if spec.target == "L" and person is not None else zap.line),
                n_zap=view.n_zap,
                idcase=view.idcase,
                id_pac=view.id_pac,
            )
        )
    return out


#: families of the rules that check one element's own value (reference look-ups, value lists,
#: format): an element they find wrong is not read by the conditional rules of the same record
VALUE_FAMILIES = frozenset({"001F", "002F", "004F", "005F"})


def without_cascade(found: list) -> list:
    """The ``(spec, hit)`` pairs of one record less those of conditional rules that read an element
    a value rule found wrong: one wrong NOVOR is one error, not one per rule that asks whether the
    patient is a newborn."""
    wrong = {spec.element_path for spec, _ in found if spec.code[:4] in VALUE_FAMILIES}
    if not wrong:
        return found
    return [
        (spec, hit)
        for spec, hit in found
        if spec.code[:4] in VALUE_FAMILIES or not spec.reads or wrong.isdisjoint(spec.reads)
    ]


#: structural code → the Q015 family that names the same fault under its own code
_SUPERSEDES = {MISSING: "003F", FORMAT: "004F"}


def prefer_rule_codes(found: list[Finding]) -> list[Finding]:
    """A record's findings less the structural 902/903 of an element a Q015 rule reported at the same
    place under its own code (a missing required element is 003F.…, a bad format 004F.…): one fault,
    one error, under the official code where Q015 has one."""
    if len(found) < 2:
        return found
    named = {(f.code[:4], f.element, f.line, f.file_kind) for f in found if f.code[:4] in ("003F", "004F")}
    if not named:
        return found
    return [
        f
        for f in found
        if not (f.code in _SUPERSEDES and (_SUPERSEDES[f.code], f.element, f.line, f.file_kind) in named)
    ]


def check_person(pers: Node, ctx: FlkContext) -> list[Finding]:
    """Rules on one PERS of the L file that need nothing from the H file."""
    view = PersonView(pers, ctx)
    found = _hits(ctx.person_rules(), view)
    dispatch = ctx.official_dispatch("person")
    if dispatch is not None:
        found += _dispatched(dispatch, pers, view)
    return [make_finding(spec, hit, ctx, default_line=pers.line, id_pac=view.id_pac) for spec, hit in found]
