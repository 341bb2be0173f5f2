"""People by name: the ФИО of the users the logs name by login."""

from __future__ import annotations

from app.extensions import appbuilder, db


def full_names_by_username() -> dict[str, str]:
    """login → the user's full name as the menu shows it (first and last name) of every user (the
    users are few: one query per page that needs them)."""
    user = appbuilder.sm.user_model
    rows = db.session.query(user.username, user.first_name, user.last_name).all()
    return {login: " ".join(p for p in (first, last) if p) or login for login, first, last in rows}
