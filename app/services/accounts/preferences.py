"""A user's remembered page choices."""

from __future__ import annotations

import json
from typing import Any

from app.extensions import db
from app.models.registry import UserPreference
from app.models.user import OmsUser


def get(user: OmsUser, key: str) -> Any:
    row = db.session.query(UserPreference).filter_by(user_id=user.id, key=key).one_or_none()
    return json.loads(row.value) if row is not None and row.value else None


def put(user: OmsUser, key: str, value: Any) -> None:
    row = db.session.query(UserPreference).filter_by(user_id=user.id, key=key).one_or_none()
    if row is None:
        row = UserPreference(user_id=user.id, key=key)
        db.session.add(row)
    row.value = json.dumps(value, ensure_ascii=False)
    db.session.commit()
