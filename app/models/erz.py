"""The register of the insured (ЕРЗ): persons and their policies over time.

The local tables are the built-in implementation of the register (see :mod:`app.erz`); a region
with its own РС ЕРЗ service plugs an adapter in instead.  Filled by ``oms import-erz`` (CSV or
XML, see README) and, for the demo, by ``oms init-demo``.

Every lookup of the identification has its index: ЕНП (unique), policy number (+ series), SNILS,
normalised surname + name + patronymic with the birth date; the search page filters by surname
and birth date.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import Model, utcnow

# F008 «Классификатор типов документов, подтверждающих факт страхования по ОМС»
POLICY_TYPES = {1: "Полис старого образца", 2: "Временное свидетельство", 3: "Полис единого образца"}


def _big_id():
    return Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)


class ErzPerson(Model):
    """An insured person of the register (one row per ЕНП)."""

    __tablename__ = "erz_person"
    __table_args__ = (
        UniqueConstraint("enp", name="uq_erz_person_enp"),
        Index("ix_erz_person_snils", "snils"),
        Index("ix_erz_person_name_dr", "name_key", "dr"),
        Index("ix_erz_person_fam_dr", "fam", "dr"),
    )

    id = _big_id()
    enp = Column(String(16), nullable=False)  # единый номер полиса
    fam = Column(String(40))
    im = Column(String(40))
    ot = Column(String(40))
    name_key = Column(String(124), nullable=False)  # «ФАМИЛИЯ ИМЯ ОТЧЕСТВО», upper case, Ё → Е
    w = Column(Integer)  # V005: 1 male, 2 female
    dr = Column(Date)
    snils = Column(String(11))  # 11 digits, no separators
    doctype = Column(String(2))  # F011
    docser = Column(String(10))
    docnum = Column(String(20))
    death_date = Column(Date)
    updated_at = Column(DateTime, default=utcnow, onupdate=utcnow)

    policies = relationship(
        "ErzPolicy",
        back_populates="person",
        order_by="ErzPolicy.date_begin",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.fam, self.im, self.ot) if p)

    def __repr__(self) -> str:
        return f"{self.enp} {self.full_name}"


class ErzPolicy(Model):
    """One policy of a person with its period, СМО and region of insurance."""

    __tablename__ = "erz_policy"
    __table_args__ = (
        UniqueConstraint(
            "person_id", "policy_type", "series", "number", "date_begin", name="uq_erz_policy_person_number_begin"
        ),
        Index("ix_erz_policy_number", "number", "series"),
    )

    id = _big_id()
    person_id = Column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("erz_person.id", ondelete="CASCADE"), nullable=False
    )
    policy_type = Column(Integer, nullable=False)  # F008: 1, 2, 3 (VPOLIS)
    series = Column(String(10), nullable=False, default="")  # "" when the policy has none
    number = Column(String(20), nullable=False)  # ЕНП for policies of type 3
    smo_code = Column(String(5))  # F002 smocod (None: an СМО of another region)
    okato = Column(String(5))  # region of insurance (F010), e.g. 98000
    date_begin = Column(Date, nullable=False)
    date_end = Column(Date)  # None: valid until further notice

    person = relationship("ErzPerson", back_populates="policies")

    @property
    def type_label(self) -> str:
        return POLICY_TYPES.get(self.policy_type, str(self.policy_type))

    def __repr__(self) -> str:
        return f"{self.series} {self.number}".strip()
