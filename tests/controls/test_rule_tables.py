"""Reader of the official rule tables Q015/Q016 (and regional Q022/Q023)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.controls.rule_tables import iter_rule_table, read_rule_table
from app.nsi.packet import PacketError


@pytest.fixture()
def tables(official_reference):
    """The folder of the official rule tables."""
    return official_reference / "ruslanzykov__check_tfoms_errors"


@pytest.fixture()
def table(tables):
    """``table("Q015")``: the rows of an official rule table."""

    def read(name):
        path = tables / f"{name}.xml"
        assert path.is_file(), f"reference table missing: {path}"
        return read_rule_table(path)

    return read


def test_q015_has_800_rules(table):
    rows = table("Q015")
    assert len(rows) == 800
    assert {r["kind"] for r in rows} == {"Q015"}
    assert all(r["message"] for r in rows)
    assert max(len(r["message"]) for r in rows) <= 250
    by = {r["code"]: r for r in rows}
    r = by["003F.00.0400"]
    assert r["element"] == "ZL_LIST/ZAP/Z_SL/NPR_MO"
    assert r["file_types"] == "CDHRT"
    assert r["condition"] == "(FOR_POM=3 и USL_OK=1) или USL_OK=2"
    assert (r["valid_from"], r["valid_to"]) == (date(2019, 11, 1), None)
    assert by["006F.00.0310"]["message"] == "Значение поля не должно быть больше DATE_Z_1"
    assert by["001F.00.0030"]["nsi_obj"] == "F003" and by["001F.00.0030"]["nsi_el"] == "mcod"
    assert by["003F.00.0061"]["valid_to"] == date(2020, 12, 31)
    assert by["003F.00.0080"]["message"].endswith(": VPOLIS<>1")
    assert by["001F.00.0050"]["file_types"] == "X"  # a single TYPE_D


def test_q016_has_314_checks(table):
    rows = table("Q016")
    assert len(rows) == 314
    assert {r["kind"] for r in rows} == {"Q016"}
    assert any(r["code"] == "003K.00.0130" and r["element"] == "ZL_LIST/SCHET/SUMMAV" for r in rows)


def test_regional_tables_are_read_too(table):
    assert {r["kind"] for r in table("Q022")} == {"Q022"} and len(table("Q022")) == 62
    assert {r["kind"] for r in table("Q023")} == {"Q023"} and len(table("Q023")) == 264


def test_reading_streams(tables):
    it = iter_rule_table(tables / "Q015.xml")
    assert next(it)["code"] == "001F.00.0010"


def test_explicit_kind_wins():
    doc = (
        b'<?xml version="1.0" encoding="windows-1251"?><packet><zglv><type>X</type></zglv>'
        b'<zap><ID_TEST>001F.14.0001</ID_TEST><ID_EL>ZL_LIST/ZAP</ID_EL>'
        b'<COMMENT>\xcf\xf0\xee\xe2\xe5\xf0\xea\xe0</COMMENT><DATEBEG>01.01.2025</DATEBEG><DATEEND/></zap></packet>'
    )
    [row] = read_rule_table(io.BytesIO(doc), kind="Q022")
    assert row["kind"] == "Q022" and row["message"] == "Проверка" and row["valid_from"] == date(2025, 1, 1)


def test_unsafe_or_foreign_documents_are_refused():
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE packet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<packet><zglv><type>FLK_MPF</type></zglv><zap><ID_TEST>&x;</ID_TEST></zap></packet>'
    )
    with pytest.raises(PacketError):
        read_rule_table(io.BytesIO(xxe))
    with pytest.raises(PacketError):
        read_rule_table(io.BytesIO(b"<ZL_LIST><ZGLV/></ZL_LIST>"))
