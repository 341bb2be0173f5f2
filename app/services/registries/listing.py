"""The registries a user may see (as on «Текущие реестры» and «Закрытые реестры», for a МИС):
the filtered list with count and paging, and one registry with its documents and history.
Rows the user may not see (another МО, an СМО that is not the payer, another subdivision) are
never returned: the user's scope is always part of the query.

Filter values a list cannot take raise :class:`FilterRefused` with the message for the user."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.organisation import Organisation
from app.models.registry import Registry, RegistryDocument, RegistryStatusChange
from app.models.user import OmsUser
from app.models.vocabulary import RegistryStatus
from app.security.request_scope import get_scoped
from app.security.scope import Scope
from app.services.intake.listing import FilterRefused, parse_period
from app.services.registries.documents import documents_of
from app.services.registries.queries import filter_clause, registry_history
from app.services.registries.workflow import allowed_targets

__all__ = [
    "FILTER_KEYS",
    "FilterRefused",
    "ListedRegistry",
    "RegistryDetail",
    "list_registries",
    "registry_detail",
    "registry_status",
]

#: the filters of the list: period «ГГГГ-ММ», status, payer (its code), registry type, subtype
FILTER_KEYS = ("period", "status", "payer", "reg_type", "subtype")


@dataclass
class ListedRegistry:
    """A registry of the list and the statuses the user may move it to now."""

    registry: Registry
    allowed_statuses: list[str]


@dataclass
class RegistryDetail(ListedRegistry):
    """One registry with its documents and its status history (oldest first)."""

    documents: list[RegistryDocument] = field(default_factory=list)
    history: list[RegistryStatusChange] = field(default_factory=list)


def registry_status(text: str | None) -> RegistryStatus | None:
    """The registry status of a filter (None when empty); an unknown one -> :class:`FilterRefused`."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return RegistryStatus(text)
    except ValueError:
        raise FilterRefused(f"Неизвестный статус реестра «{text}»") from None


def _payer_id(code: str) -> int | None:
    return db.session.execute(select(Organisation.id).where(Organisation.code == code)).scalar_one_or_none()


def list_registries(
    user: OmsUser, filters: Mapping[str, str | None], page: int = 0, size: int = 100
) -> tuple[int, list[ListedRegistry]]:
    """The user's registries kept by ``filters`` (keys of :data:`FILTER_KEYS`; empty or absent
    ones keep everything; a payer code nobody has keeps nothing) as (how many in all, the rows
    of page ``page`` of ``size`` rows), newest first, each with its allowed statuses."""
    values = {key: str(filters.get(key) or "").strip() for key in FILTER_KEYS}
    parse_period(values["period"])  # refuses a malformed period
    registry_status(values["status"])  # refuses an unknown status
    chosen = {
        "period": values["period"],
        "status": values["status"],
        "reg_type": values["reg_type"],
        "subtype": values["subtype"],
    }
    if values["payer"]:
        payer_id = _payer_id(values["payer"])
        if payer_id is None:
            return 0, []
        chosen["payer_id"] = str(payer_id)
    cond = and_(Scope.of(user).clause(Registry), filter_clause(chosen))
    page, size = max(0, int(page)), max(1, int(size))
    count = db.session.execute(select(func.count()).select_from(Registry).where(cond)).scalar_one()
    rows = (
        db.session.execute(
            select(Registry)
            .where(cond)
            .options(
                selectinload(Registry.organisation), selectinload(Registry.subdivision), selectinload(Registry.payer)
            )
            .order_by(Registry.id.desc())
            .offset(page * size)
            .limit(size)
        )
        .scalars()
        .all()
    )
    return count, [ListedRegistry(reg, allowed_targets(user, reg)) for reg in rows]


def registry_detail(user: OmsUser, registry_id: int) -> RegistryDetail | None:
    """One registry of the user with its documents, history and allowed statuses; None for an
    id that does not exist or that the user may not see (the same either way)."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None:
        return None
    return RegistryDetail(
        reg, allowed_targets(user, reg), documents=documents_of(reg.id), history=registry_history(reg.id)
    )
