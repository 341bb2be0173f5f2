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

    def loaded(self, book: str) -> str | None:
        """What is loaded of the book, for people (:func:`app.nsi.books.loaded_version_text`), or
        None when the lookup does not know."""


class MemoryNsi:
    """In-memory :class:`NsiLookup` built from :class:`NsiEntry` rows (or 4-tuples)."""

    __slots__ = ("_books", "_loaded")

    def __init__(self, books: Mapping[str, Iterable[NsiEntry | tuple]] | None = None):
        self._books: dict[str, dict[str, list[NsiEntry]]] = {}
        self._loaded: dict[str, str] = {}
        for book, rows in (books or {}).items():
            self.add(book, rows)

    def set_loaded(self, book: str, text: str) -> None:
        """Record what is loaded of ``book`` (its version and source), for the rules' messages."""
        self._loaded[book] = text

    def loaded(self, book: str) -> str | None:
        return self._loaded.get(book)

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
