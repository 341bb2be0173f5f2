"""Thin job functions of the file intake: unpack the arguments, call the service."""
from app.services.intake.pipeline import load_file as _load_file


def load_file(file_id: int) -> dict:
    return _load_file(file_id)
