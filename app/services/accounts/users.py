"""Rules for users: an organisation, an optional subdivision of it, rights that fit its type."""
from __future__ import annotations

from app.models.vocabulary import OrgKind
from app.models.vocabulary import SigningRight
from app.models.user import OmsUser


class UserRuleError(ValueError):
    pass


def validate_user_organisation(user: OmsUser) -> None:
    org = user.organisation
    if user.subdivision is not None:
        if org is None or user.subdivision.organisation_id != org.id:
            raise UserRuleError("Подразделение должно принадлежать организации пользователя")
    for right in user.signature_rights or []:
        # the payer's signer: an СМО, or the ТФОМС, which pays the «Иногородние» registries
        if right.code == SigningRight.SMO_SIGNER and (org is None or org.kind not in (OrgKind.SMO, OrgKind.TFOMS)):
            raise UserRuleError("Право «Подписант СМО» дается только пользователю СМО или ТФОМС "
                                "(плательщика реестров «Иногородние»)")
        if right.code != SigningRight.SMO_SIGNER and (org is None or org.kind != OrgKind.MO):
            raise UserRuleError(f"Право «{right.name}» дается только пользователю МО")
