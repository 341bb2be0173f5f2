"""The mail channel's inbox folder: every archive the watcher loaded, by its content hash (a
refused archive leaves no row: once its МО is known, the same file is taken).

The unique hash is the guard against a second load of the same archive — dropped again, or seen
by two watchers at once: whoever inserts the row first loads it."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint

from app.models.base import Model, utcnow


class InboxArchive(Model):
    __tablename__ = "inbox_archive"
    __table_args__ = (UniqueConstraint("sha256", name="uq_inbox_archive_sha256"),)

    id = Column(Integer, primary_key=True)
    sha256 = Column(String(64), nullable=False)
    archive_name = Column(String(255), nullable=False)
    received_at = Column(DateTime, nullable=False, default=utcnow)
    organisation_id = Column(Integer, ForeignKey("organisation.id"))
    file_id = Column(Integer, ForeignKey("uploaded_file.id", ondelete="SET NULL"))
