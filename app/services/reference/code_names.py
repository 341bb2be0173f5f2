"""Codes as people read them: «3 — амбулаторно», a code with its name from the reference book in
the database (the books of app.nsi.books), or from the format's own small lists (OPLATA)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

EMPTY = "—"

#: ZL_LIST/ZAP/Z_SL/OPLATA: the payer's decision (the format, not an НСИ book)
OPLATA = {
    "0": "решение не принято",
    "1": "полная оплата",
    "2": "полный отказ",
    "3": "частичный отказ",
}
#: the format's own lists, shown like the books
FORMAT_LISTS = {"OPLATA": OPLATA}


def code_name(book: str, code: object, on: Optional[dt.date] = None) -> Optional[str]:
    """The name of ``code`` in ``book`` (on the date when given), or None when unknown."""
    if code is None or code == "":
        return None
    code = str(code)
    if book in FORMAT_LISTS:
        return FORMAT_LISTS[book].get(code)
    from app.services.reference.nsi import current_lookup

    entry = current_lookup().get(book, code, on)
    if entry is None and on is not None:
        entry = current_lookup().get(book, code)
    return entry.name if entry is not None and entry.name else None


def code_label(book: str, code: object, on: Optional[dt.date] = None) -> str:
    """«3 — амбулаторно»; the bare code when the book does not know it; «—» for no code."""
    if code is None or code == "":
        return EMPTY
    name = code_name(book, code, on)
    return f"{code} — {name}" if name else str(code)
