"""The typed context of one file load, handed from stage to stage (:mod:`app.services.intake.pipeline`).

It holds what the load knows so far — the file's row fields, the extracted pair, the sender, the
reporting period, the ФЛК context — and reports the file's status and progress: the pipeline
enters each stage (its status and the percentage it starts at), the stage reports the share of
its own work done, and the context turns that into the file row's percentage.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import update

from app.controls.flk import FlkContext
from app.extensions import db
from app.formats.archive import ArchivePair
from app.formats.record import Node
from app.jobs.runtime import report_progress
from app.models.intake import UploadedFile
from app.models.vocabulary import FileStatus


class LoadFailed(Exception):
    """The load ends in ``status`` with ``note``.  ``cleanup``: remove what the load wrote (a
    refusal before anything was written, or after the ФЛК kept its errors for the protocol, keeps
    them)."""

    def __init__(self, status: FileStatus, note: str, cleanup: bool = True) -> None:
        super().__init__(note)
        self.status, self.note, self.cleanup = status, note, cleanup


@dataclass
class LoadContext:
    # the uploaded file
    file_id: int
    organisation_id: int
    uploaded_by_id: Optional[int]
    archive_path: Optional[str]
    workdir: Path
    # «Проверить без загрузки»: the same stages, then the protocol is kept and the cases go
    # (app/services/intake/dry_run.py); the stage «versions» only counts
    dry_run: bool = False
    # «Проверка архива»: the extracted pair, who sent it
    pair: Optional[ArchivePair] = None
    file_type: Optional[str] = None  # H, C, T, DP, …
    sender_code: Optional[str] = None  # the МО or the subdivision that sends the file
    subdivision_id: Optional[int] = None
    # «ФЛК»: the header's period and the context of the rules
    year: Optional[int] = None
    month: Optional[int] = None
    header: Optional[Node] = None  # ZL_LIST header (ZGLV, SCHET): DISP, the account's sums for the МЭК
    flk: Optional[FlkContext] = None
    # the ФЛК cut the file into chunks: the rest of the load runs in the chunks' jobs
    # (app/services/intake/scale_out/flow.py), not in this one
    handed_off: bool = False
    chunk_context: Optional[dict] = None  # a part's: what the cutting wrote beside the chunks
    in_parts: bool = True  # a big file may be cut into chunks (the command line loads it whole)
    # progress: the stage being run, its status, start and share of the file's percentage
    stage: str = ""
    status: FileStatus = FileStatus.QUEUED
    start: int = 0
    share: int = 0
    percent: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    _entered: float = field(default=0.0, repr=False)

    @classmethod
    def of(cls, row: UploadedFile, workdir: Path) -> "LoadContext":
        return cls(
            file_id=row.id,
            organisation_id=row.organisation_id,
            uploaded_by_id=row.uploaded_by_id,
            archive_path=row.archive_path,
            workdir=workdir,
            dry_run=bool(row.dry_run),
        )

    @property
    def disp(self) -> Optional[str]:
        """SCHET/DISP of a D-file (ДВ4, ОПВ, ДС1 …), None for H, C, T."""
        schet = self.header.child("SCHET") if self.header is not None else None
        value = schet.get("DISP") if schet is not None else None
        return value[:3] if value else None

    # -- the file row ----------------------------------------------------------------------------
    def update_file(self, **values: Any) -> None:
        """Write columns of the file row and commit (the load's own transaction)."""
        db.session.execute(update(UploadedFile).where(UploadedFile.id == self.file_id).values(**values))
        db.session.commit()

    def set_status(self, status: FileStatus, progress: Optional[int] = None, **values: Any) -> None:
        """Write the status (and progress, and other columns) of the file row and commit — with
        whatever the load's transaction holds — then mirror the progress on the job's row."""
        values["status"] = status
        if progress is not None:
            values["progress"] = progress
            self.percent = progress
        self.update_file(**values)
        if progress is not None:
            report_progress(progress, status)

    # -- stages -----------------------------------------------------------------------------------
    def enter(self, name: str, status: FileStatus, start: int, share: int) -> None:
        self._leave()
        self.stage, self.status, self.start, self.share = name, status, start, share
        self.timings[name] = 0.0
        self._entered = time.perf_counter()
        self.set_status(status, start)

    def progress(self, done: float) -> None:
        """The running stage has done ``done`` (0…1) of its work."""
        percent = self.start + int(self.share * max(0.0, min(1.0, done)))
        if percent != self.percent:
            self.set_status(self.status, percent)

    def _leave(self) -> None:
        if self._entered:
            self.timings[self.stage] = time.perf_counter() - self._entered
            self._entered = 0.0

    def finish(self) -> None:
        self._leave()
