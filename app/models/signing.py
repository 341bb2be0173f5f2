"""Electronic signatures: users' certificates, the trust roots of the region, and the signatures
of a registry's documents (one signing step per role, one detached CMS per document).

Private keys are never stored: only certificates and the detached signatures."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import Model, utcnow
from app.security.scope import ScopeRule


class Certificate(Model):
    """A user's certificate (the public part only), parsed on upload."""

    __tablename__ = "certificate"
    __scope__ = ScopeRule(mo="organisation_id", smo="organisation_id")
    __table_args__ = (UniqueConstraint("user_id", "thumbprint", name="uq_certificate_user_thumbprint"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = Column(Integer, ForeignKey("organisation.id"), nullable=False, index=True)
    der = Column(LargeBinary, nullable=False)
    subject = Column(String(500), nullable=False)
    issuer = Column(String(500), nullable=False)
    serial = Column(String(80), nullable=False)
    not_before = Column(DateTime, nullable=False)
    not_after = Column(DateTime, nullable=False)
    thumbprint = Column(String(40), nullable=False, index=True)  # SHA-1, hex, upper case
    active = Column(Boolean, nullable=False, default=True, server_default="1")
    uploaded_at = Column(DateTime, nullable=False, default=utcnow)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"))

    user = relationship("OmsUser", foreign_keys=[user_id])
    organisation = relationship("Organisation")
    uploaded_by = relationship("OmsUser", foreign_keys=[uploaded_by_id])

    @property
    def signature_rights(self) -> str:
        """The owner's signing rights, shown next to the certificate («право подписи»)."""
        return ", ".join(r.name for r in self.user.signature_rights) if self.user else ""

    def __repr__(self) -> str:
        return f"{self.thumbprint} ({self.subject})"


class TrustRoot(Model):
    """A CA certificate the region accepts: every signer certificate must chain to one."""

    __tablename__ = "trust_root"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    der = Column(LargeBinary, nullable=False)
    subject = Column(String(500), nullable=False)
    serial = Column(String(80), nullable=False)
    not_before = Column(DateTime, nullable=False)
    not_after = Column(DateTime, nullable=False)
    thumbprint = Column(String(40), nullable=False, unique=True)
    active = Column(Boolean, nullable=False, default=True, server_default="1")
    added_at = Column(DateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return self.name


class RegistrySigning(Model):
    """One signing step of a registry: a role signed every document (or paper replaced it)."""

    __tablename__ = "registry_signing"
    __table_args__ = (UniqueConstraint("registry_id", "role", name="uq_registry_signing_role"),)

    id = Column(Integer, primary_key=True)
    registry_id = Column(Integer, ForeignKey("registry.id", ondelete="CASCADE"), nullable=False, index=True)
    role = Column(String(20), nullable=False)  # executor, chief_accountant, head, smo_signer, paper_*
    method = Column(String(20), nullable=False)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    username = Column(String(100), nullable=False)
    certificate_id = Column(Integer, ForeignKey("certificate.id"))
    signed_at = Column(DateTime, nullable=False, default=utcnow)
    comment = Column(Text)

    certificate = relationship("Certificate")
    signatures = relationship(
        "DocumentSignature", back_populates="signing", cascade="all, delete-orphan", passive_deletes=True
    )


class DocumentSignature(Model):
    """The detached CMS (CAdES-BES) signature of one document by one signing step."""

    __tablename__ = "document_signature"
    __table_args__ = (UniqueConstraint("signing_id", "document_id", name="uq_document_signature"),)

    id = Column(Integer, primary_key=True)
    signing_id = Column(Integer, ForeignKey("registry_signing.id", ondelete="CASCADE"), nullable=False, index=True)
    document_id = Column(Integer, ForeignKey("registry_document.id", ondelete="CASCADE"), nullable=False, index=True)
    document_sha256 = Column(String(64), nullable=False)  # of the bytes signed
    signature = Column(LargeBinary, nullable=False)  # DER CMS SignedData (detached)

    signing = relationship("RegistrySigning", back_populates="signatures")
    document = relationship("RegistryDocument")
