"""Rules for users: an organisation, an optional subdivision of it, rights that fit its type."""
from __future__ import annotations

from app.models.organisation import ORG_MO, ORG_SMO, ORG_TFOMS
from app.models.user import RIGHT_SMO_SIGNER


class UserRuleError(ValueError):
    pass


def validate_user_organisation(user) -> None:
    org = user.organisation
    if user.subdivision is not None:
        if org is None or user.subdivision.organisation_id != org.id:
            raise UserRuleError("Подразделение должно принадлежать организации пользователя")
    for right in user.signature_rights or []:
        # the payer's signer: an СМО, or the ТФОМС, which pays the «Иногородние» registries
        if right.code == RIGHT_SMO_SIGNER and (org is None or org.kind not in (ORG_SMO, ORG_TFOMS)):
            raise UserRuleError("Право «Подписант СМО» дается только пользователю СМО или ТФОМС "
                                "(плательщика реестров «Иногородние»)")
        if right.code != RIGHT_SMO_SIGNER and (org is None or org.kind != ORG_MO):
            raise UserRuleError(f"Право «{right.name}» дается только пользователю МО")
