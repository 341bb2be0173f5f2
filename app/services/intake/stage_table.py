"""The stages of a load in order: the file status each shows while it runs and the share of the
progress bar it covers — for the load's own job (:mod:`app.services.intake.pipeline`) and for the
parts of a load cut into chunks (:mod:`app.services.intake.scale_out.flow`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from app.models.vocabulary import FileStatus
from app.services.intake.context import LoadContext
from app.services.intake.stages import archive, erz, flk, mek, recalc, versions


@dataclass(frozen=True)
class Stage:
    name: str
    status: FileStatus  # what the file row shows while it runs
    start: int  # the progress (%) when it starts
    share: int  # the part of the progress bar it covers
    run: Callable[[LoadContext], None]


STAGES: tuple[Stage, ...] = (
    Stage("archive", FileStatus.ARCHIVE, 2, 1, archive.open_archive),
    Stage("sender", FileStatus.ARCHIVE, 3, 2, archive.check_sender),
    Stage("flk", FileStatus.FLK, 5, 80, flk.run),
    Stage("erz", FileStatus.ERZ, 86, 3, erz.run),
    Stage("mek", FileStatus.MEK, 90, 4, mek.run),
    Stage("recalc", FileStatus.RECALC, 95, 4, recalc.run),
    Stage("versions", FileStatus.RECALC, 99, 1, versions.run),
)
