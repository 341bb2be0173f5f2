"""«Справочники»: the rule catalogue (switching rules, importing the official Q015) and НСИ
(import of an official FFOMS export, browsing)."""

from __future__ import annotations

import pytest

from app.demo.files import write_archive
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.reference import ControlRule, NsiBookVersion, NsiItem
from app.security.roles import ROLE_TFOMS
from tests.factories import make_user, org_by_code

Q015 = "ruslanzykov__check_tfoms_errors/Q015.xml"  # in official_reference
V002 = "AshurkovAV__SQL_T/V002_extracted_from_SQLScript.xml"


def _load(app, tmp_path, seed, codes):
    import json

    from click.testing import CliRunner  # noqa: F401  (the runner of the app is used)

    archive = write_archive(tmp_path / str(seed), cases=30, seed=seed, number=seed % 9 + 1, error_rate=0.5, codes=codes)
    result = app.test_cli_runner().invoke(args=["oms", "load", str(archive.path), "--user", "mo1_operator"])
    assert result.exit_code == 0, result.output
    return archive, json.loads(result.output.strip().splitlines()[-1])


def test_switched_off_rule_is_not_applied(app, browser_factory, tmp_path):
    with app.app_context():
        specialist = make_user(org_by_code("14"), ROLE_TFOMS).username
        rule_id = db.session.query(ControlRule).filter_by(code="003F.00.0080").one().id
    b = browser_factory()
    b.login(specialist, "Test-Pass-2026x")
    resp = b.post("/controlruleview/action_post", data={"action": "switch_off", "rowid": [str(rule_id)]})
    assert resp.status_code == 302
    try:
        archive, result = _load(app, tmp_path, 41, ["003F.00.0080"])
        assert archive.injected
        assert "003F.00.0080" not in {e["code"] for e in result["errors"]}
        with app.app_context():
            assert db.session.query(AuditEvent).filter_by(event="rules_changed", username=specialist).count() == 1
    finally:
        b.post("/controlruleview/action_post", data={"action": "switch_on", "rowid": [str(rule_id)]})
    archive, result = _load(app, tmp_path, 42, ["003F.00.0080"])
    assert "003F.00.0080" in {e["code"] for e in result["errors"]}


def test_mo_user_cannot_switch_rules(app, browser_factory):
    with app.app_context():
        rule = db.session.query(ControlRule).filter_by(code="006F.00.0570").one()
        rule_id = rule.id
    b = browser_factory("mo1_operator")
    assert b.get("/controlruleview/list/").status_code == 200  # МО may read the catalogue
    resp = b.post("/controlruleview/action_post", data={"action": "switch_off", "rowid": [str(rule_id)]})
    assert resp.status_code in (302, 403)
    with app.app_context():
        assert db.session.get(ControlRule, rule_id).enabled is True


def test_import_rules_updates_texts_and_lists_unimplemented(app, official_reference):
    result = app.test_cli_runner().invoke(args=["oms", "import-rules", str(official_reference / Q015)])
    assert result.exit_code == 0, result.output
    assert "Строк в файле: 800" in result.output
    assert "Не реализованы в системе" in result.output
    assert "001F.00.0010" in result.output or "004F.00.0020" in result.output
    with app.app_context():
        rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
        assert rule.implemented and rule.message and rule.valid_from is not None
    # the coverage of the applicable rules (active, for МО files), as implemented/applicable
    import re

    from app.controls.rule_tables import iter_rule_table

    with app.app_context():
        implemented = {r.code for r in db.session.query(ControlRule).filter_by(implemented=True)}
    rows = [
        r
        for r in iter_rule_table(official_reference / Q015)
        if r["valid_to"] is None and set(r["file_types"]) & set("CHTXL")
    ]
    done = sum(r["code"] in implemented for r in rows)
    line = re.search(r"Покрытие действующих правил для файлов МО \(C, H, T, X, L\): (\d+)/(\d+)", result.output)
    assert line and (int(line[1]), int(line[2])) == (done, len(rows)), result.output[-800:]
    assert len(rows) == 638 and done >= 575  # 225 written in code + the rows the interpreter compiles
    for family in ("001F", "002F", "003F", "004F", "005F", "006F"):
        assert re.search(rf"^  {family}: \d+/\d+ \(\d+%\)$", result.output, re.M), family
    assert re.search(r"^  тип H: \d+/\d+", result.output, re.M)
    # the rows the system cannot run, each with its reason
    assert re.search(r"^  006F\.00\.1170 — .*SUMV-SANK_IT", result.output, re.M), result.output[-2000:]
    with app.app_context():  # the other tests keep the rules of the code
        db.session.query(ControlRule).filter(ControlRule.definition.is_not(None)).delete()
        db.session.commit()


def test_coverage_counts_each_rule_in_its_family_and_file_types():
    from app.services.reference.rules import coverage

    cov = coverage([("001F.00.0010", "CH", True), ("001F.00.0020", "HL", False), ("003F.00.0010", "X", True)])
    assert (cov["implemented"], cov["applicable"]) == (2, 3)
    assert cov["families"] == {"001F": (1, 2), "003F": (1, 1)}
    assert cov["file_types"] == {"C": (1, 1), "H": (1, 2), "X": (1, 1), "L": (0, 1)}


@pytest.fixture()
def restore_demo_v002(app):
    yield
    from app.demo.nsi import load_demo_books
    from app.services.reference.nsi import invalidate_cache, replace_book

    with app.app_context():
        replace_book("V002", load_demo_books()["V002"], version="demo")
        db.session.commit()
        invalidate_cache()


def test_import_nsi_replaces_a_book_idempotently(app, official_reference, restore_demo_v002):
    v002 = official_reference / V002
    runner = app.test_cli_runner()
    first = runner.invoke(args=["oms", "import-nsi", str(v002), "--book", "V002"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        n1 = db.session.query(NsiItem).filter_by(book="V002").count()
        assert n1 > 100
    second = runner.invoke(args=["oms", "import-nsi", str(v002), "--book", "V002"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.query(NsiItem).filter_by(book="V002").count() == n1
        assert db.session.query(NsiBookVersion).filter_by(book="V002").one().rows == n1
        assert db.session.query(NsiItem).filter_by(book="V002", code="97").count() >= 1


def test_nsi_pages_are_browsable(app, browser_factory):
    b = browser_factory("tfoms_admin")
    html = b.get("/nsibookview/list/").get_data(as_text=True)
    assert "V006" in html
    html = b.get("/nsiitemview/list/?_flt_0_book=V006").get_data(as_text=True)
    assert "Действует с" in html


def _edit_rule(browser, rule: ControlRule, **changes):
    """Post the edit form of «Правила контроля» with the rule's values and ``changes``."""
    values = {
        "message": rule.message,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else "",
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else "",
        "enabled": "y" if rule.enabled else "",
        "refusal_code": rule.refusal_code or "",
        "withhold_share": str(rule.withhold_share) if rule.withhold_share is not None else "",
    }
    values.update(changes)
    browser.fetch_csrf(f"/controlruleview/edit/{rule.id}")
    resp = browser.post(f"/controlruleview/edit/{rule.id}", data=values)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def test_a_message_edited_in_the_catalogue_shows_in_the_next_load(app, browser_factory, tmp_path):
    """The ФЛК takes its texts from the catalogue, as the МЭК does: an edit reaches the next load's
    errors and its FLK_P protocol."""
    from app.models.intake import UploadedFile as File
    from app.services.intake.reports import write_protocol_xml

    new_text = "Серия полиса указывается только для полиса старого образца (VPOLIS=1): уберите SPOLIS"
    with app.app_context():
        specialist = make_user(org_by_code("14"), ROLE_TFOMS).username
        rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
        old_text = rule.message
    b = browser_factory()
    b.login(specialist, "Test-Pass-2026x")
    _edit_rule(b, rule, message=new_text)
    try:
        archive, result = _load(app, tmp_path, 43, ["003F.00.0080"])
        assert archive.injected
        comments = {e["comment"] for e in result["errors"] if e["code"] == "003F.00.0080"}
        assert comments == {new_text}
        with app.app_context():
            file = db.session.get(File, result["file_id"])
            protocol = write_protocol_xml(file)
            assert new_text in open(protocol, encoding="cp1251").read()
            assert (
                db.session.query(AuditEvent)
                .filter_by(event="rules_changed", username=specialist, object_id="003F.00.0080")
                .count()
                == 1
            )
    finally:
        with app.app_context():
            rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
        _edit_rule(b, rule, message=old_text)
    archive, result = _load(app, tmp_path, 44, ["003F.00.0080"])
    assert {e["comment"] for e in result["errors"] if e["code"] == "003F.00.0080"} == {old_text}


def test_validity_dates_edited_in_the_catalogue_decide_whether_a_rule_runs(app, browser_factory, tmp_path):
    import datetime as dt

    with app.app_context():
        specialist = make_user(org_by_code("14"), ROLE_TFOMS).username
        rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
        valid_to = rule.valid_to
    b = browser_factory()
    b.login(specialist, "Test-Pass-2026x")
    ended = (dt.date.today().replace(day=1) - dt.timedelta(days=400)).isoformat()  # before the demo period
    _edit_rule(b, rule, valid_to=ended)
    try:
        archive, result = _load(app, tmp_path, 45, ["003F.00.0080"])
        assert archive.injected
        assert "003F.00.0080" not in {e["code"] for e in result["errors"]}
    finally:
        with app.app_context():
            rule = db.session.query(ControlRule).filter_by(code="003F.00.0080").one()
        _edit_rule(b, rule, valid_to=valid_to.isoformat() if valid_to else "")
    archive, result = _load(app, tmp_path, 46, ["003F.00.0080"])
    assert "003F.00.0080" in {e["code"] for e in result["errors"]}
