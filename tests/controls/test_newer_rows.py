"""The project's rows for Q015 codes newer than the official table (app/controls/official/newer.py)
are in the catalogue after ``oms sync-rules`` and run as data; an imported Q015 that defines one of
the codes replaces the project's row, and a later ``oms sync-rules`` leaves the official row alone."""

from __future__ import annotations

import json

from app.controls.finding import STAGE_FLK
from app.controls.official.newer import NEWER_ROWS, SOURCE
from app.extensions import db
from app.models.reference import ControlRule
from app.services.reference.rules import import_rule_table, rule_book, sync_catalogue

_ROW = """<?xml version="1.0" encoding="utf-8"?>
<packet><zglv><type>FLK_MPF</type><version>9.9</version><date>01.12.2026</date></zglv>
<zap><ID_TEST>001F.00.0361</ID_TEST><ID_EL>ZL_LIST/ZAP/Z_SL/SL/NAZ/NAPR_MO</ID_EL>
<TYPE_MD><TYPE_D>X</TYPE_D></TYPE_MD><NSI_OBJ>F003</NSI_OBJ><NSI_EL>mcod</NSI_EL>
<DATEBEG>01.01.2026</DATEBEG><DATEEND/></zap></packet>"""


def _rule(code: str) -> ControlRule:
    db.session.expire_all()
    return db.session.query(ControlRule).filter_by(code=code).one()


def test_sync_rules_stores_the_newer_rows_and_the_flk_runs_them(db):
    sync_catalogue()
    for row in NEWER_ROWS:
        rule = _rule(row["code"])
        assert (rule.source, rule.implemented, rule.problem) == (SOURCE, True, None), row["code"]
        assert json.loads(rule.definition)["nsi_obj"] == row["nsi_obj"]
        assert rule.hint
    codes = {s.code for s in rule_book(STAGE_FLK).extra}
    assert {r["code"] for r in NEWER_ROWS} <= codes


def test_an_imported_official_row_replaces_the_projects_and_sync_keeps_it(db, tmp_path):
    table = tmp_path / "Q015.xml"
    table.write_text(_ROW, encoding="utf-8")
    try:
        import_rule_table(table)
        rule = _rule("001F.00.0361")
        assert rule.source == "Q015" and json.loads(rule.definition)["nsi_obj"] == "F003"
        sync_catalogue()
        rule = _rule("001F.00.0361")
        assert rule.source == "Q015" and json.loads(rule.definition)["nsi_obj"] == "F003"
    finally:  # the project's row back, for the other tests
        db.session.query(ControlRule).filter_by(code="001F.00.0361").delete()
        db.session.commit()
        sync_catalogue()
    assert _rule("001F.00.0361").source == SOURCE
