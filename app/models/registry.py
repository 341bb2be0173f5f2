"""Registries (реестры счетов) formed from accepted cases, one per payer, and their status history."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import Model, Money, utcnow
from app.models.vocabulary import SUBTYPE_NAMES, RegistryStatus
from app.security.scope import ScopeRule


class Registry(Model):
    __tablename__ = "registry"
    __not_found__ = "Реестр не найден"
    __scope__ = ScopeRule(mo="organisation_id", subdivision="subdivision_id", smo="payer_id")
    __table_args__ = (
        UniqueConstraint("organisation_id", "number", name="uq_registry_org_number"),
        Index("ix_registry_org_status_period", "organisation_id", "status", "year", "month"),
        Index("ix_registry_payer_status", "payer_id", "status"),
    )

    id = Column(Integer, primary_key=True)
    number = Column(String(30), nullable=False)
    organisation_id = Column(Integer, ForeignKey("organisation.id"), nullable=False)
    subdivision_id = Column(Integer, ForeignKey("subdivision.id"))
    payer_id = Column(Integer, ForeignKey("organisation.id"), nullable=False)
    year = Column(Integer, nullable=False)
    month = Column(Integer, nullable=False)
    reg_type = Column(String(20), nullable=False)
    subtype = Column(String(2), nullable=False)
    status = Column(String(20), nullable=False, default=RegistryStatus.CREATED)
    cases = Column(Integer, nullable=False, default=0)
    sum_declared = Column(Money(), nullable=False, default=0)
    sum_calc = Column(Money(), nullable=False, default=0)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    changed_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    error = Column(Text)  # the last failure of its background work
    mek_refused = Column(Integer, nullable=False, default=0, server_default="0")  # «Кол-во зак случаев, снятых по МЭК»
    mek_loaded_at = Column(DateTime)  # when the payer loaded its МЭК results file

    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    subdivision = relationship("Subdivision")
    payer = relationship("Organisation", foreign_keys=[payer_id])
    created_by = relationship("OmsUser")

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def subtype_name(self) -> str:
        return SUBTYPE_NAMES.get(self.subtype, self.subtype)

    def __repr__(self) -> str:
        return f"реестр {self.number}"


class RegistryStatusChange(Model):
    __tablename__ = "registry_status_change"
    __table_args__ = (Index("ix_registry_status_change_registry", "registry_id", "at"),)

    id = Column(Integer, primary_key=True)
    registry_id = Column(Integer, ForeignKey("registry.id", ondelete="CASCADE"), nullable=False)
    from_status = Column(String(20))
    to_status = Column(String(20), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    username = Column(String(100))
    at = Column(DateTime, nullable=False, default=utcnow)
    comment = Column(Text)


class CaseVersion(Model):
    """What a load did with each case of a file against the versions already known: «новый»,
    «обновлен», «без изменений», «пропущен: уже в реестре N» (the skipped ones are not stored)."""

    __tablename__ = "case_version"
    __scope__ = ScopeRule(mo="organisation_id", subdivision="subdivision_id")
    __table_args__ = (Index("ix_case_version_file_outcome", "file_id", "outcome"),)

    id = Column(Integer, primary_key=True)
    file_id = Column(Integer, ForeignKey("uploaded_file.id", ondelete="CASCADE"), nullable=False)
    organisation_id = Column(Integer, nullable=False)
    subdivision_id = Column(Integer)
    case_id = Column(BigInteger().with_variant(Integer, "sqlite"))  # the stored version (None: skipped)
    earlier_case_id = Column(BigInteger().with_variant(Integer, "sqlite"))  # what it replaced or what blocked it
    n_zap = Column(String(8))
    idcase = Column(String(11))
    outcome = Column(String(60), nullable=False)
    registry_number = Column(String(30))


class RegistryDocument(Model):
    """A generated document of a registry (the registry file, «Счет», «Реестр счета», «Сводный
    реестр», «Акт МЭК»), stored with its SHA-256."""

    __tablename__ = "registry_document"
    __table_args__ = (UniqueConstraint("registry_id", "kind", name="uq_registry_document_kind"),)

    id = Column(Integer, primary_key=True)
    registry_id = Column(Integer, ForeignKey("registry.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)  # registry_file, invoice, registry_list, summary, mek_act
    title = Column(String(120), nullable=False)
    file_name = Column(String(120), nullable=False)
    path = Column(String(500), nullable=False)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class UserPreference(Model):
    """A user's remembered choice of the pages (e.g. the extra columns of «Закрытые реестры»)."""

    __tablename__ = "user_preference"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_user_preference_key"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    key = Column(String(60), nullable=False)
    value = Column(Text)


class RegistryRefusal(Model):
    """A case of a registry refused (fully or partly) by the payer's МЭК, from its results file."""

    __tablename__ = "registry_refusal"
    __table_args__ = (Index("ix_registry_refusal_registry", "registry_id"),)

    id = Column(Integer, primary_key=True)
    registry_id = Column(Integer, ForeignKey("registry.id", ondelete="CASCADE"), nullable=False)
    case_id = Column(BigInteger().with_variant(Integer, "sqlite"))
    n_zap = Column(String(8))
    idcase = Column(String(11))
    oplata = Column(Integer)
    sumv = Column(Money())
    sump = Column(Money())
    sank_it = Column(Money())
    codes = Column(String(200))  # S_OSN (F014) of the sanctions, joined
    s_tip = Column(String(40))
    num_act = Column(String(30))
    date_act = Column(DateTime)
    comment = Column(String(500))
