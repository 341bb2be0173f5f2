"""Organisations of the ОМС system: the fund (ТФОМС), insurers (СМО), medical organisations (МО)
and the subdivisions of an МО, each with its own code."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import Model
from app.models.vocabulary import OrgKind
from app.security.scope import ScopeRule

#: the level (подуровень) of an МО as the tariffs name it (``Tariff.level``): 1, 2, 3 or a sublevel
#: such as 3.1; the forms check it
LEVEL_PATTERN = r"^[1-9](\.[0-9]{1,2})?$"
LEVEL_MESSAGE = "Уровень МО: 1, 2, 3 или подуровень, например 3.1"


class Organisation(Model):
    __tablename__ = "organisation"
    # an МО or СМО user sees its own organisation only; the ТФОМС sees all
    __scope__ = ScopeRule(mo="id", smo="id")

    id = Column(Integer, primary_key=True)
    kind = Column(String(8), nullable=False, index=True)
    code = Column(String(6), nullable=False, unique=True)  # МО: 6 digits (F003), СМО: 5 (F002), ТФОМС: region
    name = Column(String(250), nullable=False)
    short_name = Column(String(120))
    inn = Column(String(12))
    kpp = Column(String(9))
    ogrn = Column(String(15))
    okato = Column(String(11))
    address = Column(String(250))
    bank_details = Column(String(500))
    level = Column(String(5))  # МО: уровень (подуровень) оказания помощи, 1, 2, 3, 3.1 … (КУСмо of the КСГ)
    head_name = Column(String(120))
    accountant_name = Column(String(120))
    is_active = Column(Boolean, nullable=False, default=True)

    subdivisions = relationship("Subdivision", back_populates="organisation", order_by="Subdivision.code")

    @property
    def kind_label(self) -> str:
        return OrgKind.label_of(self.kind)

    def __repr__(self) -> str:
        return f"{self.code} {self.short_name or self.name}"


class Subdivision(Model):
    __tablename__ = "subdivision"
    __table_args__ = (UniqueConstraint("code", name="uq_subdivision_code"),)
    __scope__ = ScopeRule(mo="organisation_id", subdivision="id")

    id = Column(Integer, primary_key=True)
    organisation_id = Column(Integer, ForeignKey("organisation.id"), nullable=False, index=True)
    code = Column(String(6), nullable=False)
    name = Column(String(250), nullable=False)
    is_active = Column(Boolean, nullable=False, default=True)

    organisation = relationship("Organisation", back_populates="subdivisions")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"
