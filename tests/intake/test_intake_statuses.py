"""Every file status the load reaches up to the end of ФЛК, with its note:
«В очереди» → «Проверка архива» → «ФЛК» → (later stages) → «Процесс загрузки завершен», and the
errors «Ошибка при загрузке файлов на сервер», «Ошибка формирования файла для ЕРЗ»,
«Ошибка при загрузке подготовленных данных» (the database really refuses a write) and
«Ошибка при валидации данных» (a registered ФЛК rule really crashes)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import text

from app.extensions import db
from app.formats.archive import NOT_ZIP
from app.formats.periods import required_version
from app.models.intake import ControlError
from app.models.reference import ControlRule
from app.models.vocabulary import FILE_LOADING, NOTE_NO_CASES_FOR_ERZ, CaseStatus, FileStatus
from app.services.intake.pipeline import load_file
from app.services.intake.stages import flk as flk_stage
from app.services.intake.uploads import IncomingArchive, accept_archives
from tests.intake.helpers import (
    MO1,
    assert_all_rejected,
    assert_done,
    case_statuses,
    demo_pair,
    flk_rejected_cases,
    fresh,
    job_of,
    nothing_written,
    set_text,
    status_trail,
    unchanged_elsewhere,
    user,
    with_case_error,
    work_dir,
)

ERROR_STATUSES_OF_THE_FLK_STAGE = {
    FileStatus.ERR_UPLOAD,
    FileStatus.ERR_ERZ,
    FileStatus.ERR_DB,
    FileStatus.ERR_VALIDATION,
}


def test_status_texts_are_those_of_the_design():
    assert FileStatus.values() == (
        "В очереди",
        "Проверка архива",
        "ФЛК",
        "Идентификация в ЕРЗ",
        "МЭК",
        "Перерасчет стоимости",
        "Процесс загрузки завершен",
        "Проверка завершена",  # «Проверить без загрузки» (issue 18)
        "Ошибка при загрузке файлов на сервер",
        "Ошибка формирования файла для ЕРЗ",
        "Ошибка при загрузке подготовленных данных",
        "Ошибка при валидации данных",
    )
    assert NOTE_NO_CASES_FOR_ERZ == "Нет случаев для отправки в РС ЕРЗ"


# -- the way through -----------------------------------------------------------------------------
def test_valid_demo_file_goes_through_flk_to_the_end(intake, tmp_path, monkeypatch):
    pair = demo_pair(tmp_path, cases=12)
    with open(pair.zip(tmp_path), "rb") as stream:
        [row] = accept_archives(user("mo1_operator"), [IncomingArchive(pair.archive_name, stream)], run_job=False)
    row = fresh(row.id)
    assert (row.status, row.progress, row.records) == (FileStatus.QUEUED, 0, 0)  # stored, waiting
    with status_trail(monkeypatch) as trail, unchanged_elsewhere(exclude=[row.id]) as new:
        result = load_file(row.id)
    assert new == []
    row = fresh(row.id)
    assert trail[:2] == [FileStatus.ARCHIVE, FileStatus.FLK]
    assert trail[-1] == FileStatus.DONE == row.status == result["status"]
    # later stages (ЕРЗ, МЭК, recalculation) may run between ФЛК and the end, in their order
    middle = [s for s in trail[2:-1] if s != FileStatus.FLK]
    assert middle == sorted(middle, key=FILE_LOADING.index)
    assert set(middle) <= set(FILE_LOADING)
    assert_done(row, 12)
    assert (row.h_name, row.l_name) == (pair.h_stem, pair.l_stem)
    # the version the demo period requires (5.1 for every period since 07.2025)
    assert (row.file_type, row.sender_code, row.version) == ("H", MO1, required_version("H", pair.year, pair.month))
    assert (row.year, row.month) == (pair.year, pair.month)
    assert row.sumv_declared == pair.demo.sum
    assert row.finished_at is not None
    assert flk_rejected_cases(row.id) == set()
    assert CaseStatus.ACCEPTED in case_statuses(row.id)
    assert not work_dir(row.id).exists()


def test_upload_runs_the_job_and_mirrors_it(intake, tmp_path):
    row = intake.upload_pair(demo_pair(tmp_path))
    assert_done(row, 5)
    job = job_of(row)
    assert (job.status, job.progress, job.func) == ("finished", 100, "app.jobs.intake_jobs.load_file")
    assert FileStatus.DONE in job.result


def test_upload_error(intake, tmp_path):
    row = intake.upload(b"PK\x03\x04 not really", name="HM140001T14_26101.zip")
    assert (row.status, row.note) == (FileStatus.ERR_UPLOAD, NOT_ZIP)
    nothing_written(row.id)


def test_every_case_rejected(intake, tmp_path):
    pair = demo_pair(tmp_path)
    for n in range(1, 6):  # each case gets a (non-fatal) error of its own
        pair = pair.with_h(with_case_error(pair.h, n))
    row = intake.upload_pair(pair)
    assert_all_rejected(row)
    assert row.records == 5
    assert "003F.00.0080" in {e.code for e in db.session.query(ControlError).filter_by(file_id=row.id)}


# -- «Ошибка при загрузке подготовленных данных»: the database refuses a write ---------------------------
REFUSAL = "тест: база данных отказала в записи"


@contextmanager
def refusing_trigger(table: str, condition: str):
    """A real BEFORE INSERT trigger that makes the database refuse the rows of ``table`` that
    satisfy ``condition`` (SQL on ``NEW``), for SQLite and PostgreSQL; dropped afterwards."""
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        create = [
            f"CREATE TRIGGER oms_test_refuse BEFORE INSERT ON {table} WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        ]
        drop = ["DROP TRIGGER IF EXISTS oms_test_refuse"]
    elif dialect == "postgresql":
        create = [
            f"CREATE FUNCTION oms_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {condition} THEN RAISE EXCEPTION '{REFUSAL}'; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER oms_test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION oms_test_refuse()",
        ]
        drop = [f"DROP TRIGGER IF EXISTS oms_test_refuse ON {table}", "DROP FUNCTION IF EXISTS oms_test_refuse()"]
    else:  # pragma: no cover
        pytest.skip(f"no trigger recipe for {dialect}")
    for sql in create:
        db.session.execute(text(sql))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        for sql in drop:
            db.session.execute(text(sql))
        db.session.commit()


@pytest.mark.parametrize("table", ["medical_case", "control_error", "case_payload", "patient"])
def test_database_refuses_a_write(intake, tmp_path, monkeypatch, table):
    """Case 25 (in the third batch of 10) or the last person cannot be written: what the load
    wrote before is removed and the note carries the database's reason."""
    monkeypatch.setattr(flk_stage, "BATCH", 10)  # earlier batches are committed first
    pair = demo_pair(tmp_path, cases=40)
    # case 25 carries an error, so that a control_error row is written for it
    pair = pair.with_h(with_case_error(pair.h, 25))
    last_person = pair.l.decode("cp1251").rsplit("<ID_PAC>", 1)[1].split("<", 1)[0]
    condition = {
        "medical_case": "NEW.idcase = '25'",
        "control_error": "NEW.idcase = '25'",
        "case_payload": "NEW.zap_xml LIKE '%<IDCASE>25</IDCASE>%'",
        "patient": f"NEW.id_pac = '{last_person}'",
    }[table]
    with refusing_trigger(table, condition), status_trail(monkeypatch) as trail, unchanged_elsewhere() as new:
        row = intake.upload_pair(pair)
    assert new == [row.id]
    assert row.status == FileStatus.ERR_DB, (row.status, row.note)
    assert trail[:2] == [FileStatus.ARCHIVE, FileStatus.FLK] and trail[-1] == FileStatus.ERR_DB
    assert row.note.startswith("Ошибка записи в базу данных: ") and REFUSAL in row.note
    nothing_written(row.id)  # the batches written before are gone
    assert (row.records, row.flk_rejected, row.flk_errors) == (0, 0, 0)
    assert not work_dir(row.id).exists()
    assert job_of(row).status == "finished"
    intake.valid_load()  # trigger dropped: the pipeline works


# -- «Ошибка при валидации данных»: a control crashes -------------------------------------------------------
CRASH = "тестовый сбой правила"


@contextmanager
def crashing_rule(code: str, path: str, scope: str, crash_on):
    """Register a real ФЛК rule with the ``@rule`` decorator (and switch it on in the catalogue)
    that raises on a marked value; remove both afterwards."""
    from app.controls.flk import registry, rule

    file_types = "L" if path.startswith("PERS_LIST") else "CHTX"
    message = "Тестовое правило: падает"

    @rule(code, path, file_types, message, scope=scope)
    def crashing(view):
        if crash_on(view):
            raise ZeroDivisionError(CRASH)
        return ()

    try:
        db.session.add(
            ControlRule(
                code=code,
                stage="ФЛК",
                element=path,
                file_types=file_types,
                message=message,
                enabled=True,
                implemented=True,
                source="regional",
            )
        )
        db.session.commit()
        yield
    finally:
        registry.REGISTRY.unregister(code)
        db.session.rollback()
        db.session.query(ControlRule).filter_by(code=code).delete()
        db.session.commit()


@pytest.mark.parametrize("scope", ["record", "person", "header"])
def test_control_crashes(intake, tmp_path, monkeypatch, scope):
    from app.controls.flk import registry

    monkeypatch.setattr(flk_stage, "BATCH", 10)
    pair = demo_pair(tmp_path, cases=40)
    code = "002F.14.9999"
    rules = {
        "record": ("ZL_LIST/ZAP/Z_SL/IDCASE", lambda r: r.idcase == "25"),
        "person": ("PERS_LIST/PERS/FAM", lambda p: p.node.get("FAM") == "Крашев"),
        "header": ("ZL_LIST/SCHET/NSCHET", lambda h: h.schet.get("NSCHET") == "CRASH"),
    }
    path, crash_on = rules[scope]
    if scope == "person":
        pair = pair.with_l(set_text(pair.l, "FAM", "Крашев", last=True))
    if scope == "header":
        pair = pair.with_h(set_text(pair.h, "NSCHET", "CRASH"))
    with crashing_rule(code, path, scope, crash_on), status_trail(monkeypatch) as trail, unchanged_elsewhere() as new:
        row = intake.upload_pair(pair)
    assert code not in registry.REGISTRY
    assert new == [row.id]
    assert row.status == FileStatus.ERR_VALIDATION, (row.status, row.note)
    assert trail[:2] == [FileStatus.ARCHIVE, FileStatus.FLK] and trail[-1] == FileStatus.ERR_VALIDATION
    assert code in row.note and CRASH in row.note and "ZeroDivisionError" in row.note
    nothing_written(row.id)
    assert (row.records, row.flk_rejected, row.flk_errors) == (0, 0, 0)
    assert not work_dir(row.id).exists()
    assert job_of(row).status == "finished"
    intake.valid_load()  # the rule is gone: the pipeline works


def test_every_reachable_status_is_covered():
    """The statuses this folder and tests/hostile bring a file to (the ФЛК stage's reach)."""
    reached = {FileStatus.QUEUED, FileStatus.ARCHIVE, FileStatus.FLK, FileStatus.DONE} | ERROR_STATUSES_OF_THE_FLK_STAGE
    reached.add(FileStatus.CHECKED)  # «Проверить без загрузки»: test_dry_run.py
    assert reached <= set(FileStatus.values())
    assert set(FileStatus.values()) - reached == set(FILE_LOADING) - {
        FileStatus.QUEUED,
        FileStatus.ARCHIVE,
        FileStatus.FLK,
    }
