"""Demo subset of the books, the book table and the in-memory lookup."""

from __future__ import annotations

import csv
from datetime import date

from app.demo.nsi import DATA_DIR, demo_nsi, load_demo_books
from app.nsi import BOOKS, MemoryNsi, NsiEntry, NsiLookup

REQUIRED = {
    "F002",
    "F003",
    "F008",
    "F011",
    "V002",
    "V005",
    "V006",
    "V008",
    "V009",
    "V010",
    "V012",
    "V014",
    "V021",
    "V025",
    "M001",
}


def test_every_demo_book_is_a_known_book_and_the_required_ones_exist():
    books = load_demo_books()
    assert REQUIRED <= set(books)
    assert set(books) <= set(BOOKS)
    assert all(books[b] for b in books)


def test_csv_format():
    for path in DATA_DIR.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter=";"))
        assert rows[0] == ["code", "name", "date_begin", "date_end"], path.name
        assert all(len(r) == 4 and r[0] and r[1] and r[2] for r in rows[1:]), path.name


def test_no_overlapping_versions_of_a_code():
    for book, rows in load_demo_books().items():
        by: dict[str, list[NsiEntry]] = {}
        for r in rows:
            by.setdefault(r.code, []).append(r)
        for code, versions in by.items():
            versions.sort(key=lambda e: e.date_begin or date.min)
            for a, b in zip(versions, versions[1:], strict=False):
                assert a.date_end is not None and a.date_end < b.date_begin, (book, code)


def test_region_14_content():
    n = demo_nsi()
    assert isinstance(n, NsiLookup)
    for book, codes in {
        "F002": {"14001", "14002"},
        "F003": {"140001", "140002", "140011", "140012"},
        "F008": {"1", "2", "3"},
        "F011": {"3", "14"},
        "V002": {"97", "68", "136", "29", "53", "112", "100", "84", "65"},
        "V005": {"1", "2"},
        "V006": {"1", "2", "3", "4"},
        "V008": {"1", "2", "3", "4", "11", "12", "13", "14", "21", "22", "23", "31", "32", "33"},
        "V009": {"101", "110", "201", "208", "301", "315", "401", "417"},
        "V010": {"25", "28", "29", "30", "32", "33", "36"},
        "V012": {"101", "104", "201", "204", "301", "306", "401", "403"},
        "V014": {"1", "2", "3"},
        "V025": {"1.0", "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.5", "2.6", "3.0", "3.1"},
        "M001": {
            "I10",
            "I11.9",
            "J06.9",
            "J18.9",
            "K35.8",
            "S52.5",
            "O80",
            "O80.0",
            "P07.3",
            "Z00.0",
            "E11.9",
            "C50.9",
            "C34.9",
        },
    }.items():
        assert codes <= n.codes(book), (book, codes - n.codes(book))
    assert "Капитал МС" in n.get("F002", "14001").name
    assert n.get("F003", "140001").name == "ГБУ РС(Я) «Республиканская больница №1»"
    assert n.get("F003", "140002").name == "ГБУ РС(Я) «Якутская городская больница №2»"


def test_memory_lookup_with_dates():
    n = MemoryNsi(
        {
            "V009": [
                NsiEntry("312", "old", date(2011, 1, 1), date(2017, 12, 31)),
                ("101", "выписан", date(2011, 1, 1), None),
            ]
        }
    )
    assert n.knows("V009") and not n.knows("V010")
    assert n.has("V009", "312", date(2017, 12, 31)) and not n.has("V009", "312", date(2018, 1, 1))
    assert n.has("V009", "312") and n.has("V009", " 101 ", date(2030, 1, 1))
    assert not n.has("V009", "999") and not n.has("V010", "30")
    assert n.get("V009", "101").name == "выписан"
    assert n.books() == ["V009"]


def test_book_table():
    assert (BOOKS["V002"].key, BOOKS["V009"].key, BOOKS["F006"].key) == ("IDPR", "IDRMP", "IDVID")
    assert (BOOKS["F002"].key, BOOKS["F003"].key, BOOKS["M001"].key) == ("smocod", "mcod", "IDDS")
    for b in BOOKS.values():
        assert b.title and b.name and b.code[0] in "FVMN"
