"""The signing order (the regional manual, step 8): in «На подпись МО» the executor,
then the chief accountant, then the head; in «На подпись СМО» the СМО's signer.  Pure rules."""

from __future__ import annotations

from typing import Iterable, Optional

from app.models.vocabulary import MO_SIGNING_ORDER, RegistryStatus, SigningRight

ORDER_BY_STATUS: dict[str, tuple[str, ...]] = {
    RegistryStatus.MO_SIGNING: MO_SIGNING_ORDER,
    RegistryStatus.SMO_SIGNING: (SigningRight.SMO_SIGNER,),
}


def next_role(status: str, signed_roles: Iterable[str]) -> Optional[str]:
    """The role whose turn it is, or None when nobody signs in this status."""
    done = set(signed_roles)
    for role in ORDER_BY_STATUS.get(status, ()):
        if role not in done:
            return role
    return None


def is_last(status: str, role: str) -> bool:
    """Whether this role's signature completes the status (the registry then moves on)."""
    order = ORDER_BY_STATUS.get(status, ())
    return bool(order) and order[-1] == role
