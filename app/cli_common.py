"""What the commands of ``flask oms`` share: JSON output, one object per line, and the login a
command acts as."""

from __future__ import annotations

import json

import click


def print_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def find_user(login: str):
    """The login a command acts as (its organisation, subdivision, roles and scope)."""
    from app.extensions import db
    from app.models.user import OmsUser

    user = db.session.query(OmsUser).filter_by(username=login).one_or_none()
    if user is None:
        raise click.ClickException(f"Пользователь {login} не найден")
    return user
