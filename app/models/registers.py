"""Two registers the fund keeps beside the ЕРЗ: the МО attachment of the insured (прикрепление)
and the МО licences by conditions and profile of care.  Filled by ``oms import-attachment`` and
``oms import-licences`` (CSV, see README) and, for the demo, by ``oms init-demo``; read by the МЭК
(:mod:`app.controls.mek.rules_attachment`) and shown to the fund under «Справочники».

Both name the МО by its code (F003, 6 digits) as the source files do, not by a row of
``organisation``: a register may hold МО the system has no account for.  Scope: the fund sees
every row; an МО login sees only the rows of its own code (its pages are the fund's only, see
:mod:`app.security.roles`; the scope is the second lock); an СМО sees none.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, String, UniqueConstraint, false, select

from app.models.base import Model, utcnow
from app.models.organisation import Organisation
from app.models.vocabulary import OrgKind
from app.security.scope import ScopeRule

# V006 «Классификатор условий оказания медицинской помощи»
USL_OK_NAMES = {
    1: "Стационарно",
    2: "В дневном стационаре",
    3: "Амбулаторно",
    4: "Вне медицинской организации (СМП)",
}


def _own_mo_code(model, scope):
    """An МО login: the rows whose ``mo_code`` is the code of its organisation; else nothing."""
    if scope.kind != OrgKind.MO or scope.organisation_id is None:
        return false()
    own = select(Organisation.code).where(Organisation.id == scope.organisation_id).scalar_subquery()
    return model.mo_code == own


def _big_id():
    return Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


class MoAttachment(Model):
    """One period of attachment of an insured person (ЕНП) to an МО.  The key of a row is (ЕНП,
    МО, date from): a re-import updates the end date and the subdivision / site in place."""

    __tablename__ = "mo_attachment"
    __table_args__ = (
        # the МЭК looks a case up by (ЕНП, МО) with the date: the unique index serves it
        UniqueConstraint("enp", "mo_code", "date_begin", name="uq_mo_attachment_enp_mo_begin"),
        Index("ix_mo_attachment_mo_code", "mo_code"),
    )
    __scope__ = ScopeRule(custom=_own_mo_code)

    id = _big_id()
    enp = Column(String(16), nullable=False)  # единый номер полиса
    mo_code = Column(String(6), nullable=False)  # F003 (LPU)
    subdivision_code = Column(String(8))  # the subdivision (LPU_1), if the register gives it
    site = Column(String(20))  # участок
    date_begin = Column(Date, nullable=False)
    date_end = Column(Date)  # None: attached until further notice
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"{self.enp} → {self.mo_code}"


class MoLicence(Model):
    """A licensed kind of care of an МО: conditions (USL_OK, V006) and profile (PROFIL, V002) by
    licence, with its period.  The key of a row is (МО, USL_OK, PROFIL, date from)."""

    __tablename__ = "mo_licence"
    __table_args__ = (
        UniqueConstraint("mo_code", "usl_ok", "profil", "date_begin", name="uq_mo_licence_mo_usl_ok_profil_begin"),
    )
    __scope__ = ScopeRule(custom=_own_mo_code)

    id = Column(Integer, primary_key=True)
    mo_code = Column(String(6), nullable=False)  # F003 (LPU)
    usl_ok = Column(Integer, nullable=False)  # V006: 1..4
    profil = Column(Integer, nullable=False)  # V002
    licence_number = Column(String(50))
    date_begin = Column(Date, nullable=False)
    date_end = Column(Date)  # None: valid until further notice
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def usl_ok_label(self) -> str:
        return f"{self.usl_ok} — {USL_OK_NAMES[self.usl_ok]}" if self.usl_ok in USL_OK_NAMES else str(self.usl_ok)

    def __repr__(self) -> str:
        return f"{self.mo_code} USL_OK {self.usl_ok} PROFIL {self.profil}"
