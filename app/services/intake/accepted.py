"""Reading back the cases of a file that passed the ФЛК, batch by batch, for the stages after it
(ЕРЗ, МЭК, recalculation): only ids are held, each batch is read by a primary-key range."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Sequence

from sqlalchemy import Select, select

from app.extensions import db
from app.models.intake import MedicalCase
from app.models.vocabulary import CaseStatus

Range = tuple[int, int]  # (first case id, last case id), both included


def accepted_chunks(file_id: int, size: int, within: Optional[Range] = None, counted: bool = False) -> list:
    """(first id, last id) of consecutive chunks of the file's accepted cases (of those ``within``);
    ``counted``: (first id, last id, number of cases)."""
    query = select(MedicalCase.id).where(MedicalCase.file_id == file_id, MedicalCase.status == CaseStatus.ACCEPTED)
    if within is not None:
        query = query.where(MedicalCase.id >= within[0], MedicalCase.id <= within[1])
    ids = db.session.execute(query.order_by(MedicalCase.id)).scalars().all()
    ends = [(i, min(i + size, len(ids)) - 1) for i in range(0, len(ids), size)]
    if counted:
        return [(ids[a], ids[b], b - a + 1) for a, b in ends]
    return [(ids[a], ids[b]) for a, b in ends]


def in_file(file_id: int, rows: Sequence[Any]) -> list[Any]:
    """The rows of a primary-key range that are accepted cases of the file.  (The range is read by
    the primary key alone: with the file and status in the query PostgreSQL picks the file's index
    for a file it has no statistics of yet, and scans the whole file for every batch.)"""
    return [r for r in rows if r.file_id == file_id and r.status == CaseStatus.ACCEPTED]


def accepted_batches(
    file_id: int,
    size: int,
    query: Select,
    progress: Optional[Callable[[float], None]] = None,
    within: Optional[Range] = None,
) -> Iterator[list[Any]]:
    """The accepted cases of the file in batches of ``size``: ``query`` is a SELECT that includes
    ``medical_case.id``, ``file_id`` and ``status`` (joins allowed); it is limited to each id
    range here.  ``progress(share done)`` is called before every batch but the first.  ``within``:
    only the cases of this id range (a part of a load cut into chunks)."""
    chunks = accepted_chunks(file_id, size, within)
    for n, (first, last) in enumerate(chunks):
        if progress is not None and n:
            progress(n / len(chunks))
        rows = (
            db.session.connection()
            .execute(  # plain rows, no ORM loading
                query.where(MedicalCase.id >= first, MedicalCase.id <= last).order_by(MedicalCase.id)
            )
            .all()
        )
        yield in_file(file_id, rows)
