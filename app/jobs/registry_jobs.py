"""Thin job functions of the registries."""
from app.services.registries.documents import generate_documents as _generate


def generate_documents(registry_id: int) -> dict:
    return _generate(registry_id)
