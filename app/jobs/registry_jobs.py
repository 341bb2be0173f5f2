"""Thin job functions of the registries."""

from app.services.registries import documents


def generate_documents(registry_id: int) -> dict:
    return documents.generate_documents(registry_id)


def recover_documents(registry_id: int, *, reason: str, job_id: int | None = None) -> None:
    """The documents job's process died (:mod:`app.jobs.recovery`)."""
    documents.mark_interrupted(registry_id, reason)
