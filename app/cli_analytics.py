"""``flask oms refresh-analytics``: the figures of «Аналитика» rebuilt from the loaded files (after
an upgrade that brings the tables, after a restore, or to mend a refresh that failed)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli_common import print_json


def register(group: AppGroup) -> None:
    """Add this module's commands to ``group``."""

    @group.command("refresh-analytics")
    @click.option("--period", default=None, help="Только за период ГГГГ-ММ (по умолчанию — за все)")
    @click.option("--quiet", is_flag=True, help="Не печатать время каждой МО и периода")
    def refresh_analytics_command(period, quiet):
        """Пересчитать показатели раздела «Аналитика» (отказы ФЛК, МЭК и МЭК плательщика) по
        загруженным файлам; JSON: periods — пар «МО, период», rows — строк, seconds — секунд всего,
        max_period_seconds — дольше всего на одну пару."""
        from app.errors import parse_period
        from app.services.analytics.refresh import refresh_all

        year = month = None
        if period:
            parsed = parse_period(period)
            if parsed is None:
                raise click.BadParameter("период указывается как ГГГГ-ММ", param_hint="--period")
            year, month = parsed
        print_json(refresh_all(year, month, echo=None if quiet else click.echo))
