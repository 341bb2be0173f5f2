"""The home page of an СМО user (and of the ТФОМС as the payer of «Иногородние»): the registries to
take («Сформирован» → «Выгружен»), to check («Выгружен»: load the МЭК results, then return them or
pass them on to signing) and to sign («На подпись СМО»), each for the period and for every period,
and the refusals of the МЭК results loaded for the period's registries.

The registries are those addressed to the user's organisation: the scope's payer column, never an
argument of the URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.registry import Registry, RegistryRefusal
from app.models.user import OmsUser
from app.models.vocabulary import RegistryStatus, Resource
from app.security.scope import Scope
from app.services.dashboards import links
from app.services.dashboards.shared import SHOWN, ZERO, Figure, Period, PeriodChoice, RegistryLink, figure, money
from app.services.dashboards.shared import registry_link as _link
from app.services.dashboards.turns import SigningQueue, signing_queue

#: the payer's work, in the order of the workflow, as the page names it
QUEUE = (
    (RegistryStatus.FORMED, "К выгрузке"),
    (RegistryStatus.TAKEN, "На проверке"),
    (RegistryStatus.SMO_SIGNING, "На подписи СМО"),
)
REFUSED = 2  # OPLATA of the МЭК results: refused in full (3: paid in part)


@dataclass(frozen=True)
class QueueRow:
    status: str
    label: str
    period: Figure  # the chosen period's registries in this status
    every_period: Figure


@dataclass(frozen=True)
class Refusals:
    """The refusals of one registry's МЭК results: in full and in part, counts and sums withheld."""

    registry: RegistryLink
    loaded_at: Optional[dt.datetime]
    refused: int = 0
    refused_sum: Decimal = ZERO
    partial: int = 0
    partial_sum: Decimal = ZERO
    url: Optional[str] = None  # the registry's card at its refusals

    @property
    def count(self) -> int:
        return self.refused + self.partial

    @property
    def sum(self) -> Decimal:
        return self.refused_sum + self.partial_sum


@dataclass
class SmoDashboard:
    period: PeriodChoice
    queue: list[QueueRow]
    to_check: list[Refusals]  # «Выгружен», every period: results loaded or awaited
    signing: Optional[SigningQueue]
    refusals: list[Refusals] = field(default_factory=list)  # the period's registries with results loaded
    refusals_total: Optional[Refusals] = None  # over all of them (the page names the latest ones)
    refusals_registries: int = 0
    kind: str = "smo"


def _counts(user: OmsUser, period: Optional[Period]) -> dict[str, tuple[int, Decimal]]:
    conds = [Scope.of(user).clause(Registry), Registry.status.in_([s for s, _ in QUEUE])]
    if period is not None:
        conds += [Registry.year == period.year, Registry.month == period.month]
    rows = db.session.execute(
        select(Registry.status, func.count(), func.coalesce(func.sum(Registry.sum_declared), 0))
        .where(*conds)
        .group_by(Registry.status)
    ).all()
    return {status: (n, money(s)) for status, n, s in rows}


def queue(user: OmsUser, period: Period) -> list[QueueRow]:
    """Counts and sums («Выставлено») of the payer's work, for the period and for every period."""
    now, every = _counts(user, period), _counts(user, None)
    out = []
    for status, label in QUEUE:
        n, s = now.get(status, (0, ZERO))
        all_n, all_s = every.get(status, (0, ZERO))
        out.append(
            QueueRow(
                status,
                label,
                figure(user, Resource.REGISTRY, n, links.registries_list(status, period), s),
                figure(user, Resource.REGISTRY, all_n, links.registries_list(status), all_s),
            )
        )
    return out


def refusals_of(user: OmsUser, regs: list[Registry]) -> list[Refusals]:
    """:class:`Refusals` of each of these registries (already read through the user's scope)."""
    ids = [r.id for r in regs]
    sums: dict[int, tuple] = {}
    if ids:
        withheld = func.coalesce(RegistryRefusal.sank_it, 0)
        for reg_id, n_refused, s_refused, n_partial, s_partial in db.session.execute(
            select(
                RegistryRefusal.registry_id,
                func.sum(case((RegistryRefusal.oplata == REFUSED, 1), else_=0)),
                func.coalesce(func.sum(case((RegistryRefusal.oplata == REFUSED, withheld), else_=0)), 0),
                func.sum(case((RegistryRefusal.oplata != REFUSED, 1), else_=0)),
                func.coalesce(func.sum(case((RegistryRefusal.oplata != REFUSED, withheld), else_=0)), 0),
            )
            .where(RegistryRefusal.registry_id.in_(ids))
            .group_by(RegistryRefusal.registry_id)
        ):
            sums[reg_id] = (int(n_refused or 0), money(s_refused), int(n_partial or 0), money(s_partial))
    out = []
    for reg in regs:
        refused, refused_sum, partial, partial_sum = sums.get(reg.id, (0, ZERO, 0, ZERO))
        card = links.registry_card(reg.id)
        out.append(
            Refusals(
                _link(reg, card),
                reg.mek_loaded_at,
                refused,
                refused_sum,
                partial,
                partial_sum,
                figure(user, Resource.REGISTRY, refused + partial, links.registry_card(reg.id, "refusals")).url,
            )
        )
    return out


def _registries(cond: ColumnElement, order: tuple, limit: Optional[int] = None) -> list[Registry]:
    q = select(Registry).where(cond).options(selectinload(Registry.organisation)).order_by(*order)
    if limit:
        q = q.limit(limit)
    return list(db.session.execute(q).scalars())


def smo_dashboard(user: OmsUser, period: PeriodChoice) -> SmoDashboard:
    """The payer's home page for the chosen period (the registries to check and to sign: every period)."""
    scope = Scope.of(user).clause(Registry)
    taken = _registries(and_(scope, Registry.status == RegistryStatus.TAKEN), (Registry.changed_at, Registry.id), SHOWN)
    p = period.current
    loaded = _registries(
        and_(scope, Registry.year == p.year, Registry.month == p.month, Registry.mek_loaded_at.is_not(None)),
        (Registry.mek_loaded_at.desc(), Registry.id.desc()),
    )
    refusals = refusals_of(user, loaded)
    total = Refusals(
        RegistryLink(0, "", p.label, "", ZERO, ""),
        None,
        sum(r.refused for r in refusals),
        sum((r.refused_sum for r in refusals), ZERO),
        sum(r.partial for r in refusals),
        sum((r.partial_sum for r in refusals), ZERO),
    )
    return SmoDashboard(
        period=period,
        queue=queue(user, p),
        to_check=refusals_of(user, taken),
        signing=signing_queue(user, RegistryStatus.SMO_SIGNING),
        refusals=refusals[:SHOWN],
        refusals_total=total,
        refusals_registries=len(refusals),
    )
