"""``oms import-erz``: the CSV and the XML form, batches, idempotent re-import, rejected rows."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import func, select

from app.erz.importer import ErzImportError, import_file, import_records, read_csv
from app.extensions import db
from app.models.erz import ErzPerson, ErzPolicy

_n = itertools.count(1)


def enp() -> str:
    """A fresh ЕНП of region 77 (the demo register uses 98 and 45)."""
    return f"77{next(_n):014d}"


def person(e: str):
    return db.session.execute(select(ErzPerson).where(ErzPerson.enp == e)).scalar_one()


def policies(e: str) -> list[tuple]:
    return [
        (p.policy_type, p.series, p.number, p.smo_code, p.okato, p.date_begin, p.date_end) for p in person(e).policies
    ]


def totals() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count()).select_from(ErzPerson)).scalar_one(),
        db.session.execute(select(func.count()).select_from(ErzPolicy)).scalar_one(),
    )


def test_csv_with_policy_history_and_idempotent_reimport(db, tmp_path):
    a, b = enp(), enp()
    path = tmp_path / "erz.csv"
    path.write_text(
        "enp;fam;im;ot;w;dr;snils;doctype;docser;docnum;ddeath;vpolis;spolis;npolis;smo;okato;dbeg;dend\n"
        f"{a};Иванов;Пётр;Сергеевич;1;17.05.1980;123-456-789 64;14;98 01;123456;;"
        "1;ЯК;0000001;14002;98000;01.01.2011;31.12.2019\n"
        f"{a};Иванов;Пётр;Сергеевич;1;17.05.1980;123-456-789 64;14;98 01;123456;;3;;{a};14001;98000;2020-01-01;\n"
        f"{b};Петрова;Анна;;2;2001-02-03;;;;;2025-03-01;3;;;14002;98000;2020-01-01;2025-03-01\n",
        encoding="utf-8-sig",
    )
    first = import_file(path)
    assert (first.rows, first.rejected, first.persons, first.policies) == (3, 0, 2, 3)
    p = person(a)
    assert (p.fam, p.im, p.ot, p.w, p.dr, p.snils) == (
        "Иванов",
        "Пётр",
        "Сергеевич",
        1,
        dt.date(1980, 5, 17),
        "12345678964",
    )
    assert p.name_key == "ИВАНОВ|ПЕТР|СЕРГЕЕВИЧ"
    assert policies(a) == [
        (1, "ЯК", "0000001", "14002", "98000", dt.date(2011, 1, 1), dt.date(2019, 12, 31)),
        (3, "", a, "14001", "98000", dt.date(2020, 1, 1), None),
    ]
    assert person(b).death_date == dt.date(2025, 3, 1)
    assert policies(b)[0][2] == b  # a VPOLIS 3 policy without NPOLIS is the ЕНП
    before = totals()
    again = import_file(path)
    assert (again.persons, again.policies) == (2, 3) and totals() == before
    # a later file changes a person and closes a policy in place
    path.write_text(
        f"ENP,FAM,IM,DR,VPOLIS,NPOLIS,SMO,OKATO,DBEG,DEND\n"
        f"{a},Иванов,Пётр,1980-05-17,3,{a},14001,98000,2020-01-01,2026-06-30\n",
        encoding="utf-8",
    )
    import_file(path)
    db.session.expire_all()
    assert totals() == before
    assert person(a).ot is None and policies(a)[1][-1] == dt.date(2026, 6, 30)


def test_xml_form_is_streamed_and_idempotent(db, tmp_path):
    a = enp()
    path = tmp_path / "erz.xml"
    path.write_bytes(
        f"""<?xml version="1.0" encoding="windows-1251"?>
<ERZ>
  <PERSON><ENP>{a}</ENP><FAM>Сидорова</FAM><IM>Елена</IM><OT>Петровна</OT><W>2</W><DR>1975-01-02</DR>
    <SNILS>11122233344</SNILS><DDEATH/>
    <POLICY><VPOLIS>2</VPOLIS><NPOLIS>987654321</NPOLIS><SMO>14001</SMO><OKATO>98000</OKATO>
            <DBEG>2019-06-01</DBEG><DEND>2019-12-31</DEND></POLICY>
    <POLICY><VPOLIS>3</VPOLIS><NPOLIS>{a}</NPOLIS><SMO>14002</SMO><OKATO>98000</OKATO><DBEG>2020-01-01</DBEG></POLICY>
  </PERSON>
  <PERSON><ENP>123</ENP><FAM>Без номера</FAM></PERSON>
</ERZ>""".encode("cp1251")
    )
    result = import_file(path)
    assert (result.rows, result.persons, result.policies, result.rejected) == (2, 1, 2, 1)
    assert "ENP" in result.errors[0] and result.errors[0].startswith("строка 9:")
    assert person(a).fam == "Сидорова" and [p[0] for p in policies(a)] == [2, 3]
    before = totals()
    assert import_file(path).persons == 1 and totals() == before


def test_batches_write_everything_and_a_person_in_two_batches_stays_one(db):
    e = enp()
    rows = []
    for i in range(25):
        x = e if i in (3, 21) else enp()
        rows.append(
            (
                i,
                {"ENP": x, "FAM": f"Ф{i}", "IM": "И", "DR": "2000-01-01"},
                [{"VPOLIS": "3", "NPOLIS": x, "SMO": "14001", "OKATO": "98000", "DBEG": f"20{10 + i}-01-01"}],
            )
        )
    before = totals()
    result = import_records(iter(rows), batch=10)
    assert result.persons == 25 and totals() == (before[0] + 24, before[1] + 25)
    assert person(e).fam == "Ф21" and len(policies(e)) == 2


def test_bad_files_are_refused_with_a_message(db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("enp;fam;colour\n", encoding="utf-8")
    with pytest.raises(ErzImportError, match="COLOUR"):
        import_file(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ErzImportError, match="пуст"):
        import_file(empty)
    broken = tmp_path / "broken.xml"
    broken.write_text("<ERZ><PERSON><ENP>1</ENP>", encoding="utf-8")
    with pytest.raises(ErzImportError, match="XML"):
        import_file(broken)
    cp = tmp_path / "cp.csv"
    cp.write_bytes(f"ENP;FAM;DR\n{enp()};Иванов;2000-01-01\n".encode("cp1251"))
    with pytest.raises(ErzImportError, match="кодировке"):
        import_file(cp)
    assert import_file(cp, encoding="cp1251").persons == 1


def test_rows_with_errors_are_skipped_and_named(db, tmp_path):
    path = tmp_path / "mixed.csv"
    good = enp()
    path.write_text(
        "ENP;FAM;DR;W;VPOLIS;NPOLIS;DBEG;DEND\n"
        f"{good};Иванов;2000-01-01;1;3;{good};2020-01-01;\n"
        f"{enp()};Петров;01/02/2000;1;3;;2020-01-01;\n"
        f"{enp()};Сидоров;2000-01-01;7;3;;2020-01-01;\n"
        f"{enp()};Орлов;2000-01-01;1;3;;2021-01-01;2020-01-01\n"
        f"{enp()};Белов;2000-01-01;1;3;;;\n",
        encoding="utf-8",
    )
    result = import_file(path)
    assert (result.rows, result.persons, result.rejected) == (5, 1, 4)
    assert [e.split(":")[0] for e in result.errors] == ["строка 3", "строка 4", "строка 5", "строка 6"]
    assert "DR" in result.errors[0] and "W" in result.errors[1] and "DBEG" in result.errors[3]


def test_reading_is_lazy(tmp_path):
    path = tmp_path / "lazy.csv"
    path.write_text("ENP;FAM\n" + "".join(f"{i:016d};Ф\n" for i in range(1000)), encoding="utf-8")
    rows = read_csv(path)
    assert next(rows)[0] == 2  # a generator: one row at a time


def test_cli_prints_json(app, tmp_path):
    e = enp()
    path = tmp_path / "cli.csv"
    path.write_text(f"ENP;FAM;IM;DR\n{e};Кузнецов;Илья;1990-09-09\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oms", "import-erz", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["persons"] == 1
    xml = tmp_path / "cli.txt"
    xml.write_text(f"<ERZ><PERSON><ENP>{enp()}</ENP><FAM>Х</FAM></PERSON></ERZ>", encoding="utf-8")
    result = runner.invoke(args=["oms", "import-erz", "--format", "xml", str(xml)])
    assert result.exit_code == 0 and json.loads(result.output)["persons"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("FAM;IM\nА;Б\n", encoding="utf-8")
    result = runner.invoke(args=["oms", "import-erz", str(bad)])
    assert result.exit_code != 0 and "ENP" in result.output
