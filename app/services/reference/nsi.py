"""Reference books (НСИ) in the database: import of the official FFOMS export, the demo subset,
and the lookup the controls use (all books of a load in memory, read once per load)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable, Optional

from sqlalchemy import delete, insert, select

from app.demo.nsi import load_demo_books
from app.extensions import db
from app.models.reference import NsiBookVersion, NsiItem
from app.nsi.books import BOOKS, NsiEntry, row_to_entry
from app.nsi.lookup import MemoryNsi
from app.nsi.packet import PacketHeader, iter_packet

BATCH = 5000


class NsiImportError(ValueError):
    pass


def replace_book(
    book: str,
    entries: Iterable[NsiEntry],
    *,
    version: Optional[str] = None,
    published: Optional[str] = None,
    title: Optional[str] = None,
) -> int:
    """Replace every row of ``book`` with ``entries`` in one transaction (idempotent)."""
    db.session.execute(delete(NsiItem).where(NsiItem.book == book))
    seen: set[tuple] = set()
    batch, total = [], 0
    for e in entries:
        key = (e.code, e.date_begin)
        if key in seen:  # the same code and start twice in one export: keep the first
            continue
        seen.add(key)
        batch.append({"book": book, "code": e.code, "name": e.name, "date_begin": e.date_begin, "date_end": e.date_end})
        if len(batch) >= BATCH:
            db.session.execute(insert(NsiItem), batch)
            total += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(NsiItem), batch)
        total += len(batch)
    row = db.session.query(NsiBookVersion).filter_by(book=book).one_or_none()
    if row is None:
        row = NsiBookVersion(book=book)
        db.session.add(row)
    row.title = title or (BOOKS[book].title if book in BOOKS else book)
    row.version, row.published, row.rows = version, published, total
    from app.models.base import utcnow

    row.imported_at = utcnow()
    return total


def import_packet(path: Path, book: Optional[str] = None) -> dict:
    """Import one official ``<packet>`` export; the book is named by ``book`` or guessed from
    the packet type / file name (``V002``, ``F003`` …)."""
    items = iter_packet(path)
    header = next(items)
    if not isinstance(header, PacketHeader):
        raise NsiImportError("Файл не является выгрузкой справочника ФФОМС (<packet>)")
    book = (book or _guess_book(header, path) or "").upper()
    if book not in BOOKS:
        raise NsiImportError(
            f"Справочник не распознан: укажите его код (--book), известные: {', '.join(sorted(BOOKS))}"
        )
    entries = (row_to_entry(book, row) for row in items if isinstance(row, dict))
    total = replace_book(
        book,
        (e for e in entries if e.code),
        version=header.version,
        published=str(header.date) if header.date else None,
    )
    db.session.commit()
    invalidate_cache()
    return {"book": book, "rows": total, "version": header.version}


def _guess_book(header: PacketHeader, path: Path) -> Optional[str]:
    for candidate in (header.type, Path(path).stem[:4]):
        if candidate and candidate.upper() in BOOKS:
            return candidate.upper()
    return None


def load_demo_nsi() -> dict[str, int]:
    """Load the demo subset (app/demo/data/nsi) for the books that are still empty."""
    present = {b for (b,) in db.session.execute(select(NsiItem.book).distinct())}
    counts = {}
    for book, entries in load_demo_books().items():
        if book not in present:
            counts[book] = replace_book(book, entries, version="demo")
    db.session.commit()
    invalidate_cache()
    return counts


_cache: dict = {}


def invalidate_cache() -> None:
    _cache.clear()


def current_lookup() -> MemoryNsi:
    """All books from the database in memory; rebuilt when an import changed them."""
    stamp = db.session.execute(select(NsiBookVersion.book, NsiBookVersion.imported_at)).all()
    key = tuple(sorted((b, str(t)) for b, t in stamp))
    cached = _cache.get("lookup")
    if cached is not None and cached[0] == key:
        return cached[1]
    lookup = MemoryNsi()
    by_book: dict[str, list[NsiEntry]] = {}
    for book, code, name, begin, end in db.session.execute(
        select(NsiItem.book, NsiItem.code, NsiItem.name, NsiItem.date_begin, NsiItem.date_end)
    ):
        by_book.setdefault(book, []).append(NsiEntry(code, name, begin, end))
    for book, rows in by_book.items():
        lookup.add(book, rows)
    _cache["lookup"] = (key, lookup)
    return lookup


def book_counts() -> Counter:
    return Counter({b: n for b, n in db.session.execute(select(NsiItem.book, db.func.count()).group_by(NsiItem.book))})
