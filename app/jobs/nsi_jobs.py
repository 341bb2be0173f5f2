"""Thin job functions of the reference books (НСИ)."""

from typing import Optional

from app.services.reference import nsi


def fetch_books(codes: Optional[list[str]], user_id: Optional[int]) -> dict:
    """«Обновить из ФФОМС»: the books from the federal НСИ service, progress per book."""
    return nsi.run_fetch_job(codes, user_id)
