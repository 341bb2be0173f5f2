"""``flask --app run.py oms ...``: the command-line channel, through the same services."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.api.cli import api_key_cli
from app.cli_common import find_user, print_json

oms_cli = AppGroup("oms", help="Команды системы ОМС")
oms_cli.add_command(api_key_cli)


def _register_more_commands() -> None:
    """Commands kept in their own modules (the КСГ tables, the registers of attachment and licences)."""
    from app.cli_analytics import register as register_analytics
    from app.cli_inbox import register as register_inbox
    from app.cli_registers import register as register_registers
    from app.cli_tariffs import register as register_tariffs

    register_tariffs(oms_cli)
    register_registers(oms_cli)
    register_inbox(oms_cli)
    register_analytics(oms_cli)


@oms_cli.command("sync-roles")
def sync_roles_command():
    """Создать и обновить роли по описанию в коде (app/security/roles.py)."""
    from app.extensions import appbuilder, db
    from app.security.roles import ROLE_ADMIN, sync_roles
    from app.services.accounts.users import ensure_signature_rights

    if appbuilder.sm.find_role(ROLE_ADMIN) is None:
        appbuilder.sm.add_role(ROLE_ADMIN)
    appbuilder.add_permissions(update_perms=True)  # permissions of every registered view and API
    ensure_signature_rights()
    db.session.commit()
    print_json(sync_roles(appbuilder))


DEMO_IN_PRODUCTION = (
    "Рабочий режим (заданы DATABASE_URL или REDIS_URL): демонстрационные данные "
    "не устанавливаются — у демо-учетных записей общеизвестный пароль, а демо-УЦ "
    "стал бы доверенным. Создайте фонд и администратора: oms init-fund. "
    "Для стенда с демо-данными добавьте --force."
)


@oms_cli.command("init-demo")
@click.option("--force", is_flag=True, help="Установить демо-данные и в рабочем режиме (стенд, не боевой сервер)")
def init_demo_command(force):
    """Создать демонстрационные организации и учетные записи (повторный запуск безопасен)."""
    if current_app.config.get("PRODUCTION") and not force:
        raise click.ClickException(DEMO_IN_PRODUCTION)
    from app.demo.accounts import init_demo
    from app.services.reference.nsi import load_demo_nsi

    result = init_demo()
    result["nsi"] = load_demo_nsi()
    from app.demo.erz import load_demo_erz
    from app.demo.tariffs import load_demo_tariffs

    result["erz"] = load_demo_erz(current_app.config["DEMO_ERZ_PERSONS"])
    result["tariffs"] = load_demo_tariffs()
    from app.demo.registers import load_demo_registers

    result["registers"] = load_demo_registers(current_app.config["DEMO_ERZ_PERSONS"])
    from app.demo.signatures import ensure_demo_signatures

    result["signatures"] = ensure_demo_signatures()
    print_json(result)


@oms_cli.command("demo-month")
@click.option("--period", default=None, help="ГГГГ-ММ; по умолчанию прошлый месяц")
def demo_month_command(period):
    """Демо-месяц: загрузить файлы демо-МО, сформировать реестры и провести их по статусам."""
    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("Демо-месяц — только во встроенном режиме (демо-данные)")
    from app.demo.month import build_demo_month

    year, month = (int(x) for x in period.split("-")) if period else (None, None)
    print_json(build_demo_month(year, month))


@oms_cli.command("init-fund")
@click.option("--code", required=True, help="Код ТФОМС (код региона), например 14")
@click.option("--name", required=True, help="Полное наименование фонда")
@click.option("--okato", default=None, help="ОКАТО региона (по умолчанию REGION_OKATO)")
@click.option("--admin", "login", required=True, help="Логин администратора ТФОМС")
@click.option("--email", required=True, help="Электронная почта администратора")
@click.password_option("--password", envvar="OMS_ADMIN_PASSWORD", help="Пароль (или OMS_ADMIN_PASSWORD)")
def init_fund_command(code, name, okato, login, email, password):
    """Рабочий запуск: фонд (ТФОМС) и его администратор; остальное — в «Администрирование»."""
    from app.services.accounts.users import UserRuleError, init_fund

    try:
        print_json(init_fund(code, name, okato or current_app.config["REGION_OKATO"], login, email, password))
    except UserRuleError as exc:
        raise click.ClickException(str(exc)) from None


@oms_cli.command("unlock")
@click.argument("login")
def unlock_command(login):
    """Снять временную блокировку учетной записи после неудачных попыток входа."""
    from app.extensions import appbuilder

    user = find_user(login)
    appbuilder.sm.unlock_user(user)
    print_json({"ok": True, "message": f"Учетная запись {login} разблокирована"})


@oms_cli.command("info")
def info_command():
    """Показать базу данных и очередь, с которыми работает приложение."""
    from sqlalchemy.engine import make_url

    from app.jobs.runtime import describe

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    print_json({"database": url.render_as_string(hide_password=True), "jobs": describe()})


@oms_cli.command("sync-rules")
def sync_rules_command():
    """Дополнить каталог правил контроля правилами, которые реализованы в системе."""
    from app.services.reference.rules import sync_catalogue

    print_json(sync_catalogue())


@oms_cli.command("import-rules")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_rules_command(path):
    """Обновить правила из официального XML Q015/Q016 (<packet>): тексты и сроки; строки Q015 —
    как исполняемые правила."""
    from pathlib import Path

    from app.services.reference.rules import import_rule_table

    result = import_rule_table(Path(path))
    click.echo(f"Строк в файле: {result['rows']}, обновлено правил: {result['updated']}")
    if result.get("added"):
        click.echo(f"Добавлено строк Q015, исполняемых системой по их описанию: {result['added']}")
    click.echo(f"Не реализованы в системе ({len(result['not_implemented'])}):")
    for code in result["not_implemented"]:
        click.echo(f"  {code}")
    problems = result.get("problems") or {}
    if problems:
        click.echo(f"Правила, которые система не может исполнить, с причиной ({len(problems)}):")
        for code, why in problems.items():
            click.echo(f"  {code} — {why}")
    cov = result["coverage"]

    def share(done: int, of: int) -> str:
        return f"{done}/{of} ({100 * done / of:.0f}%)" if of else "0/0"

    click.echo(
        f"Покрытие действующих правил для файлов МО (C, H, T, X, L): {share(cov['implemented'], cov['applicable'])}"
    )
    notes = result.get("family_notes") or {}
    for family, (done, of) in cov["families"].items():
        why = f" — {notes[family]}" if family in notes else ""
        click.echo(f"  {family}: {share(done, of)}{why}")
    for file_type, (done, of) in cov["file_types"].items():
        click.echo(f"  тип {file_type}: {share(done, of)}")


@oms_cli.command("import-nsi")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--book", default=None, help="Код справочника (V002, F003 …), если не определяется по файлу")
def import_nsi_command(paths, book):
    """Загрузить справочник НСИ из официальной выгрузки ФФОМС (<packet>, XML)."""
    from pathlib import Path

    from app.services.reference.nsi import NsiImportError, import_packet

    for path in paths:
        try:
            print_json(import_packet(Path(path), book))
        except NsiImportError as exc:
            raise click.ClickException(str(exc)) from None


@oms_cli.command("fetch-nsi")
@click.argument("books", nargs=-1)
def fetch_nsi_command(books):
    """Загрузить текущие версии справочников из сервиса НСИ ФФОМС (NSI_SERVICE_URL); без кодов — все,
    которые используют проверки.  Каждый справочник — как import-nsi, в своей транзакции."""
    from app.services.reference.nsi import NsiImportError, fetch_books, fetch_summary

    try:
        results = fetch_books(books)
    except NsiImportError as exc:
        raise click.ClickException(str(exc)) from None
    for result in results:
        print_json(result)
    if not all(r["ok"] for r in results):
        raise click.ClickException(fetch_summary(results))


@oms_cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "login", required=True, help="Логин пользователя МО, от имени которого загрузка")
@click.option("--max-errors", type=int, default=None, help="Не более N ошибок в выводе на файл")
def load_command(paths, login, max_errors):
    """Загрузить архивы синхронно (тот же конвейер, что и «Загрузка файла»); JSON на архив:
    records — записей в файле; new, updated, unchanged, skipped — новых, обновленных, без изменений и
    пропущенных (уже в реестре) случаев; dry_run — false."""
    _load_archives(paths, login, max_errors, dry_run=False)


@oms_cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "login", required=True, help="Логин пользователя МО, от имени которого проверка")
@click.option("--max-errors", type=int, default=None, help="Не более N ошибок в выводе на файл")
def check_command(paths, login, max_errors):
    """Проверить архивы без загрузки («Проверить без загрузки»): те же этапы, что у `oms load`
    (ФЛК, ЕРЗ, МЭК по текущей базе, перерасчет, подсчет повторных случаев), тот же JSON с
    "dry_run": true; случаи не сохраняются, протокол остается у строки «Проверка завершена»."""
    _load_archives(paths, login, max_errors, dry_run=True)


def _load_archives(paths, login, max_errors, *, dry_run: bool) -> None:
    """`oms load` and `oms check`: each archive synchronously, one JSON line (pipeline.summary) each."""
    from app.extensions import db
    from app.models.vocabulary import FileChannel
    from app.services.intake.pipeline import load_file, summary, version_counts
    from app.services.intake.uploads import IncomingArchive, UploadRefused, accept_archives

    user = find_user(login)
    for path in paths:
        with open(path, "rb") as stream:
            try:
                rows = accept_archives(
                    user, [IncomingArchive(path, stream)], run_job=False, channel=FileChannel.CLI, dry_run=dry_run
                )
            except UploadRefused as exc:
                print_json(
                    {
                        "file": path,
                        "file_id": None,
                        "dry_run": dry_run,
                        "status": None,
                        "note": str(exc),
                        "records": 0,
                        "flk_rejected": 0,
                        "flk_errors": 0,
                        "mek_rejected": 0,
                        **version_counts(None),
                        "errors": [],
                    }
                )
                continue
        for row in rows:
            load_file(row.id, in_parts=False)  # to its end here: the JSON says how it ended
            db.session.expire_all()
            print_json(summary(db.session.get(type(row), row.id), max_errors))


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
@click.option(
    "--version",
    default=None,
    help="Версия формата файла случаев; по умолчанию — версия отчетного периода («Версии форматов по периодам»)",
)
def demo_files_command(outdir, mo, sender, cases, error_rate, seed, count, year, month, version):
    """Создать демонстрационные архивы (пары H и L) и manifest.json с внедренными ошибками."""
    from pathlib import Path

    from app.demo.files import write_demo_files
    from app.services.reference.format_versions import table

    try:
        manifest = write_demo_files(
            Path(outdir),
            count=count,
            mo=mo,
            sender=sender,
            cases=cases,
            error_rate=error_rate,
            seed=seed,
            year=year,
            month=month,
            version=version,
            periods=table(),
        )
    except ValueError as exc:  # a version no module defines, or older than the demo records
        raise click.ClickException(str(exc)) from None
    print_json(manifest)


@oms_cli.command("import-erz")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xml"]),
    default=None,
    help="Формат файла (по умолчанию определяется по содержимому)",
)
@click.option("--encoding", default="utf-8-sig", help="Кодировка CSV (utf-8 или cp1251)")
def import_erz_command(path, fmt, encoding):
    """Загрузить регистр застрахованных (ЕРЗ) из CSV или XML; повторная загрузка безопасна."""
    from pathlib import Path

    from app.erz.importer import ErzImportError, import_file

    try:
        print_json(import_file(Path(path), fmt, encoding).as_dict())
    except ErzImportError as exc:
        raise click.ClickException(str(exc)) from None


@oms_cli.command("import-tariffs")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--encoding", default="utf-8-sig", help="Кодировка CSV (utf-8 или cp1251)")
def import_tariffs_command(path, encoding):
    """Загрузить тарифы из CSV (kind;code;name;usl_ok;value;date_begin;date_end;level;kpg): услуги,
    КСГ, КПГ, базовые ставки, КСЛП, КД, КУСмо; необязательные столбцы level (уровень МО) и kpg (КПГ)
    сужают строку до МО этого уровня / случаев этой КПГ.  Повторная загрузка безопасна."""
    from pathlib import Path

    from app.tariffs.importer import TariffImportError, import_file

    try:
        print_json(import_file(Path(path), encoding))
    except TariffImportError as exc:
        raise click.ClickException(str(exc)) from None


@oms_cli.command("delete-file")
@click.argument("file_id", type=int)
@click.option("--user", "login", required=True)
def delete_file_command(file_id, login):
    """Удалить данные файла (как «Удалить данные файла» на вкладке «Загрузка файла»)."""
    from app.services.intake.file_data import delete_file_data

    print_json(delete_file_data(find_user(login), file_id).as_dict())


@oms_cli.command("form")
@click.option("--user", "login", required=True)
@click.option("--period", required=True, help="ГГГГ-ММ")
@click.option("--type", "reg_type", required=True, help="АПП, Стационар, Дневной стационар, СМП, Иногородние")
@click.option("--subdivision", "subdivisions", multiple=True, help="Код подразделения (можно несколько)")
def form_command(login, period, reg_type, subdivisions):
    """«Сформировать реестр»: по реестру на каждую СМО (и «Иногородние» в ТФОМС)."""
    from app.services.registries.formation import form_registries

    print_json(form_registries(find_user(login), period, reg_type, list(subdivisions) or None).as_dict())


@oms_cli.command("case-status")
@click.argument("case_id", type=int)
@click.argument("status")
@click.option("--user", "login", required=True)
@click.option("--reason", required=True)
def case_status_command(case_id, status, login, reason):
    """Приостановить / возобновить / исключить случай (статус: Приостановлен, Принят, Исключен)."""
    from app.services.intake.case_status import change_status

    print_json(change_status(find_user(login), [case_id], status, reason).as_dict())


def _sync_jobs() -> None:
    """Background work a command starts has finished when the command returns."""
    current_app.config["JOBS_MODE"] = "sync"


@oms_cli.command("registry-status")
@click.argument("registry_id", type=int)
@click.argument("status")
@click.option("--user", "login", required=True)
@click.option("--comment", default=None)
def registry_status_command(registry_id, status, login, comment):
    """Перевести реестр в статус STATUS (как выпадающий список на вкладке «Текущие реестры»)."""
    from app.extensions import db
    from app.models.registry import Registry
    from app.services.registries.workflow import change_status

    _sync_jobs()
    result = change_status(find_user(login), registry_id, status, comment)
    db.session.expire_all()
    reg = db.session.get(Registry, registry_id)
    out = result.as_dict()
    if reg is not None and result.ok:
        out["status"] = reg.status  # after the background work (documents) too
    print_json(out)


@oms_cli.command("registry-show")
@click.argument("registry_id", type=int)
@click.option("--user", "login", required=True)
def registry_show_command(registry_id, login):
    """Реестр: номер, статус, плательщик, суммы, документы с SHA-256, история статусов."""
    from app.models.registry import Registry
    from app.security.request_scope import get_scoped, not_found_message
    from app.services.registries.documents import documents_of
    from app.services.registries.queries import registry_history

    reg = get_scoped(find_user(login), Registry, registry_id)
    if reg is None:
        print_json({"ok": False, "message": not_found_message(Registry)})
        return
    print_json(
        {
            "id": reg.id,
            "number": reg.number,
            "status": reg.status,
            "payer": reg.payer.code,
            "cases": reg.cases,
            "sum": str(reg.sum_calc),
            "mek_refused": reg.mek_refused,
            "documents": [{"name": d.file_name, "sha256": d.sha256} for d in documents_of(reg.id)],
            "history": [
                {"from": h.from_status, "to": h.to_status, "user": h.username, "at": h.at}
                for h in registry_history(reg.id)
            ],
        }
    )


@oms_cli.command("registry-download")
@click.argument("registry_id", type=int)
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--user", "login", required=True)
def registry_download_command(registry_id, outdir, login):
    """Записать в OUTDIR архив реестра и документы."""
    import shutil
    from pathlib import Path

    from app.models.registry import Registry
    from app.security.request_scope import get_scoped, not_found_message
    from app.services.registries.documents import documents_of

    reg = get_scoped(find_user(login), Registry, registry_id)
    if reg is None:
        print_json({"ok": False, "message": not_found_message(Registry)})
        return
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for doc in documents_of(reg.id):
        shutil.copyfile(doc.path, out / doc.file_name)
        files.append(doc.file_name)
    print_json({"ok": True, "files": files})


@oms_cli.command("mek-results")
@click.argument("registry_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "login", required=True)
def mek_results_command(registry_id, path, login):
    """Загрузить файл результатов МЭК плательщика для реестра в статусе «Выгружен»."""
    from pathlib import Path

    from app.services.registries.mek_results import load_results

    result = load_results(find_user(login), registry_id, Path(path)).as_dict()
    print_json(
        {k: result[k] for k in ("ok", "message", "refused_cases")}
        | ({"reasons": result["reasons"]} if result["reasons"] else {})
    )


@oms_cli.command("sign")
@click.argument("registry_id", type=int)
@click.option("--user", "login", required=True)
@click.option(
    "--pkcs12",
    "pkcs12_path",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="PKCS#12 (.p12/.pfx) с ключом подписанта",
)
@click.option("--passphrase-env", default=None, help="переменная окружения с паролем PKCS#12")
@click.option(
    "--sig-dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="папка с файлами <документ>.sig, сделанными своим средством подписи",
)
@click.option("--provider", "use_provider", is_flag=True, help="подписать внешним провайдером (SIGNING_SIGN_COMMAND)")
def sign_command(registry_id, login, pkcs12_path, passphrase_env, sig_dir, use_provider):
    """Подписать документы реестра в очередь пользователя (как значок подписи на «Текущих реестрах»)."""
    import os
    from pathlib import Path

    from app.services.signing import registry_signing as signing

    if sum(bool(x) for x in (pkcs12_path, sig_dir, use_provider)) != 1:
        raise click.UsageError("Укажите один способ: --pkcs12 FILE --passphrase-env VAR, --sig-dir DIR или --provider")
    user = find_user(login)
    if pkcs12_path:
        passphrase = os.environ.get(passphrase_env) if passphrase_env else None
        if passphrase_env and passphrase is None:
            raise click.UsageError(f"Переменная окружения {passphrase_env} не задана")
        result = signing.sign_with_pkcs12(user, registry_id, Path(pkcs12_path).read_bytes(), passphrase)
    elif sig_dir:
        files = {p.name: p.read_bytes() for p in Path(sig_dir).iterdir() if p.is_file()}
        result = signing.sign_with_files(user, registry_id, files)
    else:
        result = signing.sign_with_provider(user, registry_id)
    print_json(result.as_dict())


@oms_cli.command("verify")
@click.argument("registry_id", type=int)
@click.option("--user", "login", required=True)
def verify_command(registry_id, login):
    """Проверить заново каждую подпись реестра."""
    from app.models.registry import Registry
    from app.security.request_scope import get_scoped, not_found_message
    from app.services.signing import registry_signing as signing

    reg = get_scoped(find_user(login), Registry, registry_id)
    if reg is None:
        print_json({"ok": False, "message": not_found_message(Registry)})
        return
    checks = signing.verify_registry(reg.id)
    print_json(
        {
            "id": reg.id,
            "number": reg.number,
            "status": reg.status,
            "ok": all(c.ok for c in checks),
            "signatures": [
                {
                    "role": c.role,
                    "user": c.username,
                    "method": c.method,
                    "certificate": c.certificate,
                    "signed_at": c.signed_at,
                    "document": c.document,
                    "ok": c.ok,
                    "result": c.result,
                }
                for c in checks
            ],
        }
    )


_register_more_commands()
