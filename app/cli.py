"""``flask --app run.py oms ...``: the command-line channel, through the same services."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

oms_cli = AppGroup("oms", help="Команды системы ОМС")


def _print_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


@oms_cli.command("sync-roles")
def sync_roles_command():
    """Создать и обновить роли по описанию в коде (app/security/roles.py)."""
    from app.extensions import appbuilder
    from app.security.roles import sync_roles
    from app.services.demo import ensure_signature_rights
    from app.extensions import db

    from app.security.roles import ROLE_ADMIN

    if appbuilder.sm.find_role(ROLE_ADMIN) is None:
        appbuilder.sm.add_role(ROLE_ADMIN)
    appbuilder.add_permissions(update_perms=True)   # permissions of every registered view and API
    ensure_signature_rights()
    db.session.commit()
    _print_json(sync_roles(appbuilder))


@oms_cli.command("init-demo")
def init_demo_command():
    """Создать демонстрационные организации и учетные записи (повторный запуск безопасен)."""
    from app.services.demo import init_demo

    _print_json(init_demo())


@oms_cli.command("info")
def info_command():
    """Показать базу данных и очередь, с которыми работает приложение."""
    from app.jobs.runtime import describe
    from sqlalchemy.engine import make_url

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    _print_json({"database": url.render_as_string(hide_password=True), "jobs": describe()})
