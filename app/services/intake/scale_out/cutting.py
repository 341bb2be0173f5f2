"""The cutting of a big file: once the load's own job has read more than ``LOAD_CHUNK_RECORDS``
records, it writes every chunk of records, the first included, to a chunk file of its work
folder (``DATA_DIR/work/<file>/chunks``, shared by the worker hosts as the uploaded archives are) with
the case ids reserved for them in file order, registers the part and queues a job for it — the
workers check the first chunks while the file is still being read.  What the chunks need of the
file (its headers, the persons of the L file with errors, whether a fatal error rejects every case)
is written once beside them; what the reading found after the last record (a break, the file
totals) at the end, for the last part to finish (:func:`app.services.intake.scale_out.flow.after_flk`).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, Optional

from app.controls.finding import Finding
from app.core.bulk import reserve_ids, supports_reserved_ids
from app.extensions import db
from app.formats.record import Node
from app.models.intake import MedicalCase
from app.services.intake.context import LoadContext
from app.services.intake.scale_out import chunks
from app.services.intake.scale_out.records import Record, encode

STAGE = "flk"


def folder(load: LoadContext) -> Path:
    return load.workdir / "chunks"


def chunk_path(load: LoadContext, number: int) -> Path:
    return folder(load) / f"flk-{number}.bin"


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_pickle(path: Path, value: Any) -> None:
    _write(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def read_pickle(path: Path) -> Any:
    return pickle.loads(path.read_bytes())


class Cutter:
    """Takes the records after the first chunk, in file order, and hands them out chunk by chunk."""

    def __init__(self, load: LoadContext, limit: int, context: dict) -> None:
        self.load, self.limit = load, limit
        self.records: list[Record] = []
        self.number = 0
        self.first = 1  # the number of the first record of the chunk being filled
        folder(load).mkdir(parents=True, exist_ok=True)
        flk = load.flk
        write_pickle(
            folder(load) / "context.pkl",
            dict(
                context,
                header=load.header,
                sender_code=load.sender_code,
                subdivision_id=load.subdivision_id,
                file_type=load.file_type,
                year=load.year,
                month=load.month,
                today=flk.today if flk is not None else None,
                member_name=load.pair.h_name,
                l_member_name=load.pair.l_name,
            ),
        )
        chunks.open_stage(load.file_id, 1)  # the cutting counts as one part until it ends
        db.session.commit()

    def take(self, zap: Node, reader_findings: list[Finding], totals_findings: list[Finding]) -> None:
        self.records.append((zap, reader_findings, totals_findings))
        if len(self.records) >= self.limit:
            self._ship()

    def _ship(self) -> None:
        if not self.records:
            return
        load, count = self.load, len(self.records)
        self.number += 1
        ids: Optional[list[int]] = reserve_ids(MedicalCase.__table__, count) if supports_reserved_ids() else None
        _write(chunk_path(load, self.number), encode(self.records, ids))
        chunks.add(load.file_id, load.organisation_id, STAGE, self.number, self.first, self.first + count - 1, count)
        chunks.open_more(load.file_id)
        db.session.commit()
        chunks.call_worker(load.organisation_id, f"ФЛК записей {self.first}–{self.first + count - 1}")
        self.first += count
        self.records = []

    def finish(self, tail: list[Finding], records: int, fatal: bool, version_note: Optional[str]) -> None:
        """The last chunk, and what the ФЛК found after the records (the caller then counts the
        cutting done: :func:`app.services.intake.scale_out.flow.cutting_done`)."""
        self._ship()
        write_pickle(
            folder(self.load) / "tail.pkl",
            dict(tail=tail, records=records, fatal=fatal, version_note=version_note),
        )
