"""Thin job functions of the file intake: unpack the arguments, call the service."""

from app.services.intake import recovery
from app.services.intake.pipeline import load_file as _load_file
from app.services.intake.scale_out import flow


def load_file(file_id: int) -> dict:
    return _load_file(file_id)


def load_chunk():
    """A job of the chunk queue: the fairest part of a load cut into chunks (it names none)."""
    return flow.run_next_part()


def recover_load(file_id: int, *, reason: str, job_id: int | None = None) -> None:
    """The load's process died (:mod:`app.jobs.recovery`)."""
    recovery.end_interrupted_load(file_id, reason)


def recover_chunk(*, reason: str, job_id: int) -> None:
    """The process of a part of a load cut into chunks died: its file ends."""
    flow.recover_part(job_id, reason)
