"""``flask oms …`` commands of the registers of the МО attachment of the insured and of the МО licences."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli_common import print_json

_ENCODING_HELP = "Кодировка CSV: auto (по умолчанию: UTF-8, иначе windows-1251), utf-8 или cp1251"


def register(group: AppGroup) -> None:
    """Add this module's commands to ``group``."""

    @group.command("import-attachment")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--encoding", default="auto", show_default=True, help=_ENCODING_HELP)
    def import_attachment_command(path, encoding):
        """Загрузить регистр прикрепления застрахованных к МО из CSV; повторная загрузка безопасна.

        \b
        CSV с разделителем «;», строка заголовка (поля в любом порядке):
          ENP;LPU;DATE_BEG;DATE_END;LPU_1;UCH
          9800000000000017;140001;2020-01-01;;140011;12
        ENP — ЕНП (16 цифр), LPU — код МО (F003, 6 цифр), DATE_BEG / DATE_END — период
        прикрепления (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ; пустая DATE_END — бессрочно), LPU_1 —
        подразделение, UCH — участок (необязательны).  Ключ строки: ENP, LPU, DATE_BEG —
        строка с тем же ключом обновляет записанную.  В ответе: строк прочитано, принято,
        записано (новые и измененные), отклонено, и причины отказа по строкам.
        """
        from pathlib import Path

        from app.services.reference.registers import RegisterImportError, import_attachment

        try:
            print_json(import_attachment(Path(path), encoding).as_dict())
        except RegisterImportError as exc:
            raise click.ClickException(str(exc)) from None

    @group.command("import-licences")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--encoding", default="auto", show_default=True, help=_ENCODING_HELP)
    def import_licences_command(path, encoding):
        """Загрузить лицензии МО по условиям и профилям помощи из CSV; повторная загрузка безопасна.

        \b
        CSV с разделителем «;», строка заголовка (поля в любом порядке):
          LPU;USL_OK;PROFIL;N_LIC;DATE_BEG;DATE_END
          140001;1;29;Л041-01187-14/00345678;2020-01-01;
        LPU — код МО (F003, 6 цифр), USL_OK — условия оказания (V006: 1–4), PROFIL — профиль
        (V002; проверяется по справочнику, если он загружен), N_LIC — номер лицензии,
        DATE_BEG / DATE_END — период действия (пустая DATE_END — бессрочно).  Ключ строки:
        LPU, USL_OK, PROFIL, DATE_BEG.  В ответе: строк прочитано, принято, записано,
        отклонено, и причины отказа по строкам.
        """
        from pathlib import Path

        from app.services.reference.registers import RegisterImportError, import_licences

        try:
            print_json(import_licences(Path(path), encoding).as_dict())
        except RegisterImportError as exc:
            raise click.ClickException(str(exc)) from None
