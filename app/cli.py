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
    from app.services.nsi import load_demo_nsi

    result = init_demo()
    result["nsi"] = load_demo_nsi()
    _print_json(result)


@oms_cli.command("info")
def info_command():
    """Показать базу данных и очередь, с которыми работает приложение."""
    from app.jobs.runtime import describe
    from sqlalchemy.engine import make_url

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    _print_json({"database": url.render_as_string(hide_password=True), "jobs": describe()})


def _user(login: str):
    from app.extensions import db
    from app.models.user import OmsUser

    user = db.session.query(OmsUser).filter_by(username=login).one_or_none()
    if user is None:
        raise click.ClickException(f"Пользователь {login} не найден")
    return user


@oms_cli.command("sync-rules")
def sync_rules_command():
    """Дополнить каталог правил контроля правилами, которые реализованы в системе."""
    from app.services.rules import sync_catalogue

    _print_json(sync_catalogue())


@oms_cli.command("import-rules")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_rules_command(path):
    """Обновить тексты и сроки действия правил из официального XML Q015/Q016 (<packet>)."""
    from pathlib import Path

    from app.services.rules import import_rule_table

    result = import_rule_table(Path(path))
    click.echo(f"Строк в файле: {result['rows']}, обновлено правил: {result['updated']}")
    click.echo(f"Не реализованы в системе ({len(result['not_implemented'])}):")
    for code in result["not_implemented"]:
        click.echo(f"  {code}")


@oms_cli.command("import-nsi")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--book", default=None, help="Код справочника (V002, F003 …), если не определяется по файлу")
def import_nsi_command(paths, book):
    """Загрузить справочник НСИ из официальной выгрузки ФФОМС (<packet>, XML)."""
    from pathlib import Path

    from app.services.nsi import NsiImportError, import_packet

    for path in paths:
        try:
            _print_json(import_packet(Path(path), book))
        except NsiImportError as exc:
            raise click.ClickException(str(exc))


@oms_cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "login", required=True, help="Логин пользователя МО, от имени которого загрузка")
@click.option("--max-errors", type=int, default=None, help="Не более N ошибок в выводе на файл")
def load_command(paths, login, max_errors):
    """Загрузить архивы синхронно (тот же конвейер, что и «Загрузка файла»); JSON на архив."""
    from app.extensions import db
    from app.services.intake_pipeline import load_file, summary
    from app.services.uploads import IncomingArchive, UploadRefused, accept_archives

    user = _user(login)
    for path in paths:
        with open(path, "rb") as stream:
            try:
                rows = accept_archives(user, [IncomingArchive(path, stream)], run_job=False)
            except UploadRefused as exc:
                _print_json({"file": path, "file_id": None, "status": None, "note": str(exc),
                             "records": 0, "flk_rejected": 0, "flk_errors": 0, "mek_rejected": 0,
                             "errors": []})
                continue
        for row in rows:
            load_file(row.id)
            db.session.expire_all()
            _print_json(summary(db.session.get(type(row), row.id), max_errors))


@oms_cli.command("demo-files")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--mo", default="140001", help="Код МО")
@click.option("--sender", default=None, help="Код отправителя (подразделения), по умолчанию МО")
@click.option("--cases", default=20, type=int)
@click.option("--error-rate", default=0.0, type=float, help="Доля случаев с внедренными ошибками")
@click.option("--seed", default=1, type=int)
@click.option("--count", default=1, type=int, help="Сколько архивов")
@click.option("--year", default=None, type=int)
@click.option("--month", default=None, type=int)
def demo_files_command(outdir, mo, sender, cases, error_rate, seed, count, year, month):
    """Создать демонстрационные архивы (пары H и L) и manifest.json с внедренными ошибками."""
    from pathlib import Path

    from app.services.demo_files import write_demo_files

    manifest = write_demo_files(Path(outdir), count=count, mo=mo, sender=sender, cases=cases,
                                error_rate=error_rate, seed=seed, year=year, month=month)
    _print_json(manifest)
