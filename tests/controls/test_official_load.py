"""The official Q015 imported with ``oms import-rules`` is the ФЛК of the next load: clean demo files
stay clean under the 591 rules, a fault the interpreted rules know is reported under its own Q015
code with a hint (not as the generic structural 903), and a row that does not compile stays off with
its reason.  The rows are removed after the module, so the other tests keep the rules of the code."""

from __future__ import annotations

import json

import pytest

from app.demo.files import DOCTOR_SNILS, write_archive
from app.extensions import db
from app.models.intake import ControlError, UploadedFile
from app.models.reference import ControlRule

Q015 = "ruslanzykov__check_tfoms_errors/Q015.xml"


@pytest.fixture(scope="module")
def imported(app, official_reference):
    from app.services.reference.rules import import_rule_table, sync_catalogue

    with app.app_context():
        result = import_rule_table(official_reference / Q015)
    yield result
    with app.app_context():
        db.session.query(ControlRule).filter(ControlRule.definition.is_not(None)).delete()
        db.session.commit()
        sync_catalogue()  # the project's rows for the newer codes back (app/controls/official/newer.py)


def _load(app, path) -> dict:
    result = app.test_cli_runner().invoke(args=["oms", "load", str(path), "--user", "mo1_operator"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.splitlines()[0])


def test_import_compiles_at_least_90_percent_of_the_applicable_rules(imported):
    cov = imported["coverage"]
    assert cov["applicable"] == 638
    assert cov["implemented"] >= 575, cov
    # a row the grammar cannot read is reported with the reason and stays off
    assert "006F.00.1170" in imported["problems"] and "SUMV-SANK_IT" in imported["problems"]["006F.00.1170"]
    assert "006F.00.1170" in imported["not_implemented"]


def test_every_interpreted_rule_has_a_hint_and_its_definition(app, imported):
    with app.app_context():
        rows = db.session.query(ControlRule).filter(ControlRule.definition.is_not(None)).all()
        on = [r for r in rows if r.implemented]
        assert len(on) >= 350
        assert all(r.hint and r.enabled and r.problem is None for r in on)
        off = [r for r in rows if not r.implemented]
        assert off and all(r.problem for r in off)


def test_clean_demo_files_stay_clean_under_the_official_rules(app, imported, tmp_path):
    archive = write_archive(tmp_path, cases=60, seed=4101, number=41)
    row = _load(app, archive.path)
    assert row["status"] == "Процесс загрузки завершен", row["note"]
    assert (row["records"], row["flk_errors"]) == (60, 0), row["errors"][:5]


def test_a_fault_an_interpreted_rule_knows_gets_its_own_code_and_a_hint(app, imported, tmp_path, monkeypatch):
    # the doctor's СНИЛС with its separators: Q015 004F.00.0920 allows digits and letters only
    monkeypatch.setattr("app.demo.files.DOCTOR_SNILS", ("038-077-626 70", "038-077-626 71"))
    archive = write_archive(tmp_path, cases=5, seed=4102, number=42)
    assert DOCTOR_SNILS[0].isdigit()
    row = _load(app, archive.path)
    codes = {e["code"] for e in row["errors"]}
    assert "004F.00.0920" in codes, codes
    with app.app_context():
        file_id = db.session.query(UploadedFile.id).filter_by(h_name=archive.h_name).scalar()
        found = db.session.query(ControlError).filter_by(file_id=file_id, code="004F.00.0920").all()
        assert found and all(f.element == "IDDOKT" and f.value.startswith("038-077-626 7") for f in found)
        hint = db.session.query(ControlRule.hint).filter_by(code="004F.00.0920").scalar()
        assert hint and "IDDOKT" in hint


def test_a_missing_required_element_is_reported_under_the_q015_code_not_902(app, imported, tmp_path):
    archive = write_archive(tmp_path, cases=20, seed=4103, number=43, error_rate=0.5, codes=["902"])
    row = _load(app, archive.path)
    codes = {e["code"] for e in row["errors"]}
    assert "003F.00.2451" in codes and "902" not in codes, codes  # SL/DS1 required (C, H, T)
