"""Thin job functions of the file intake: unpack the arguments, call the service."""

from app.services.intake import recovery
from app.services.intake.pipeline import load_file as _load_file


def load_file(file_id: int) -> dict:
    return _load_file(file_id)


def recover_load(file_id: int, *, reason: str) -> None:
    """The load's process died (:mod:`app.jobs.recovery`)."""
    recovery.end_interrupted_load(file_id, reason)
