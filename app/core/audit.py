"""Writing the audit log: one function, used by every feature that logs an event."""

from __future__ import annotations

import json
from typing import Any, Optional

from flask import has_request_context, request

from app.extensions import db
from app.models.audit import EVENTS, AuditEvent


def record(
    event: str,
    *,
    user=None,
    username: Optional[str] = None,
    object_type: Optional[str] = None,
    object_id: Any = None,
    details: Any = None,
    session=None,
) -> AuditEvent:
    """Add one audit row to the session (the caller's transaction commits it).  ``event`` is one of
    the codes of :data:`app.models.audit.EVENTS`."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    if details is not None and not isinstance(details, str):
        details = json.dumps(details, ensure_ascii=False, default=str)
    row = AuditEvent(
        event=event,
        user_id=getattr(user, "id", None),
        username=username or getattr(user, "username", None),
        organisation_id=getattr(user, "organisation_id", None),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    (session or db.session).add(row)
    return row


def record_now(event: str, **kwargs) -> None:
    """Record and commit at once (login events, which have no other transaction)."""
    record(event, **kwargs)
    db.session.commit()
