"""Reference books (НСИ) in the database: import of the official FFOMS export, the demo subset,
and the lookup the controls use (all books of a load in memory, read once per load)."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional, Union

from flask import current_app
from lxml import etree
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError

from app.core import audit
from app.core.outcome import Outcome, Refusal
from app.demo.nsi import load_demo_books
from app.extensions import db
from app.jobs.runtime import QUEUE_DOWN, QueueUnavailable, enqueue, report_progress
from app.models.reference import NsiBookVersion, NsiItem
from app.models.user import OmsUser
from app.models.vocabulary import Resource
from app.nsi import federal
from app.nsi.books import BOOKS, DEMO_VERSION, NsiEntry, loaded_version_text, row_to_entry
from app.nsi.lookup import MemoryNsi
from app.nsi.packet import PacketError, PacketHeader, iter_packet
from app.security.access import can
from app.security.permissions import PERM_WRITE

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
    """``oms import-nsi``: one official ``<packet>`` export from a file; the book is named by
    ``book`` or guessed from the packet type / file name (``V002``, ``F003`` …)."""
    with open(path, "rb") as stream:
        return import_packet_stream(stream, book=book, name_hint=Path(path).name)


def import_packet_stream(
    source: Union[Path, IO[bytes]],
    *,
    book: Optional[str] = None,
    name_hint: Optional[str] = None,
    version: Optional[str] = None,
    published: Optional[date] = None,
    user: Optional[OmsUser] = None,
    origin: Optional[str] = None,
) -> dict:
    """Import one НСИ ``<packet>`` (a path or a binary stream) — the one import of ``oms
    import-nsi``, ``oms fetch-nsi`` and «Обновить из ФФОМС».

    All or nothing, in one transaction: the book's rows are replaced and its version recorded, or,
    on any refusal (:class:`NsiImportError`: not a packet, a broken XML, a packet of another book,
    no rows), the book stays as it was.  ``version``/``published`` stand in when the packet's
    header has none (the federal service's version list knows them)."""
    code = (book or "").upper()
    try:
        items = iter_packet(source)
        header = next(items, None)
        if not isinstance(header, PacketHeader):
            raise NsiImportError(NOT_A_PACKET)
        code = (book or _guess_book(header, name_hint) or "").upper()
        if code not in BOOKS:
            raise NsiImportError(
                f"Справочник не распознан: укажите его код (--book), известные: {', '.join(sorted(BOOKS))}"
            )
        named = (header.type or "").strip().upper()
        if named in BOOKS and named != code:
            raise NsiImportError(f"Выгрузка содержит справочник {named}, а не {code}")
        version = (header.version or version or "").strip()[:20] or None  # the column's width
        total = replace_book(
            code,
            _entries(code, items),
            version=version,
            published=str(header.date or published) if (header.date or published) else None,
        )
        if total == 0:
            raise NsiImportError(f"В выгрузке {code} нет ни одной строки: справочник не изменен")
        audit.record(
            "nsi_imported",
            user=user,
            object_type="NsiBookVersion",
            object_id=code,
            details={"rows": total, "version": version, "source": origin or name_hint},
        )
        db.session.commit()
    except (PacketError, etree.XMLSyntaxError) as exc:
        db.session.rollback()
        raise NsiImportError(f"{NOT_A_PACKET}: {exc}") from None
    except DBAPIError as exc:  # a value longer than its column, …
        db.session.rollback()
        raise NsiImportError(f"Строки выгрузки {code} не записаны в базу: {exc.orig}") from None
    except BaseException:
        db.session.rollback()
        raise
    invalidate_cache()
    return {"book": code, "rows": total, "version": version}


NOT_A_PACKET = "Файл не является выгрузкой справочника ФФОМС (<packet>) или поврежден"


def _entries(code: str, rows: Iterator) -> Iterator[NsiEntry]:
    """The rows of a packet as entries of ``code``; a packet whose rows lack the book's code field
    is another book's."""
    bd = BOOKS[code]
    for n, row in enumerate((r for r in rows if isinstance(r, dict)), 1):
        if n == 1 and bd.key not in row:
            fields = ", ".join(list(row)[:6])
            raise NsiImportError(
                f"Выгрузка не похожа на справочник {code}: в строках нет поля {bd.key} (есть: {fields})"
            )
        try:
            yield row_to_entry(bd, row)
        except ValueError:
            raise NsiImportError(f"{code}: в строке {n} выгрузки нет кода ({bd.key})") from None


def _guess_book(header: PacketHeader, name: Optional[str]) -> Optional[str]:
    for candidate in (header.type, Path(name).stem[:4] if name else None):
        if candidate and candidate.upper() in BOOKS:
            return candidate.upper()
    return None


# -- the federal НСИ service ----------------------------------------------------------------------------
FETCH_STARTED = "Обновление справочников из ФФОМС запущено: ход — в «Фоновые задачи»"
FETCH_FORBIDDEN = "Обновлять справочники может только администратор ТФОМС"
FETCH_TITLE = "Обновление справочников НСИ из ФФОМС"


class NsiFetchFailed(RuntimeError):
    """No book could be updated (the job ends with this message)."""


def books_to_fetch(codes: Optional[Iterable[str]] = None) -> list[str]:
    """The books named (all the controls use when none), checked against :data:`BOOKS`."""
    wanted = [c.strip().upper() for c in (codes or ()) if c and c.strip()]
    unknown = [c for c in wanted if c not in BOOKS]
    if unknown:
        raise NsiImportError(f"Неизвестные справочники: {', '.join(unknown)}; известные: {', '.join(sorted(BOOKS))}")
    return wanted or sorted(BOOKS)


def fetch_book(code: str, *, user: Optional[OmsUser] = None) -> dict:
    """Download the current version of one book from the federal service (``NSI_SERVICE_URL``)
    and import it; ``{"book", "ok", "message", "rows"?, "version"?}``.  Whatever goes wrong (no
    answer in ``NSI_FETCH_TIMEOUT`` s, an HTTP error, an HTML page, another book's packet, a broken
    ZIP or XML), the book stays as it was and the message says why."""
    base = current_app.config.get("NSI_SERVICE_URL") or federal.DEFAULT_BASE_URL
    timeout = float(current_app.config.get("NSI_FETCH_TIMEOUT") or 60)
    root = Path(current_app.config["DATA_DIR"]) / "nsi-fetch"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{code}-", dir=root) as tmp:
        work = Path(tmp)
        try:
            remote = federal.latest_version(federal.read_json(federal.versions_url(base, code), timeout=timeout), code)
            url = federal.packet_url(base, code, remote.version)
            federal.download(url, work / "answer", timeout=timeout)
            packet = federal.open_packet(
                work / "answer", work, code=code, version=remote.version, published=remote.published
            )
            with open(packet, "rb") as stream:
                result = import_packet_stream(
                    stream, book=code, version=remote.version, published=remote.published, user=user, origin=url
                )
        except (federal.FederalNsiError, NsiImportError) as exc:
            return {"book": code, "ok": False, "message": f"{code}: справочник не обновлен — {exc}"}
    loaded = loaded_version_text(code, result["version"], remote.published)
    return {**result, "ok": True, "message": f"{code}: загружено строк {result['rows']} ({loaded})"}


def fetch_books(codes: Optional[Iterable[str]] = None, *, user: Optional[OmsUser] = None) -> list[dict]:
    """``oms fetch-nsi`` and the job of «Обновить из ФФОМС»: :func:`fetch_book` for each book, each
    in its own transaction, the progress per book in «Фоновые задачи»."""
    books = books_to_fetch(codes)
    results = []
    for i, code in enumerate(books):
        report_progress(100 * i // len(books), f"{code}: загрузка из ФФОМС ({i + 1} из {len(books)})")
        results.append(fetch_book(code, user=user))
    report_progress(100, fetch_summary(results))
    return results


def fetch_summary(results: list[dict]) -> str:
    ok = [r["book"] for r in results if r["ok"]]
    text = f"Обновлено справочников: {len(ok)} из {len(results)}"
    failed = [r["message"] for r in results if not r["ok"]]
    return text + (". Не обновлены: " + "; ".join(failed) if failed else "")


def run_fetch_job(codes: Optional[list[str]], user_id: Optional[int]) -> dict:
    """The job: fetch the books; fails (with the reasons) only when none was updated."""
    user = db.session.get(OmsUser, user_id) if user_id else None
    results = fetch_books(codes, user=user)
    summary = fetch_summary(results)
    if results and not any(r["ok"] for r in results):
        raise NsiFetchFailed(summary)
    return {"message": summary, "books": results}


def start_fetch(user: OmsUser, codes: Optional[list[str]] = None) -> Outcome:
    """«Обновить из ФФОМС»: the fetch as a background job (the fund's administrator only)."""
    if not can(user, PERM_WRITE, Resource.NSI):
        return Outcome.refused(FETCH_FORBIDDEN, refusal=Refusal.FORBIDDEN)
    try:
        books = books_to_fetch(codes)
    except NsiImportError as exc:
        return Outcome.refused(str(exc), refusal=Refusal.INVALID)
    try:
        enqueue(
            "app.jobs.nsi_jobs.fetch_books",
            books if codes else None,
            user.id,
            title=FETCH_TITLE,
            user=user,
        )
    except QueueUnavailable:
        return Outcome.refused(QUEUE_DOWN)
    return Outcome.done(FETCH_STARTED)


def load_demo_nsi() -> dict[str, int]:
    """Load the demo subset (app/demo/data/nsi) for the books that are still empty."""
    present = {b for (b,) in db.session.execute(select(NsiItem.book).distinct())}
    counts = {}
    for book, entries in load_demo_books().items():
        if book not in present:
            counts[book] = replace_book(book, entries, version=DEMO_VERSION)
    db.session.commit()
    invalidate_cache()
    return counts


_cache: dict = {}


def invalidate_cache() -> None:
    _cache.clear()


def current_lookup() -> MemoryNsi:
    """All books from the database in memory; rebuilt when an import changed them."""
    stamp = db.session.execute(
        select(NsiBookVersion.book, NsiBookVersion.imported_at, NsiBookVersion.version, NsiBookVersion.published)
    ).all()
    key = tuple(sorted((b, str(t)) for b, t, _, _ in stamp))
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
    for book, _, version, published in stamp:
        lookup.set_loaded(book, loaded_version_text(book, version, published))
    _cache["lookup"] = (key, lookup)
    return lookup


def book_counts() -> Counter:
    return Counter({b: n for b, n in db.session.execute(select(NsiItem.book, db.func.count()).group_by(NsiItem.book))})
