"""Demo subset of the reference books for a region-14 (Республика Саха (Якутия), OKATO 98) МО.

One CSV per book in ``app/demo/data/nsi/`` (``code;name;date_begin;date_end``, UTF-8, ISO dates, empty =
open).  The rows are written for this project (short names); they are a subset for demo files and
tests, not a replacement for the official books.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from app.nsi.books import NsiEntry
from app.nsi.lookup import MemoryNsi
from app.nsi.packet import parse_nsi_date

DATA_DIR = Path(__file__).resolve().parent / "data" / "nsi"


def read_book_csv(path: Path) -> list[NsiEntry]:
    rows: list[NsiEntry] = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        for r in reader:
            code = (r.get("code") or "").strip()
            if not code:
                continue
            rows.append(
                NsiEntry(
                    code=code,
                    name=(r.get("name") or "").strip(),
                    date_begin=parse_nsi_date(r.get("date_begin")),
                    date_end=parse_nsi_date(r.get("date_end")),
                )
            )
    return rows


def load_demo_books() -> dict[str, list[NsiEntry]]:
    """``{book code: [NsiEntry …]}`` for every CSV in the demo data folder."""
    return {p.stem: read_book_csv(p) for p in sorted(DATA_DIR.glob("*.csv"))}


@lru_cache(maxsize=1)
def _demo() -> MemoryNsi:
    return MemoryNsi(load_demo_books())


def demo_nsi() -> MemoryNsi:
    """A shared read-only :class:`MemoryNsi` with the demo books."""
    return _demo()
