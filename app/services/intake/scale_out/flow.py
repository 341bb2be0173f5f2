"""A load cut into chunks, after the cutting: the parts any worker takes, and what follows the last
part of each stage — run by whichever job finishes that part:

    «ФЛК» parts (records) → :func:`after_flk`: their findings in the order of the parts, then those
    found after the records, the counts; a fatal error rejects every case, as in one job
    → «Идентификация в ЕРЗ» parts (ranges of accepted cases)
    → «МЭК» parts (the ``case`` rules) → :func:`after_mek`: their findings, then the ``set`` rules
      over the whole file
    → «Перерасчет стоимости» parts → :func:`after_recalc`: their findings, the re-upload versions,
      «Процесс загрузки завершен».

A part writes in batches, each in a transaction that holds the file row (``FOR KEY SHARE``): a part
whose file ended meanwhile stops unwritten.  A part that fails ends the whole file
(:func:`app.services.intake.ending.fail_on`); a part whose worker died is ended by the sweep of dead
jobs (:mod:`app.jobs.recovery` → :func:`recover_part`): the file in «Ошибка при загрузке
подготовленных данных», nothing of it left.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import select

from app.controls.finding import STAGE_FLK, Finding
from app.controls.flk import FlkContext
from app.core.bulk import insert_rows
from app.core.collector import collector_paused
from app.extensions import db
from app.formats.definitions import get_definition
from app.formats.structure import StructureChecker
from app.jobs.runtime import current_job_id, report_progress, runs_beside_web_requests
from app.models.intake import ControlError, LoadChunk, UploadedFile
from app.models.job import BackgroundJob
from app.services.intake import ending, recovery
from app.services.intake.accepted import accepted_chunks
from app.services.intake.context import LoadContext
from app.services.intake.file_data import error_row
from app.services.intake.scale_out import chunks, cutting
from app.services.intake.scale_out.records import decode
from app.services.intake.stage_table import STAGES, Stage
from app.services.intake.stages import erz, flk, mek, recalc, versions
from app.services.reference import format_versions
from app.services.reference.nsi import current_lookup
from app.services.reference.rules import rule_book

log = logging.getLogger(__name__)

NEXT = {"flk": "erz", "erz": "mek", "mek": "recalc", "recalc": None}


def _stage(name: str) -> Stage:
    return next(s for s in STAGES if s.name == name)


# -- the context of a part ------------------------------------------------------------------------------
def restore(row: UploadedFile) -> LoadContext:
    """The load's context as its own job had it after the header: from the file row and what the
    cutting wrote beside the chunks."""
    load = LoadContext.of(row, Path(current_app.config["DATA_DIR"]) / "work" / str(row.id))
    ctx = cutting.read_pickle(cutting.folder(load) / "context.pkl")
    load.header, load.sender_code, load.subdivision_id = ctx["header"], ctx["sender_code"], ctx["subdivision_id"]
    load.file_type, load.year, load.month = ctx["file_type"], ctx["year"], ctx["month"]
    load.chunk_context = ctx
    if ctx["header"] is not None:
        load.flk = FlkContext.from_header(
            ctx["header"],
            ctx["l_header"],
            sender_mo=load.sender_code,
            periods=format_versions.table(),
            nsi=current_lookup(),
            rules=rule_book(STAGE_FLK),
            today=ctx["today"],
            member_name=ctx["member_name"],
            l_member_name=ctx["l_member_name"],
        )
    load.percent = row.progress
    return load


# -- a part -----------------------------------------------------------------------------------------------
def run_next_part() -> Optional[dict]:
    """The job of the chunk queue: take the fairest queued part and do it; the last part of a stage
    runs what follows it.  Returns what it did (None: no part was left).  The collector is paused as
    for a whole load (:mod:`app.core.collector`)."""
    with collector_paused(enabled=not runs_beside_web_requests()):
        return _run_next_part()


def _run_next_part() -> Optional[dict]:
    chunk = chunks.take(current_job_id())
    if chunk is None:
        return None
    file_id, stage, number = chunk.file_id, chunk.stage, chunk.number
    row = db.session.get(UploadedFile, file_id)
    _name_job(row, chunk)
    try:
        load = restore(row)
    except FileNotFoundError:  # the file ended meanwhile (its folder went with it)
        db.session.rollback()
        return dict(file_id=file_id, stage=stage, number=number, abandoned=True)
    entered = _stage(stage)
    load.stage, load.status, load.start, load.share = stage, entered.status, entered.start, entered.share
    try:
        chunks.hold_file(file_id)
        staged = PARTS[stage](load, chunk)
        left = chunks.finish(chunk, staged)
    except chunks.Abandoned:
        db.session.rollback()
        return dict(file_id=file_id, stage=stage, number=number, abandoned=True)
    except Exception as exc:  # noqa: BLE001 — any failure of a part ends the whole file
        ending.fail_on(load, exc)
        return dict(file_id=file_id, stage=stage, number=number, failed=True)
    if left == 0:
        advance(load, stage)
    return dict(file_id=file_id, stage=stage, number=number)


def _name_job(row: UploadedFile, chunk: LoadChunk) -> None:
    """The job's row in «Фоновые задачи» names the file and the part it took."""
    job_id = current_job_id()
    if job_id is None:
        return
    title = f"Загрузка файла {row.archive_name}: {_stage(chunk.stage).status.value}, часть {chunk.number}"
    db.session.execute(
        BackgroundJob.__table__.update()
        .where(BackgroundJob.id == job_id)
        .values(title=title[:250], organisation_id=row.organisation_id)
    )
    db.session.commit()


def _progress(load: LoadContext, chunk: LoadChunk) -> Callable[[int], None]:
    """The part's progress callback: the file's percentage is the sum of its parts'."""
    stage = _stage(chunk.stage)

    def report(done: int) -> None:
        total_done, total = chunks.report(chunk.id, done)
        expected = int((load.chunk_context or {}).get("expected") or 0) if chunk.stage == "flk" else 0
        total = max(total, expected)
        if total:
            percent = stage.start + int(stage.share * min(1.0, total_done / total))
            _write_progress(load.file_id, stage, percent)

    return report


def _write_progress(file_id: int, stage: Stage, percent: int) -> None:
    table = UploadedFile.__table__
    with db.engine.begin() as conn:  # its own connection: the part's transaction holds the row
        conn.execute(
            table.update()
            .where(table.c.id == file_id, table.c.status == stage.status, table.c.progress < percent)
            .values(progress=percent)
        )
    report_progress(percent, stage.status)


def _commit(load: LoadContext) -> Callable[[], None]:
    return lambda: chunks.commit_holding(load.file_id)


def _flk_part(load: LoadContext, chunk: LoadChunk) -> list[dict]:
    ctx = load.chunk_context
    records, ids = decode(cutting.chunk_path(load, chunk.number).read_bytes())
    definition = get_definition(ctx["kind"], ctx["version"])
    checker = flk.RecordChecker(load, StructureChecker(definition), ctx["bad_persons"], ctx["fatal"])
    sink = _StagedSink(load)
    progress = _progress(load, chunk)
    for start in range(0, len(records), flk.BATCH):
        batch = records[start : start + flk.BATCH]
        checker.check_and_write(batch, sink, ids[start : start + flk.BATCH] if ids is not None else None)
        progress(start + len(batch))
    return sink.rows


class _StagedSink:
    """A ФЛК part's findings wait in its row until every part is done; each batch is committed
    holding the file."""

    def __init__(self, load: LoadContext) -> None:
        self.load, self.rows = load, []

    def save(self, findings: list[Finding], case_ids: list[Optional[int]]) -> None:
        load = self.load
        self.rows += [
            error_row(f, load.file_id, load.organisation_id, load.subdivision_id, case_id)
            for f, case_id in zip(findings, case_ids, strict=True)
        ]

    def commit(self) -> None:
        chunks.commit_holding(self.load.file_id)


def _share(load: LoadContext, chunk: LoadChunk) -> Callable[[float], None]:
    report = _progress(load, chunk)
    return lambda done: report(int(chunk.size * done))


def _erz_part(load: LoadContext, chunk: LoadChunk) -> list[dict]:
    erz.identify_cases(load.file_id, _share(load, chunk), (chunk.first, chunk.last), _commit(load))
    return []


def _mek_part(load: LoadContext, chunk: LoadChunk) -> list[dict]:
    staged: list[dict] = []
    mek.check_cases(load, mek.mek_context(load), _share(load, chunk), (chunk.first, chunk.last), _commit(load), staged)
    return staged


def _recalc_part(load: LoadContext, chunk: LoadChunk) -> list[dict]:
    staged: list[dict] = []
    recalc.recalculate_file(
        load,
        progress=_share(load, chunk),
        within=(chunk.first, chunk.last),
        commit=_commit(load),
        staged=staged,
    )
    return staged


PARTS: dict[str, Callable[[LoadContext, LoadChunk], list[dict]]] = {
    "flk": _flk_part,
    "erz": _erz_part,
    "mek": _mek_part,
    "recalc": _recalc_part,
}


# -- the ends of the stages ------------------------------------------------------------------------------------
def cutting_done(load: LoadContext) -> None:
    """The load's own job has cut the whole file: the cutting's part is done."""
    if chunks.count_down(load.file_id) == 0:
        advance(load, "flk")


def advance(load: LoadContext, done: str) -> None:
    """What follows the last part of stage ``done``, then the next stage's parts (a stage with no
    case to do goes on at once)."""
    try:
        while done is not None:
            AFTER[done](load)
            done = NEXT[done]
            if done is None:
                return
            if _start(load, done):
                return
    except Exception as exc:  # noqa: BLE001 — every failure ends the file in its status
        ending.fail_on(load, exc)


def _write_staged(load: LoadContext, stage: str, extra: list[dict] = ()) -> None:
    rows = chunks.staged_findings(load.file_id, stage) + list(extra)
    insert_rows(ControlError.__table__, rows)
    db.session.commit()


def after_flk(load: LoadContext) -> None:
    tail = cutting.read_pickle(cutting.folder(load) / "tail.pkl")
    rows = [error_row(f, load.file_id, load.organisation_id, load.subdivision_id, None) for f in tail["tail"]]
    _write_staged(load, "flk", rows)
    flk.end_flk(load, tail["records"], tail["fatal"], tail["version_note"])


def after_mek(load: LoadContext) -> None:
    _write_staged(load, "mek")
    mek.check_set(load, mek.mek_context(load))


def after_recalc(load: LoadContext) -> None:
    _write_staged(load, "recalc")
    stage = _stage("versions")
    load.enter(stage.name, stage.status, stage.start, stage.share)
    versions.run(load)
    chunks.clear(load.file_id)
    ending.succeed(load)
    shutil.rmtree(load.workdir, ignore_errors=True)


AFTER: dict[str, Callable[[LoadContext], None]] = {
    "flk": after_flk,
    "erz": lambda load: None,
    "mek": after_mek,
    "recalc": after_recalc,
}


def _start(load: LoadContext, name: str) -> bool:
    """Enter stage ``name`` and queue its parts; False when it has none (no case left to do)."""
    stage = _stage(name)
    load.enter(stage.name, stage.status, stage.start, stage.share)
    limit = max(1, int(current_app.config.get("LOAD_CHUNK_RECORDS") or 0))
    ranges = accepted_chunks(load.file_id, limit, counted=True)
    if not ranges:
        return False
    chunks.open_stage(load.file_id, len(ranges))
    for number, (first, last, size) in enumerate(ranges, 1):
        chunks.add(load.file_id, load.organisation_id, name, number, first, last, size)
    db.session.commit()
    for _ in ranges:
        chunks.call_worker(load.organisation_id, f"Загрузка: {stage.status.value}")
    return True


# -- a part whose worker died ------------------------------------------------------------------------------------
def recover_part(job_id: int, reason: str) -> None:
    """End the file of the part the dead job had taken (:mod:`app.jobs.recovery`)."""
    file_id = db.session.execute(select(LoadChunk.file_id).where(LoadChunk.job_id == job_id)).scalar()
    db.session.rollback()
    if file_id is not None:
        recovery.end_interrupted_load(file_id, reason)
