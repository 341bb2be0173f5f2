"""The МЭК rules against the official Q016 table, and in the rule catalogue of the database."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.controls.mek import catalogue, registry
from app.controls.rule_tables import read_rule_table
from app.models.reference import ControlRule

LISTED = {  # the checks the issue lists, by code
    "003K.00.0570",
    "003K.00.0580",
    "003K.00.0950",
    "003K.00.0960",
    "003K.00.0420",
    "003K.00.0290",
    "003K.00.0300",
    "003K.00.0310",
    "003K.00.0321",
    "003K.00.0371",
    "003K.00.0381",
    "003K.00.0391",
    "003K.00.0451",
    "003K.00.0461",
    "003K.00.0471",
    "003K.00.0481",
    "003K.00.0200",
    "003K.00.0331",
    "003K.00.0430",
    "003K.00.0620",
    "003K.00.0590",
    "003K.00.0660",
    "002K.00.0395",
    "003K.00.0550",
    "003K.14.0010",
    "003K.14.0020",
    "003K.14.0040",
    "003K.14.0050",
}


@pytest.fixture(scope="module")
def q016_path(official_reference):
    path = official_reference / "ruslanzykov__check_tfoms_errors" / "Q016.xml"
    assert path.is_file(), f"reference table missing: {path}"
    return path


@pytest.fixture(scope="module")
def q016(q016_path):
    return {r["code"]: r for r in read_rule_table(q016_path)}


def test_every_federal_code_exists_in_q016_with_the_same_element_types_and_dates(q016):
    for s in catalogue():
        if not s.is_federal:
            continue
        row = q016.get(s.code)
        assert row is not None, f"{s.code} is not in Q016"
        assert s.element_path == row["element"], s.code
        assert set(s.file_types) <= set(row["file_types"]), (s.code, s.file_types, row["file_types"])
        assert (s.valid_from, s.valid_to) == (row["valid_from"], row["valid_to"]), s.code


def test_the_listed_checks_are_implemented_and_at_least_20():
    codes = {s.code for s in catalogue()}
    assert LISTED <= codes
    assert len(codes) >= 20


def test_every_rule_has_its_data():
    for s in catalogue():
        assert s.refusal and re.fullmatch(r"\d+(\.\d+){1,2}", s.refusal), s.code
        assert s.share is None or Decimal(0) < s.share <= 1, s.code
        assert s.scope in ("case", "set", "tariff") and s.fn is not None
        if not s.is_federal:
            assert re.fullmatch(r"003K\.14\.\d{4}", s.code) and s.code in registry.__doc__, s.code


def test_catalogue_rows_carry_stage_reason_and_share(app_ctx, rule_catalogue):
    from app.extensions import db

    rows = {r.code: r for r in db.session.execute(select(ControlRule).where(ControlRule.stage == "МЭК")).scalars()}
    assert set(rows) == {s.code for s in catalogue()}
    for s in catalogue():
        r = rows[s.code]
        assert (r.refusal_code, r.implemented) == (s.refusal, True)
        assert r.withhold_share == s.share
        assert r.source == ("Q016" if s.is_federal else "regional")


def test_import_rules_updates_the_mek_texts_from_q016(app, rule_catalogue, q016_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oms", "import-rules", str(q016_path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db

        rule = db.session.execute(select(ControlRule).where(ControlRule.code == "003K.00.0620")).scalar_one()
        assert rule.message == "Несоответствие диагноза полу пациента"
        assert rule.stage == "МЭК" and rule.refusal_code == "1.1.4"
    assert "003K.00.0620" not in result.output.split("Не реализованы", 1)[1]


def test_import_rules_reports_the_003k_coverage_of_q016(app, rule_catalogue, q016_path):
    """At least 80% of the active 003K checks for the МО's case files are run; those that are not
    and need data the system lacks are printed with their reason."""
    from app.controls.mek.without_data import WITHOUT_DATA
    from app.services.reference.rules import import_rule_table

    with app.app_context():
        result = import_rule_table(q016_path)
    done, applicable = result["coverage"]["families"]["003K"]
    # 101 rows for C, H, T or X files and 003K.00.1021 for the L file that comes with them
    assert applicable == 102 and done >= 0.8 * applicable, (done, applicable)
    for code, why in WITHOUT_DATA.items():
        assert code in result["not_implemented"] and result["problems"][code] == why
    output = app.test_cli_runner().invoke(args=["oms", "import-rules", str(q016_path)]).output
    assert f"  003K: {done}/{applicable} ({100 * done / applicable:.0f}%)" in output


def test_a_check_without_data_is_not_also_written():
    from app.controls.mek.without_data import WITHOUT_DATA

    assert not set(WITHOUT_DATA) & {s.code for s in catalogue()}
