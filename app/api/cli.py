"""``flask --app run.py oms api-key create|list|revoke``: API keys for a МИС from the command line
(the administrator's channel; a user makes their own on «Ключи API»)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from app.cli_common import find_user, print_json

api_key_cli = AppGroup("api-key", help="Ключи API для МИС (REST API /api/v1/mis/...)")


@api_key_cli.command("create")
@click.option("--user", "login", required=True, help="Логин, от имени которого будет работать МИС")
@click.option("--name", required=True, help="Название ключа (например, имя МИС)")
@click.option("--expires", default=None, help="Срок действия ГГГГ-ММ-ДД (по умолчанию бессрочный)")
def create_command(login, name, expires):
    """Создать ключ API; ключ печатается один раз (в базе хранится только его хеш)."""
    from app.services.accounts.api_keys import ApiKeyRefused, create_key

    expires_on = None
    if expires:
        try:
            expires_on = dt.date.fromisoformat(expires)
        except ValueError:
            raise click.UsageError("Срок действия указывается как ГГГГ-ММ-ДД") from None
    try:
        print_json(create_key(find_user(login), name, expires_on))
    except ApiKeyRefused as exc:
        raise click.ClickException(str(exc)) from None


@api_key_cli.command("list")
@click.option("--user", "login", default=None, help="Только ключи этого логина")
def list_command(login):
    """Ключи API (без самих ключей): владелец, название, даты, состояние."""
    from app.services.accounts.api_keys import all_keys, keys_of

    found = keys_of(find_user(login)) if login else all_keys()
    print_json([k.as_dict() for k in found])


@api_key_cli.command("revoke")
@click.argument("key_uuid")
def revoke_command(key_uuid):
    """Отозвать ключ API по его uuid (из create или list); отозванный ключ отвечает 401."""
    from app.services.accounts.api_keys import ApiKeyRefused, revoke_key

    try:
        print_json(revoke_key(key_uuid).as_dict())
    except ApiKeyRefused as exc:
        raise click.ClickException(str(exc)) from None
