"""«Ваша очередь подписать»: the registries of a signing status whose next step is the user's
signing right — the order of :mod:`app.signing.order` (in «На подпись МО» the executor, the chief
accountant, the head; in «На подпись СМО» the payer's signer), checked by the signing service's own
:func:`~app.services.signing.registry_signing.refusal_to_sign`, so the home page and the signing
page never disagree.  The certificate is not asked for here: a signer without one still sees their
turn, with a word that a certificate must be registered first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.registry import Registry
from app.models.signing import RegistrySigning
from app.models.user import OmsUser
from app.models.vocabulary import Resource
from app.security.scope import Scope
from app.services.dashboards import links
from app.services.dashboards.shared import SHOWN, ZERO, Figure, RegistryLink, figure, registry_link
from app.services.signing.certificates import active_certificates
from app.services.signing.registry_signing import refusal_to_sign
from app.signing.order import ORDER_BY_STATUS


@dataclass(frozen=True)
class SigningQueue:
    """«Ваша очередь подписать»: the registries of the scope in a signing status (``waiting``) and
    those whose next signing step is a right of this user (``mine``, each to its signing page).
    ``no_certificate``: the user holds the right but has no valid registered certificate yet."""

    status: str
    waiting: Figure
    mine: list[RegistryLink]  # the first of them (the oldest first); ``mine_count`` counts them all
    mine_count: int
    no_certificate: bool
    certificates_url: str


def signing_queue(user: OmsUser, status: str) -> Optional[SigningQueue]:
    """The queue of one signing status for a user holding one of its rights (None otherwise)."""
    if not any(user.has_signature_right(role) for role in ORDER_BY_STATUS.get(status, ())):
        return None
    cond = and_(Scope.of(user).clause(Registry), Registry.status == status)
    regs = list(
        db.session.execute(
            select(Registry).where(cond).options(selectinload(Registry.organisation)).order_by(Registry.id)
        ).scalars()
    )
    steps: dict[int, list[tuple[str, Optional[int]]]] = {r.id: [] for r in regs}
    if regs:
        for reg_id, role, user_id in db.session.execute(
            select(RegistrySigning.registry_id, RegistrySigning.role, RegistrySigning.user_id)
            .where(RegistrySigning.registry_id.in_(list(steps)))
            .order_by(RegistrySigning.id)
        ):
            steps[reg_id].append((role, user_id))
    mine = [r for r in regs if refusal_to_sign(user, r, signings=steps[r.id], has_certificate=True) is None]
    total = sum((r.sum_declared or ZERO) for r in regs)
    return SigningQueue(
        status=status,
        waiting=figure(user, Resource.REGISTRY, len(regs), links.registries_list(status), total),
        mine=[registry_link(r, links.signing_page(r.id)) for r in mine[:SHOWN]],
        mine_count=len(mine),
        no_certificate=bool(mine) and not active_certificates(user),
        certificates_url=links.certificates(),
    )
