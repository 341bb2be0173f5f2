"""A background job mirrored from RQ: queue, status, progress, times, error, and the heartbeat of
the process running it (a job whose process died is found by its silence)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text

from app.models.base import Model, utcnow
from app.models.vocabulary import JobStatus


class BackgroundJob(Model):
    __tablename__ = "background_job"

    id = Column(Integer, primary_key=True)
    rq_id = Column(String(64), unique=True)
    queue = Column(String(40), nullable=False, default="default")
    func = Column(String(200), nullable=False)
    title = Column(String(250), nullable=False)
    status = Column(String(12), nullable=False, default=JobStatus.QUEUED, index=True)
    progress = Column(Integer, nullable=False, default=0)
    message = Column(String(500))
    error = Column(Text)
    result = Column(Text)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    started_at = Column(DateTime)
    finished_at = Column(DateTime)
    user_id = Column(Integer)
    organisation_id = Column(Integer, index=True)
    arguments = Column(Text)  # JSON: the job's arguments (to end or queue it again)
    worker = Column(String(120))  # host:pid of the process running it
    heartbeat_at = Column(DateTime)  # written every few seconds while it runs

    @property
    def status_label(self) -> str:
        return JobStatus.label_of(self.status)
