"""The parts of a load cut into chunks (``load_chunk``): registering one (and the job that will take
it), the fair choice of the next part for a free worker, the count of the parts of a stage still to
do (``uploaded_file.chunks_left``: whoever brings it to 0 runs what follows the stage), the findings a
part stages, and the progress of the file as the sum of its parts'.

Fair queueing: a job of the queue :data:`CHUNK_QUEUE` does not name its part — it takes, when it
starts, the queued part of the МО with the fewest parts running now, then of the МО served longest
ago, then of the earliest file (``FOR UPDATE SKIP LOCKED``: two workers never take the same part).  So
a burst of files of one МО shares the workers with the others, round-robin, instead of holding them.
"""

from __future__ import annotations

import datetime as dt
import pickle
import zlib
from typing import Optional

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from app.extensions import db
from app.jobs.runtime import CHUNKS_QUEUE, enqueue
from app.models.intake import LoadChunk, UploadedFile
from app.models.vocabulary import FILE_LOADING, ChunkStatus

CHUNK_QUEUE = CHUNKS_QUEUE  # the last queue a worker looks at: whole loads and other work first
CHUNK_JOB = "app.jobs.intake_jobs.load_chunk"


class Abandoned(Exception):
    """The file no longer loads (another part failed, its worker died): this part stops, unwritten."""


def hold_file(file_id: int) -> None:
    """In the current transaction: the file still loads, and it stays so until the transaction ends
    (``FOR KEY SHARE``: the end of a load — :func:`app.services.intake.recovery.end_interrupted_load`,
    a failed part — locks the row ``FOR UPDATE`` and waits, so no part writes after its removal)."""
    status = db.session.execute(
        select(UploadedFile.status).where(UploadedFile.id == file_id).with_for_update(read=True, key_share=True)
    ).scalar()
    if status not in FILE_LOADING:
        raise Abandoned(status)


def commit_holding(file_id: int) -> None:
    """Commit a batch of a part and hold the file again for the next one."""
    db.session.commit()
    hold_file(file_id)


# -- registering ----------------------------------------------------------------------------------------
def open_stage(file_id: int, parts: int) -> None:
    """A stage of ``parts`` parts begins (the caller commits)."""
    db.session.execute(update(UploadedFile).where(UploadedFile.id == file_id).values(chunks_left=parts))


def open_more(file_id: int) -> None:
    """One part more to do in the stage being cut (the caller commits)."""
    db.session.execute(
        update(UploadedFile).where(UploadedFile.id == file_id).values(chunks_left=UploadedFile.chunks_left + 1)
    )


def add(file_id: int, organisation_id: int, stage: str, number: int, first: int, last: int, size: int) -> LoadChunk:
    """A part to do (the caller commits, then :func:`call_worker`)."""
    row = LoadChunk(
        file_id=file_id,
        organisation_id=organisation_id,
        stage=stage,
        number=number,
        first=first,
        last=last,
        size=size,
        done=0,
        status=ChunkStatus.QUEUED,
    )
    db.session.add(row)
    return row


def call_worker(organisation_id: int, title: str) -> None:
    """One job of the chunk queue: it takes the fairest part queued when it starts."""
    enqueue(CHUNK_JOB, title=title, organisation_id=organisation_id, queue=CHUNK_QUEUE)


# -- taking and ending -------------------------------------------------------------------------------------
def take(job_id: Optional[int]) -> Optional[LoadChunk]:
    """The fairest queued part, now «running» for this job (committed); None when none is left."""
    c, r = LoadChunk, aliased(LoadChunk)
    running = (
        select(func.count())
        .select_from(r)
        .where(r.status == ChunkStatus.RUNNING, r.organisation_id == c.organisation_id)
        .scalar_subquery()
    )
    served = select(func.max(r.started_at)).where(r.organisation_id == c.organisation_id).scalar_subquery()
    row = db.session.execute(
        select(c)
        .where(c.status == ChunkStatus.QUEUED)
        .order_by(running, served.asc().nulls_first(), c.file_id, c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=c)
    ).scalar_one_or_none()
    if row is None:
        db.session.rollback()
        return None
    row.status, row.job_id, row.started_at = ChunkStatus.RUNNING, job_id, dt.datetime.now()
    db.session.commit()
    return row


def finish(chunk: LoadChunk, staged: list[dict]) -> int:
    """The part is done with its staged findings (in its transaction, which this commits); returns
    the parts of its stage still to do — 0: the caller runs what follows the stage."""
    chunk.status, chunk.done = ChunkStatus.DONE, chunk.size
    chunk.findings = zlib.compress(pickle.dumps(staged, protocol=pickle.HIGHEST_PROTOCOL), 1) if staged else None
    return count_down(chunk.file_id)


def count_down(file_id: int) -> int:
    """One part fewer to do (the cutting counts as one while it runs); commits."""
    left = db.session.execute(
        update(UploadedFile)
        .where(UploadedFile.id == file_id)
        .values(chunks_left=UploadedFile.chunks_left - 1)
        .returning(UploadedFile.chunks_left)
    ).scalar()
    db.session.commit()
    return left if left is not None else -1


def staged_findings(file_id: int, stage: str) -> list[dict]:
    """The control_error rows the parts of a stage staged, in the order of the parts."""
    out: list[dict] = []
    blobs = db.session.execute(
        select(LoadChunk.findings)
        .where(LoadChunk.file_id == file_id, LoadChunk.stage == stage, LoadChunk.findings.is_not(None))
        .order_by(LoadChunk.number)
    ).scalars()
    for blob in blobs:
        out += pickle.loads(zlib.decompress(blob))
    return out


def clear(file_id: int) -> None:
    """The file's parts go (the caller commits)."""
    db.session.execute(LoadChunk.__table__.delete().where(LoadChunk.file_id == file_id))


# -- progress --------------------------------------------------------------------------------------------------
def report(chunk_id: int, done: int) -> tuple[int, int]:
    """Write the part's progress on a connection of its own; returns (done, size) of its stage's
    parts together — the file's share of the stage done."""
    table = LoadChunk.__table__
    with db.engine.begin() as conn:
        conn.execute(table.update().where(table.c.id == chunk_id).values(done=done))
        file_id, stage = conn.execute(select(table.c.file_id, table.c.stage).where(table.c.id == chunk_id)).one()
        total_done, total = conn.execute(
            select(func.coalesce(func.sum(table.c.done), 0), func.coalesce(func.sum(table.c.size), 0)).where(
                table.c.file_id == file_id, table.c.stage == stage
            )
        ).one()
    return int(total_done), int(total)
