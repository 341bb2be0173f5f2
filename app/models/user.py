"""Users: Flask-AppBuilder's user extended with the organisation, the subdivision limit,
the account lock and the signature rights."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import relationship

from app.models.base import Model
from app.security.scope import ScopeRule


class SignatureRight(Model):
    __tablename__ = "signature_right"
    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)
    name = Column(String(60), nullable=False)

    def __repr__(self) -> str:
        return self.name


user_signature_right = Table(
    "user_signature_right",
    Model.metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False),
    Column("signature_right_id", Integer, ForeignKey("signature_right.id"), nullable=False),
    UniqueConstraint("user_id", "signature_right_id", name="uq_user_signature_right"),
)


class OmsUser(User):
    __tablename__ = "ab_user"
    __scope__ = ScopeRule(mo="organisation_id", smo="organisation_id", subdivision="subdivision_id")

    organisation_id = Column(Integer, ForeignKey("organisation.id"), index=True)
    subdivision_id = Column(Integer, ForeignKey("subdivision.id"), index=True)
    locked_at = Column(DateTime)  # when the account was last locked after failed logins
    locked_until = Column(DateTime)  # the lock lasts until then (it grows with repeated locks)
    lock_count = Column(Integer, nullable=False, default=0, server_default="0")  # locks in a row
    # sessions carry the epoch they were made in; a logout or a new password moves it on, and every
    # earlier session cookie stops working
    session_epoch = Column(Integer, nullable=False, default=0, server_default="0")

    organisation = relationship("Organisation", foreign_keys=[organisation_id])
    subdivision = relationship("Subdivision", foreign_keys=[subdivision_id])
    signature_rights = relationship(SignatureRight, secondary=user_signature_right, lazy="selectin")

    def has_signature_right(self, code: str) -> bool:
        return any(r.code == code for r in self.signature_rights)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > dt.datetime.now()
