"""The refusal figures a user may see, read from the kept tables (:mod:`app.models.analytics`):
every query goes through ``Scope.of(user).clause`` of the table, so the МО reads its own rows (a
subdivision-limited login its subdivision's), the СМО the rows of the cases it pays, the ТФОМС all.
The tables are small (a row per МО, subdivision, payer, month, source and code), so each figure is
one grouped query."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import ColumnElement, and_, func, select

from app.extensions import db
from app.models.analytics import RefusalSource, RefusalStat, RefusalTotal
from app.models.organisation import Organisation, Subdivision
from app.models.reference import ControlRule
from app.models.user import OmsUser
from app.security.scope import Scope
from app.services.reference.code_names import code_name

ZERO = Decimal("0.00")
#: the sources of refusals, in the order of the pages (``ALL`` is the base, not a refusal)
REFUSALS = (RefusalSource.FLK, RefusalSource.MEK, RefusalSource.PAYER)
#: the sources whose sums are lost (the payer's МЭК is within «МЭК»: «Снято по МЭК» of the file rows)
LOSSES = (RefusalSource.FLK, RefusalSource.MEK)
TREND_MONTHS = 12
NO_SUBDIVISION = "Без подразделения (вся МО)"
NO_PAYER = "Плательщик не определен"


@dataclass(frozen=True)
class Selection:
    """What the pages show: a period, a source (empty: every one) and, for the ТФОМС and the СМО, one МО."""

    year: int
    month: int
    stage: str = ""
    organisation_id: Optional[int] = None

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def months(self, count: int = TREND_MONTHS) -> list[tuple[int, int]]:
        """The ``count`` months ending at the selected one, oldest first."""
        index = self.year * 12 + self.month - 1
        return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


@dataclass
class Figure:
    cases: int = 0
    amount: Decimal = ZERO

    def add(self, cases: int, amount: object) -> None:
        self.cases += int(cases or 0)
        self.amount += _money(amount)


@dataclass
class CodeRow:
    stage: str
    code: str
    cases: int
    amount: Decimal
    message: str = ""  # the rule's text (the F014 reason's name for the payer's refusals)
    hint: str = ""  # what to fix: ControlRule.hint, else the rule's text

    @property
    def source_label(self) -> str:
        return RefusalSource.label_of(self.stage)


@dataclass
class GroupRow:
    """A row of a breakdown (a month, a subdivision, a payer, an МО): the figures of each source."""

    key: object  # (year, month), or an id (0: none)
    name: str
    organisation_id: Optional[int] = None  # the МО of a subdivision's row
    figures: dict[str, Figure] = field(default_factory=dict)

    def of(self, source: str) -> Figure:
        return self.figures.get(source) or Figure()

    @property
    def lost(self) -> Decimal:
        return sum((self.of(s).amount for s in LOSSES), ZERO)

    @property
    def lost_share(self) -> Optional[Decimal]:
        """The share of the declared sum lost (ФЛК and МЭК), in per cent, or None with nothing declared."""
        declared = self.of(RefusalSource.ALL).amount
        return (self.lost * 100 / declared).quantize(Decimal("0.1")) if declared else None


def _money(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# -- conditions ----------------------------------------------------------------------------------------
def _period_in(model: type, months: list[tuple[int, int]]) -> ColumnElement:
    (y0, m0), (y1, m1) = months[0], months[-1]
    if (y0, m0) == (y1, m1):
        return and_(model.year == y0, model.month == m0)
    return and_(model.year.between(y0, y1), (model.year * 100 + model.month).between(y0 * 100 + m0, y1 * 100 + m1))


def _where(user: OmsUser, model: type, sel: Selection, months: Optional[list[tuple[int, int]]] = None) -> list:
    conds = [Scope.of(user).clause(model), _period_in(model, months or [(sel.year, sel.month)])]
    if sel.organisation_id:
        conds.append(model.organisation_id == sel.organisation_id)
    return conds


# -- what the selectors offer --------------------------------------------------------------------------
def periods(user: OmsUser) -> list[tuple[int, int]]:
    """The periods with figures in the user's scope, newest first."""
    rows = db.session.execute(
        select(RefusalTotal.year, RefusalTotal.month)
        .where(Scope.of(user).clause(RefusalTotal), RefusalTotal.stage == RefusalSource.ALL)
        .distinct()
        .order_by(RefusalTotal.year.desc(), RefusalTotal.month.desc())
    ).all()
    return [(y, m) for y, m in rows]


def organisations(user: OmsUser) -> list[tuple[int, str]]:
    """The МО with figures in the user's scope: (id, «код — название»)."""
    ids = select(RefusalTotal.organisation_id).where(Scope.of(user).clause(RefusalTotal)).distinct()
    rows = db.session.execute(
        select(Organisation.id, Organisation.code, Organisation.short_name, Organisation.name)
        .where(Organisation.id.in_(ids))
        .order_by(Organisation.code)
    ).all()
    return [(i, f"{code} — {short or name}") for i, code, short, name in rows]


# -- figures ---------------------------------------------------------------------------------------------
def totals(user: OmsUser, sel: Selection) -> dict[str, Figure]:
    """Each source's distinct cases and sum in the selected period (``ALL``: every case, declared)."""
    out = {s: Figure() for s in (RefusalSource.ALL, *REFUSALS)}
    for stage, cases, amount in db.session.execute(
        select(RefusalTotal.stage, func.sum(RefusalTotal.cases), func.sum(RefusalTotal.amount))
        .where(*_where(user, RefusalTotal, sel))
        .group_by(RefusalTotal.stage)
    ):
        out.setdefault(stage, Figure()).add(cases, amount)
    return out


def by_month(user: OmsUser, sel: Selection, count: int = TREND_MONTHS) -> list[GroupRow]:
    """The months ending at the selected one (oldest first), each with the figures of every source."""
    months = sel.months(count)
    rows = {ym: GroupRow(ym, f"{ym[1]:02d}.{ym[0]}") for ym in months}
    for year, month, stage, cases, amount in db.session.execute(
        select(
            RefusalTotal.year,
            RefusalTotal.month,
            RefusalTotal.stage,
            func.sum(RefusalTotal.cases),
            func.sum(RefusalTotal.amount),
        )
        .where(*_where(user, RefusalTotal, sel, months))
        .group_by(RefusalTotal.year, RefusalTotal.month, RefusalTotal.stage)
    ):
        if (year, month) in rows:
            rows[(year, month)].figures.setdefault(stage, Figure()).add(cases, amount)
    return list(rows.values())


#: the breakdowns: the column of the kept tables each groups by
GROUPS = {"subdivisions": "subdivision_id", "payers": "payer_id", "organisations": "organisation_id"}


def by_group(user: OmsUser, sel: Selection, by: str) -> list[GroupRow]:
    """The figures of the selected period by subdivision (of its МО), payer or МО (``GROUPS``), the
    largest loss first.  A row's ``key`` is the id (0: none); a subdivision's row keeps its МО."""
    key = getattr(RefusalTotal, GROUPS[by])
    columns = [key, RefusalTotal.organisation_id] if by == "subdivisions" else [key]
    found: dict[tuple[int, int], GroupRow] = {}
    for row in db.session.execute(
        select(*columns, RefusalTotal.stage, func.sum(RefusalTotal.cases), func.sum(RefusalTotal.amount))
        .where(*_where(user, RefusalTotal, sel))
        .group_by(*columns, RefusalTotal.stage)
    ):
        ident = row[0] or 0
        org_id = row[1] if by == "subdivisions" else None
        stage, cases, amount = row[-3:]
        group = found.setdefault((ident, org_id or 0), GroupRow(ident, "", org_id))
        group.figures.setdefault(stage, Figure()).add(cases, amount)
    _name(by, list(found.values()))
    return sorted(found.values(), key=lambda g: (-g.lost, -g.of(RefusalSource.ALL).cases, g.name))


def _org_names(ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organisation.id, Organisation.code, Organisation.short_name, Organisation.name).where(
            Organisation.id.in_(ids)
        )
    ).all()
    return {i: f"{code} — {short or name}" for i, code, short, name in rows}


def _name(by: str, groups: list[GroupRow]) -> None:
    if by != "subdivisions":
        names = _org_names({g.key for g in groups})
        for g in groups:
            g.name = names.get(g.key) or NO_PAYER
        return
    subs = {
        i: f"{code} — {name}"
        for i, code, name in db.session.execute(
            select(Subdivision.id, Subdivision.code, Subdivision.name).where(
                Subdivision.id.in_({g.key for g in groups if g.key})
            )
        )
    }
    several = len({g.organisation_id for g in groups}) > 1
    orgs = _org_names({g.organisation_id for g in groups}) if several else {}
    for g in groups:
        if g.key:
            g.name = subs.get(g.key) or str(g.key)
        else:
            g.name = f"{orgs.get(g.organisation_id, '')}: без подразделения" if several else NO_SUBDIVISION


def by_code(
    user: OmsUser, sel: Selection, limit: Optional[int] = None, stages: tuple[str, ...] = REFUSALS
) -> list[CodeRow]:
    """The rule codes (and the payer's F014 reasons) of the selected period and source, the largest
    sum first, each with its text and what to fix."""
    wanted = [sel.stage] if sel.stage else list(stages)
    q = (
        select(RefusalStat.stage, RefusalStat.code, func.sum(RefusalStat.cases), func.sum(RefusalStat.amount))
        .where(*_where(user, RefusalStat, sel), RefusalStat.stage.in_(wanted))
        .group_by(RefusalStat.stage, RefusalStat.code)
        .order_by(func.sum(RefusalStat.amount).desc(), func.sum(RefusalStat.cases).desc(), RefusalStat.code)
    )
    if limit:
        q = q.limit(limit)
    rows = [CodeRow(stage, code, int(n or 0), _money(s)) for stage, code, n, s in db.session.execute(q)]
    describe(rows)
    return rows


def describe(rows: list[CodeRow]) -> None:
    """Give each row its text and what to fix: the catalogue's message and hint (the hint, else the
    message) for a rule; the F014 reason's name for the payer's refusals."""
    codes = {r.code for r in rows if r.stage != RefusalSource.PAYER}
    catalogue = (
        {
            code: (message or "", hint or "")
            for code, message, hint in db.session.execute(
                select(ControlRule.code, ControlRule.message, ControlRule.hint).where(ControlRule.code.in_(codes))
            )
        }
        if codes
        else {}
    )
    for r in rows:
        if r.stage == RefusalSource.PAYER:
            name = code_name("F014", r.code) or ""
            r.message, r.hint = name, name
        else:
            message, hint = catalogue.get(r.code, ("", ""))
            r.message, r.hint = message, hint or message


def code_of(user: OmsUser, sel: Selection, stage: str, code: str) -> Optional[CodeRow]:
    """One code's figures in the selected period (None when the user has none)."""
    cases, amount = db.session.execute(
        select(func.sum(RefusalStat.cases), func.sum(RefusalStat.amount)).where(
            *_where(user, RefusalStat, sel), RefusalStat.stage == stage, RefusalStat.code == code
        )
    ).one()
    if cases is None:
        return None
    row = CodeRow(stage, code, int(cases), _money(amount))
    describe([row])
    return row
