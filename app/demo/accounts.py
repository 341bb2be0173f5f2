"""Demo data: the fund of Yakutia, two СМО, two МО (one with subdivisions) and the demo logins.

Idempotent: rows are found by code / login and updated, never duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from flask import current_app

from app.extensions import appbuilder, db
from app.models.organisation import Organisation, Subdivision
from app.models.user import OmsUser
from app.models.vocabulary import OrgKind
from app.security.roles import ROLE_ADMIN, ROLE_MO, ROLE_SMO
from app.services.accounts.users import ensure_signature_rights

ORGANISATIONS = [
    dict(
        kind=OrgKind.TFOMS,
        code="14",
        name="ТФОМС Республики Саха (Якутия)",
        short_name="ТФОМС РС(Я)",
        inn="1435027985",
        kpp="143501001",
        ogrn="1021401050540",
        okato="98",
        address="677018, г. Якутск, ул. Ярославского, д. 30/1",
        head_name="Директор ТФОМС",
        accountant_name="Главный бухгалтер ТФОМС",
    ),
    dict(
        kind=OrgKind.SMO,
        code="14001",
        name="АО «Страховая компания «Капитал МС» (филиал в РС(Я))",
        short_name="Капитал МС",
        inn="7813171100",
        kpp="143543001",
        ogrn="1027806865481",
        okato="98",
        address="677000, г. Якутск, пр. Ленина, д. 1",
    ),
    dict(
        kind=OrgKind.SMO,
        code="14002",
        name="АО «Страховая медицинская компания «Сахамедстрах»",
        short_name="Сахамедстрах",
        inn="1435028701",
        kpp="143501001",
        ogrn="1021401047799",
        okato="98",
        address="677000, г. Якутск, ул. Орджоникидзе, д. 38",
    ),
    dict(
        kind=OrgKind.MO,
        code="140001",
        name="ГБУ РС(Я) «Республиканская больница №1»",
        short_name="РБ №1",
        inn="1435000001",
        kpp="143501001",
        ogrn="1021401000001",
        okato="98",
        address="677019, г. Якутск, Сергеляхское шоссе, 4 км",
        head_name="Иванов И. И.",
        accountant_name="Петрова П. П.",
        bank_details="р/с 03224643980000001600 в Отделении-НБ Республика Саха (Якутия), БИК 019805001",
    ),
    dict(
        kind=OrgKind.MO,
        code="140002",
        name="ГБУ РС(Я) «Якутская городская больница №2»",
        short_name="ЯГБ №2",
        inn="1435000002",
        kpp="143501001",
        ogrn="1021401000002",
        okato="98",
        address="677000, г. Якутск, ул. Стадухина, д. 81",
        head_name="Сидоров С. С.",
        accountant_name="Кузнецова К. К.",
        bank_details="р/с 03224643980000001601 в Отделении-НБ Республика Саха (Якутия), БИК 019805001",
    ),
]
SUBDIVISIONS = [
    dict(org="140001", code="140011", name="Поликлиника РБ №1"),
    dict(org="140001", code="140012", name="Стационар РБ №1"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    org: str
    role: str
    subdivision: Optional[str] = None
    rights: tuple[str, ...] = ()


DEMO_LOGINS = [
    DemoLogin("tfoms_admin", "Администратор", "ТФОМС", "14", ROLE_ADMIN, rights=("paper",)),
    DemoLogin("mo1_operator", "Оператор", "РБ №1", "140001", ROLE_MO),
    DemoLogin("mo1_sub1_operator", "Оператор поликлиники", "РБ №1", "140001", ROLE_MO, "140011"),
    DemoLogin("mo1_executor", "Экономист", "РБ №1", "140001", ROLE_MO, rights=("executor",)),
    DemoLogin("mo1_accountant", "Главный бухгалтер", "РБ №1", "140001", ROLE_MO, rights=("chief_accountant",)),
    DemoLogin("mo1_head", "Главный врач", "РБ №1", "140001", ROLE_MO, rights=("head",)),
    DemoLogin("mo2_operator", "Оператор", "ЯГБ №2", "140002", ROLE_MO),
    DemoLogin("smo1_specialist", "Специалист", "Капитал МС", "14001", ROLE_SMO),
    DemoLogin("smo1_signer", "Подписант", "Капитал МС", "14001", ROLE_SMO, rights=("smo_signer",)),
    DemoLogin("smo2_specialist", "Специалист", "Сахамедстрах", "14002", ROLE_SMO),
]


def _upsert(model, key: dict, values: dict):
    row = db.session.query(model).filter_by(**key).one_or_none()
    if row is None:
        row = model(**key)
        db.session.add(row)
    for k, v in values.items():
        setattr(row, k, v)
    return row


def init_demo(password: Optional[str] = None) -> dict:
    """Create or refresh the demo organisations and logins. Returns what exists afterwards."""
    password = password or current_app.config["DEMO_PASSWORD"]
    sm = appbuilder.sm
    rights = ensure_signature_rights()
    orgs = {}
    for spec in ORGANISATIONS:
        values = {k: v for k, v in spec.items() if k != "code"}
        orgs[spec["code"]] = _upsert(Organisation, {"code": spec["code"]}, values)
    db.session.flush()
    subs = {}
    for spec in SUBDIVISIONS:
        subs[spec["code"]] = _upsert(
            Subdivision, {"code": spec["code"]}, {"name": spec["name"], "organisation_id": orgs[spec["org"]].id}
        )
    db.session.flush()
    from werkzeug.security import generate_password_hash

    for login in DEMO_LOGINS:
        role = sm.find_role(login.role)
        if role is None:
            raise RuntimeError(f"Роль «{login.role}» не найдена: сначала выполните oms sync-roles")
        user = db.session.query(OmsUser).filter_by(username=login.username).one_or_none()
        if user is None:
            user = OmsUser(
                username=login.username,
                email=f"{login.username}@demo.oms.local",
                password=generate_password_hash(password),
                active=True,
            )
            db.session.add(user)
        user.first_name = login.first_name
        user.last_name = login.last_name
        user.roles = [role]
        user.organisation_id = orgs[login.org].id
        user.subdivision_id = subs[login.subdivision].id if login.subdivision else None
        user.signature_rights = [rights[r] for r in login.rights]
    db.session.commit()
    return {"organisations": len(orgs), "subdivisions": len(subs), "users": len(DEMO_LOGINS)}
