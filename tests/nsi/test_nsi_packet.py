"""НСИ packet reader on the old official dumps, and its safety."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.nsi import BOOKS, PacketHeader, iter_packet, parse_nsi_date, read_packet, row_to_entry
from app.nsi.packet import PacketError


@pytest.fixture()
def dump(official_reference):
    """``dump("V002")``: the path of an old official НСИ dump."""

    def path_of(book):
        path = official_reference / "AshurkovAV__SQL_T" / f"{book}_extracted_from_SQLScript.xml"
        assert path.is_file(), f"reference dump missing: {path}"
        return path

    return path_of


def test_v002_dump(dump):
    header, rows = read_packet(dump("V002"))
    rows = list(rows)
    assert (header.type, header.version, header.date) == ("ProfOt", "3.0", date(2018, 3, 30))
    assert len(rows) == 155
    assert rows[0] == {"IDPR": "1", "PRNAME": "хирургии (абдоминальной)", "DATEBEG": "01.01.2011", "DATEEND": None}
    entries = [row_to_entry("V002", r) for r in rows]
    assert entries[0].code == "1" and entries[0].date_begin == date(2011, 1, 1) and entries[0].date_end is None
    v136 = [e for e in entries if e.code == "136"]
    assert len(v136) == 2 and v136[0].date_end == date(2017, 12, 11) and v136[1].date_begin == date(2017, 12, 12)


def test_v009_dump(dump):
    header, rows = read_packet(dump("V009"))
    rows = list(rows)
    assert (header.type, header.version) == ("Rezult", "3.1")
    assert len(rows) == 106
    e = row_to_entry("V009", rows[0])
    assert (e.code, e.name) == ("101", "Выписан") and rows[0]["DL_USLOV"] == "1"
    closed = {row_to_entry("V009", r).code: row_to_entry("V009", r) for r in rows}["312"]
    assert closed.date_end == date(2017, 12, 31) and not closed.valid_on(date(2025, 1, 1))


def test_f006_dump(dump):
    items = list(iter_packet(dump("F006")))
    assert isinstance(items[0], PacketHeader) and items[0].type == "VidExp"
    rows = items[1:]
    assert len(rows) == 25
    e = row_to_entry(BOOKS["F006"], rows[0])
    assert (e.code, e.name) == ("1", "МЭК (медико-экономический контроль)")


def test_dates():
    assert parse_nsi_date("01.11.2019") == date(2019, 11, 1)
    assert parse_nsi_date("2019-11-01") == date(2019, 11, 1)
    assert parse_nsi_date("2019-11-01T00:00:00") == date(2019, 11, 1)
    assert parse_nsi_date("31.02.2019") is None and parse_nsi_date("") is None and parse_nsi_date(None) is None


def test_repeated_leaves_become_lists_and_empty_leaves_none():
    doc = b"<packet><zap><K>1</K><T>a</T><T>b</T><E/><N><X>deep</X></N></zap></packet>"
    header, rows = read_packet(io.BytesIO(doc))
    assert header == PacketHeader()
    assert list(rows) == [{"K": "1", "T": ["a", "b"], "E": None, "X": "deep"}]


def test_entities_and_dtd_are_refused():
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE packet [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        b"<packet><zap><K>&x;</K></zap></packet>"
    )
    with pytest.raises(PacketError):
        list(iter_packet(io.BytesIO(doc)))


def test_not_a_packet():
    with pytest.raises(PacketError):
        list(iter_packet(io.BytesIO(b"<root/>")))


def test_row_without_code():
    with pytest.raises(ValueError):
        row_to_entry("V002", {"PRNAME": "x"})
