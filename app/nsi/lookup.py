"""Reference-book lookup used by the controls.

:class:`NsiLookup` is the whole interface the ФЛК rules need; the database-backed
implementation comes later.  :class:`MemoryNsi` keeps books in dicts (tests, demo data, and a
per-load cache of the database books).
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping, Protocol, runtime_checkable

from app.nsi.books import NsiEntry


@runtime_checkable
class NsiLookup(Protocol):
    def has(self, book: str, code: str, on_date: date | None = None) -> bool:
        """True if ``code`` exists in ``book`` (valid on ``on_date`` when given)."""

    def knows(self, book: str) -> bool:
        """True if the book is loaded at all (rules on unknown books are skipped, not failed)."""


class MemoryNsi:
    """In-memory :class:`NsiLookup` built from :class:`NsiEntry` rows (or 4-tuples)."""

    __slots__ = ("_books",)

    def __init__(self, books: Mapping[str, Iterable[NsiEntry | tuple]] | None = None):
        self._books: dict[str, dict[str, list[NsiEntry]]] = {}
        for book, rows in (books or {}).items():
            self.add(book, rows)

    def add(self, book: str, rows: Iterable[NsiEntry | tuple]) -> None:
        codes = self._books.setdefault(book, {})
        for r in rows:
            e = r if isinstance(r, NsiEntry) else NsiEntry(*r)
            codes.setdefault(e.code, []).append(e)

    def knows(self, book: str) -> bool:
        return book in self._books

    def has(self, book: str, code: str, on_date: date | None = None) -> bool:
        return self.get(book, code, on_date) is not None

    def get(self, book: str, code: str, on_date: date | None = None) -> NsiEntry | None:
        versions = self._books.get(book, {}).get(code.strip() if code else code)
        if not versions:
            return None
        for e in versions:
            if e.valid_on(on_date):
                return e
        return None

    def codes(self, book: str) -> set[str]:
        return set(self._books.get(book, ()))

    def books(self) -> list[str]:
        return sorted(self._books)
