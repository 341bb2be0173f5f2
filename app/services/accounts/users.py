"""Rules for users: an organisation, an optional subdivision of it, rights that fit its type."""

from __future__ import annotations

from app.extensions import db
from app.models.user import OmsUser, SignatureRight
from app.models.vocabulary import OrgKind, SigningRight


class UserRuleError(ValueError):
    pass


def validate_user_organisation(user: OmsUser) -> None:
    org = user.organisation
    if user.subdivision is not None:
        if org is None or user.subdivision.organisation_id != org.id:
            raise UserRuleError("Подразделение должно принадлежать организации пользователя")
    for right in user.signature_rights or []:
        if right.code == SigningRight.PAPER:
            if org is None or org.kind != OrgKind.TFOMS:
                raise UserRuleError(f"Право «{right.name}» дается только пользователю ТФОМС")
            continue
        # the payer's signer: an СМО, or the ТФОМС, which pays the «Иногородние» registries
        if right.code == SigningRight.SMO_SIGNER and (org is None or org.kind not in (OrgKind.SMO, OrgKind.TFOMS)):
            raise UserRuleError(
                "Право «Подписант СМО» дается только пользователю СМО или ТФОМС (плательщика реестров «Иногородние»)"
            )
        if right.code != SigningRight.SMO_SIGNER and (org is None or org.kind != OrgKind.MO):
            raise UserRuleError(f"Право «{right.name}» дается только пользователю МО")


def ensure_signature_rights() -> dict[str, SignatureRight]:
    """The rows of the signing rights, one per :class:`SigningRight` (names kept current)."""
    rights = {r.code: r for r in db.session.query(SignatureRight).all()}
    for right in SigningRight:
        if right.value not in rights:
            rights[right.value] = SignatureRight(code=right.value, name=right.label)
            db.session.add(rights[right.value])
        else:
            rights[right.value].name = right.label
    db.session.flush()
    return rights


def init_fund(code: str, name: str, okato: str, login: str, email: str, password: str) -> dict:
    """The production start: the fund (ТФОМС) and its administrator, once.  Everything else —
    СМО, МО, logins, rights — is made in «Администрирование»."""
    from werkzeug.security import generate_password_hash

    from app.extensions import appbuilder
    from app.models.organisation import Organisation
    from app.security.roles import ROLE_ADMIN

    if len(password or "") < 12:
        raise UserRuleError("Пароль администратора: не короче 12 символов")
    fund = db.session.query(Organisation).filter_by(code=code).one_or_none()
    if fund is None:
        fund = Organisation(kind=OrgKind.TFOMS, code=code, name=name, okato=okato)
        db.session.add(fund)
    elif fund.kind != OrgKind.TFOMS:
        raise UserRuleError(f"Код {code} уже занят организацией «{fund.name}»")
    db.session.flush()
    if db.session.query(OmsUser).filter_by(username=login).one_or_none() is not None:
        raise UserRuleError(f"Логин {login} уже существует")
    role = appbuilder.sm.find_role(ROLE_ADMIN)
    if role is None:
        raise UserRuleError("Роль администратора не найдена: сначала выполните oms sync-roles")
    admin = OmsUser(
        username=login,
        email=email,
        first_name="Администратор",
        last_name=fund.name[:64],
        password=generate_password_hash(password),
        active=True,
        organisation_id=fund.id,
    )
    admin.roles = [role]
    db.session.add(admin)
    db.session.commit()
    return {"fund": fund.code, "admin": admin.username}
