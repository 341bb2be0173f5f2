"""Audit of user and role changes, whatever the channel (views, API, command line):
a ``before_flush`` listener turns changes of ``ab_user`` and ``ab_role`` rows into audit rows of
the same transaction, and Flask-Login's logout signal is logged too."""

from __future__ import annotations

from flask import Flask
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models.user import OmsUser

# bookkeeping columns that change at every login: not an administrative change
_USER_NOISE = {"last_login", "login_count", "fail_login_count", "changed_on", "changed_by_fk"}
_SECRET = {"password"}


def _changed_fields(obj, ignore: set[str]) -> list[str]:
    state = inspect(obj)
    changed = []
    for attr in state.mapper.column_attrs:
        if attr.key in ignore:
            continue
        if state.attrs[attr.key].history.has_changes():
            changed.append(attr.key)
    for rel in state.mapper.relationships:
        if state.attrs[rel.key].history.has_changes():
            changed.append(rel.key)
    return changed


def _actor():
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user
    return None


def _on_before_flush(session: Session, _ctx, _instances) -> None:
    from app.core.audit import record

    entries = []
    for obj in session.dirty:
        if isinstance(obj, OmsUser):
            fields = _changed_fields(obj, _USER_NOISE)
            if fields:
                shown = ["password (новый)" if f in _SECRET else f for f in fields]
                entries.append(("user_changed", obj, {"username": obj.username, "fields": shown}))
        elif isinstance(obj, Role):
            fields = _changed_fields(obj, set())
            if fields:
                entries.append(("role_changed", obj, {"name": obj.name, "fields": fields}))
    for obj in session.deleted:
        if isinstance(obj, OmsUser):
            entries.append(("user_deleted", obj, {"username": obj.username}))
        elif isinstance(obj, Role):
            entries.append(("role_deleted", obj, {"name": obj.name}))
    actor = _actor()
    for event_name, obj, details in entries:
        record(
            event_name, user=actor, object_type=type(obj).__name__, object_id=obj.id, details=details, session=session
        )


def _on_after_flush(session: Session, _ctx) -> None:
    """New users and roles are logged once their ids exist (commit flushes these rows too)."""
    from app.core.audit import record

    actor = _actor()
    for obj in session.new:
        if isinstance(obj, OmsUser):
            record(
                "user_created",
                user=actor,
                object_type="OmsUser",
                object_id=obj.id,
                details={"username": obj.username},
                session=session,
            )
        elif isinstance(obj, Role):
            record(
                "role_created",
                user=actor,
                object_type="Role",
                object_id=obj.id,
                details={"name": obj.name},
                session=session,
            )


_connected = False


def connect_audit_signals(app: Flask) -> None:
    global _connected
    if not _connected:
        event.listen(Session, "before_flush", _on_before_flush)
        event.listen(Session, "after_flush", _on_after_flush)
        _connected = True
