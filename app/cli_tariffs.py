"""``flask oms …`` commands of the КСГ tables and the tariffs by level of the МО and КПГ."""

from __future__ import annotations

import click
from flask.cli import AppGroup


def register(group: AppGroup) -> None:
    """Add this module's commands to ``group``."""

    @group.command("import-ksg")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--year", type=int, default=None, help="Год действия (если его нет в имени файла: КСГ26_…)")
    def import_ksg_command(paths, year):
        """Загрузить таблицы КСГ (КСГ26_КС.xlsx, КСГ26_ДС.xlsx) и перечни (Прил. 4, 5 МР, Прил. 8 ПГГ,
        КС_КСГ Прил. 18 ТС) из файлов или папки; повторная загрузка безопасна."""
        from app.services.reference.ksg import KsgImportError, import_ksg

        try:
            result = import_ksg(paths, year=year)
        except KsgImportError as exc:
            raise click.ClickException(str(exc)) from None
        for line in result["files"]:
            click.echo(line)
        click.echo(f"Итого: КСГ {result['ksg']}, строк группировщика {result['grouper']}, за {result['seconds']} с")
