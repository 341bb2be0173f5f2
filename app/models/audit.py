"""The audit log: who did what and when. Rows are only ever added."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from app.models.base import Model, utcnow


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_org_at", "organisation_id", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    event = Column(String(40), nullable=False, index=True)
    user_id = Column(Integer, index=True)           # no foreign key: the log outlives the user
    username = Column(String(100), index=True)
    organisation_id = Column(Integer)
    object_type = Column(String(60))
    object_id = Column(String(60))
    details = Column(Text)
    ip = Column(String(45))

    @property
    def event_label(self) -> str:
        from app.core.audit import EVENTS

        return EVENTS.get(self.event, self.event)
