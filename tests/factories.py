"""Factories for test rows, and the registry of one 'foreign row' factory per scoped model
(the scoping test needs one for every model a scoped view or API shows)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Callable, Optional

from werkzeug.security import generate_password_hash

from app.extensions import appbuilder, db
from app.models.organisation import Organisation, Subdivision
from app.models.user import OmsUser, SignatureRight

if TYPE_CHECKING:
    from app.models.intake import UploadedFile

PASSWORD = "Test-Pass-2026x"
_seq = itertools.count(1)


def unique(prefix: str = "") -> str:
    return f"{prefix}{next(_seq):04d}"


def make_org(kind: str = "mo", code: Optional[str] = None, name: Optional[str] = None) -> Organisation:
    width = {"mo": 6, "smo": 5, "tfoms": 2}[kind]
    code = code or ("9" + unique())[-width:].rjust(width, "9")
    org = Organisation(kind=kind, code=code, name=name or f"Тестовая организация {code}")
    db.session.add(org)
    db.session.commit()
    return org


def make_subdivision(org: Organisation, code: Optional[str] = None) -> Subdivision:
    code = code or ("8" + unique())[-6:].rjust(6, "8")
    sub = Subdivision(organisation_id=org.id, code=code, name=f"Подразделение {code}")
    db.session.add(sub)
    db.session.commit()
    return sub


def make_user(
    org: Organisation,
    role: str,
    subdivision: Optional[Subdivision] = None,
    rights: tuple[str, ...] = (),
    password: str = PASSWORD,
) -> OmsUser:
    name = unique("user_")
    user = OmsUser(
        username=name,
        first_name="Тест",
        last_name=name,
        email=f"{name}@test.local",
        password=generate_password_hash(password),
        active=True,
        organisation_id=org.id,
        subdivision_id=subdivision.id if subdivision else None,
    )
    db.session.add(user)
    user.roles = [appbuilder.sm.find_role(role)]
    user.signature_rights = db.session.query(SignatureRight).filter(SignatureRight.code.in_(rights)).all()
    db.session.add(user)
    db.session.commit()
    return user


def org_by_code(code: str) -> Organisation:
    return db.session.query(Organisation).filter_by(code=code).one()


def sub_by_code(code: str) -> Subdivision:
    return db.session.query(Subdivision).filter_by(code=code).one()


# -- foreign rows for the scoping test -------------------------------------------------------------
# model -> factory(owner_mo: Organisation, owner_subdivision: Subdivision, payer_smo: Organisation)
# returning a row that belongs to owner_mo / owner_subdivision (and is paid by payer_smo where the
# model has a payer).  Every model of a scoped view or API must be here: the test checks it.
def make_uploaded_file(mo, sub=None, status="Процесс загрузки завершен") -> "UploadedFile":
    from app.models.intake import UploadedFile

    row = UploadedFile(
        organisation_id=mo.id,
        subdivision_id=sub.id if sub else None,
        archive_name=f"HM{mo.code}T14_2601{unique()}.zip",
        h_name=f"HM{mo.code}T14_26011",
        l_name=f"LM{mo.code}T14_26011",
        status=status,
        year=2026,
        month=1,
        records=0,
    )
    db.session.add(row)
    db.session.commit()
    return row


SCOPED_ROW_FACTORIES: dict[type, Callable] = {
    Organisation: lambda mo, sub, smo: mo,
    Subdivision: lambda mo, sub, smo: sub,
}


def make_case(mo, sub=None, status="Принят", registry=None):
    from app.models.intake import MedicalCase

    file = make_uploaded_file(mo, sub)
    case = MedicalCase(
        file_id=file.id,
        organisation_id=mo.id,
        subdivision_id=sub.id if sub else None,
        n_zap=unique(),
        idcase=unique(),
        usl_ok=3,
        year=2026,
        month=1,
        file_type="H",
        status=status if registry is None else "В реестре",
        sumv=100,
        registry_id=registry.id if registry is not None else None,
    )
    db.session.add(case)
    db.session.commit()
    return case


def make_registry(mo, sub, smo, status="Создан"):
    from app.models.registry import Registry

    reg = Registry(
        number=f"{mo.code}-T-{unique()}",
        organisation_id=mo.id,
        subdivision_id=sub.id if sub else None,
        payer_id=smo.id,
        year=2026,
        month=1,
        reg_type="АПП",
        subtype="H",
        status=status,
        cases=0,
        sum_declared=0,
        sum_calc=0,
    )
    db.session.add(reg)
    db.session.commit()
    return reg


# a view whose base filter shows only some rows of its model gets its own factory
VIEW_ROW_FACTORIES: dict[str, Callable] = {
    "ClosedRegistryView": lambda mo, sub, smo: make_registry(mo, sub, smo, status="Закрыт"),
    "RegistrySigningView": lambda mo, sub, smo: make_registry(mo, sub, smo, status="На подпись МО"),
}


def make_certificate(mo, sub=None):
    """A certificate row of a user of ``mo`` — the first login of that МО and subdivision, which in
    the scoping test is the owner (users see only their own certificates); fields only."""
    import datetime as dt

    from app.models.signing import Certificate
    from app.security.roles import ROLE_MO

    owner = db.session.query(OmsUser).filter_by(
        organisation_id=mo.id, subdivision_id=getattr(sub, "id", None)
    ).order_by(OmsUser.id).first() or make_user(mo, ROLE_MO, subdivision=sub, rights=("executor",))
    mark = unique().rjust(40, "A")[-40:]
    cert = Certificate(
        user_id=owner.id,
        organisation_id=mo.id,
        der=b"0",
        subject=f"CN=Жертва {mark}",
        issuer="CN=Test CA",
        serial=mark[:16],
        not_before=dt.datetime(2026, 1, 1),
        not_after=dt.datetime(2027, 1, 1),
        thumbprint=mark,
        active=True,
    )
    db.session.add(cert)
    db.session.commit()
    return cert


def _register_intake_factories():
    from app.models.intake import MedicalCase, UploadedFile
    from app.models.registry import Registry

    SCOPED_ROW_FACTORIES[UploadedFile] = lambda mo, sub, smo: make_uploaded_file(mo, sub)
    SCOPED_ROW_FACTORIES[MedicalCase] = lambda mo, sub, smo: make_case(mo, sub)
    SCOPED_ROW_FACTORIES[Registry] = lambda mo, sub, smo: make_registry(mo, sub, smo)
    from app.models.signing import Certificate

    SCOPED_ROW_FACTORIES[Certificate] = lambda mo, sub, smo: make_certificate(mo, sub)


_register_intake_factories()
