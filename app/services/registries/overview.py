"""What the registry pages show besides the list's own columns: the actions of each row of a page
of «Текущие реестры» (the statuses the user may choose, whether it is their turn to sign, «Повторить»)
computed for the whole page at once, and the registry page (documents, history, signatures with a
fresh verification, the payer's refusals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from app.core.bulk_update import in_values
from app.extensions import db
from app.models.registry import Registry, RegistryDocument, RegistryRefusal, RegistryStatusChange
from app.models.user import OmsUser
from app.security.request_scope import get_scoped
from app.security.scope import Scope
from app.services.registries import mek_results, workflow
from app.services.registries.documents import documents_of
from app.services.registries.queries import registry_history
from app.services.signing import registry_signing


@dataclass(frozen=True)
class RowActions:
    status: str
    error: Optional[str]  # the last failure of the registry's background work
    targets: list[str]  # the statuses the user may move it to now
    can_sign: bool  # the user's turn to sign
    can_retry: bool  # «Повторить» the documents


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
    return {
        r.id: RowActions(
            status=r.status,
            error=r.error,
            targets=workflow.allowed_targets(user, r),
            can_sign=turns.get(r.id, False),
            can_retry=workflow.may_retry_documents(user, r),
        )
        for r in regs
    }


@dataclass(frozen=True)
class RegistryOverview:
    registry: Registry
    documents: list[RegistryDocument]
    history: list[RegistryStatusChange]
    checks: list[registry_signing.SignatureCheck]
    refusals: list[RegistryRefusal]
    can_load_results: bool


def registry_overview(user: OmsUser, registry_id: int) -> Optional[RegistryOverview]:
    """The registry page, or None outside the user's scope."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return None
    return RegistryOverview(
        registry=reg,
        documents=documents_of(reg.id),
        history=registry_history(reg.id),
        checks=registry_signing.verify_registry(reg.id),
        refusals=mek_results.refusals_of(reg.id),
        can_load_results=mek_results.may_load_results(user, reg),
    )
