"""What the registry pages show besides the list's own columns: the actions of each row of a page
of «Текущие реестры» (the statuses the user may choose, whether it is their turn to sign, «Повторить»)
computed for the whole page at once, what the МЭК withheld of each registry (fully refused cases and
partial withholdings, so «Сумма к оплате» against «выставленная» is explained), and the registry page
(documents, history with people's names, signatures with a fresh verification, the payer's refusals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import and_, case, func, select

from app.core.bulk_update import in_values
from app.core.withheld import Withheld
from app.extensions import db
from app.models.intake import MedicalCase
from app.models.registry import Registry, RegistryDocument, RegistryRefusal
from app.models.user import OmsUser
from app.security.request_scope import get_scoped
from app.security.scope import Scope
from app.services.accounts.people import person_name
from app.services.registries import mek_results, queries, workflow
from app.services.registries.documents import documents_of
from app.services.registries.queries import payable_expr, registry_history
from app.services.signing import registry_signing

ZERO = Decimal("0.00")


def withheld_by_registry(registry_ids: list[int]) -> dict[int, Withheld]:
    """:class:`Withheld` of each registry (one grouped query over their cases; the caller has
    scoped the ids).  The project's own МЭК and then the payer's leave their mark in the same place:
    the case's amount payable (SUMP) below its SUMV."""
    if not registry_ids:
        return {}
    payable = payable_expr()
    refused = and_(payable <= 0, MedicalCase.sumv > 0)
    partial = and_(payable > 0, payable < MedicalCase.sumv)
    cut = MedicalCase.sumv - payable
    q = (
        select(
            MedicalCase.registry_id,
            func.sum(case((refused, 1), else_=0)),
            func.coalesce(func.sum(case((refused, cut), else_=0)), 0),
            func.sum(case((partial, 1), else_=0)),
            func.coalesce(func.sum(case((partial, cut), else_=0)), 0),
        )
        .where(in_values(MedicalCase.registry_id, registry_ids))
        .group_by(MedicalCase.registry_id)
    )
    out = {i: Withheld() for i in registry_ids}
    for reg_id, n_refused, s_refused, n_partial, s_partial in db.session.execute(q):
        out[reg_id] = Withheld(
            int(n_refused or 0),
            Decimal(s_refused or 0).quantize(ZERO),
            int(n_partial or 0),
            Decimal(s_partial or 0).quantize(ZERO),
        )
    return out


@dataclass(frozen=True)
class HistoryLine:
    """A status change as people read it: who by name (ФИО), not by login."""

    at: dt.datetime
    from_status: Optional[str]
    to_status: str
    who: str
    comment: Optional[str]


def history_lines(registry_id: int) -> list[HistoryLine]:
    """The status history of a registry, oldest first, with the names of the people."""
    rows = registry_history(registry_id)
    ids = {h.user_id for h in rows if h.user_id}
    users = (
        {u.id: u for u in db.session.execute(select(OmsUser).where(in_values(OmsUser.id, list(ids)))).scalars()}
        if ids
        else {}
    )
    return [
        HistoryLine(h.at, h.from_status, h.to_status, person_name(users.get(h.user_id), h.username), h.comment)
        for h in rows
    ]


@dataclass(frozen=True)
class RowActions:
    status: str
    error: Optional[str]  # the last failure of the registry's background work
    targets: list[str]  # the statuses the user may move it to now
    can_sign: bool  # the user's turn to sign
    can_retry: bool  # «Повторить» the documents
    can_delete: bool = False  # «Удалить реестр»
    withheld: Withheld = Withheld()  # what the МЭК took off it
    needs_comment: tuple[str, ...] = ()  # the targets that need a comment
    subtype: str = ""  # the registry's subtype (H, C, T, D…)


def row_actions(user: OmsUser, registry_ids: list[int]) -> dict[int, RowActions]:
    """The actions of a page of registries, by id (registries outside the scope are left out)."""
    if not registry_ids:
        return {}
    regs = (
        db.session.execute(
            select(Registry).where(in_values(Registry.id, registry_ids), Scope.of(user).clause(Registry))
        )
        .scalars()
        .all()
    )
    turns = registry_signing.signing_turns(user, regs)
    withheld = withheld_by_registry([r.id for r in regs])
    out = {}
    for r in regs:
        targets = workflow.allowed_targets(user, r)
        out[r.id] = RowActions(
            status=r.status,
            error=r.error,
            targets=targets,
            can_sign=turns.get(r.id, False),
            can_retry=workflow.may_retry_documents(user, r),
            can_delete=queries.may_delete(user, r),
            withheld=withheld.get(r.id, Withheld()),
            needs_comment=tuple(t for t in targets if workflow.needs_comment(r.status, t)),
            subtype=r.subtype,
        )
    return out


@dataclass(frozen=True)
class RegistryOverview:
    registry: Registry
    documents: list[RegistryDocument]
    history: list[HistoryLine]
    checks: list[registry_signing.SignatureCheck]
    refusals: list[RegistryRefusal]
    can_load_results: bool
    withheld: Withheld
    signatures: list[registry_signing.SignatureRow]  # one row per signature
    steps: list[registry_signing.Step]  # исполнитель → главный бухгалтер → руководитель → СМО


def registry_overview(user: OmsUser, registry_id: int) -> Optional[RegistryOverview]:
    """The registry page, or None outside the user's scope."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return None
    checks = registry_signing.verify_registry(reg.id)
    return RegistryOverview(
        registry=reg,
        documents=documents_of(reg.id),
        history=history_lines(reg.id),
        checks=checks,
        refusals=mek_results.refusals_of(reg.id),
        can_load_results=mek_results.may_load_results(user, reg),
        withheld=withheld_by_registry([reg.id])[reg.id],
        signatures=registry_signing.signature_rows(checks),
        steps=registry_signing.signing_steps(reg, checks),
    )
