"""The rule catalogue against the official Q015 table and the coverage of the tests."""

from __future__ import annotations

import re

import pytest

from app.controls.flk import catalogue, check_record, registry
from app.controls.flk.engine import RuleError
from app.controls.rule_tables import read_rule_table
from tests.controls.factory import adult, amb_zap, ctx


@pytest.fixture(scope="module")
def q015(official_reference):
    path = official_reference / "ruslanzykov__check_tfoms_errors" / "Q015.xml"
    assert path.is_file(), f"reference table missing: {path}"
    return {r["code"]: r for r in read_rule_table(path)}


@pytest.fixture(scope="module")
def newer_checks(official_reference):
    """Q015 codes newer than the v2.2 dump, with their messages, as a public ФЛК checker has them."""
    path = official_reference / "format-5x" / "medflk-q015-checks.txt"
    assert path.is_file(), f"reference list missing: {path}"
    found = re.findall(r'^(\d{3}F\.00\.\d{4}) "(.*)"$', path.read_text(encoding="utf-8"), re.M)
    return dict(found)


def test_every_federal_code_exists_in_q015_with_the_same_element_types_and_dates(q015, newer_checks):
    federal = [s for s in catalogue() if s.is_federal]
    for s in federal:
        row = q015.get(s.code)
        if row is None and s.code in newer_checks:  # newer than v2.2: the code and its words
            assert s.message == newer_checks[s.code], s.code
            continue
        assert row is not None, f"{s.code} is not in Q015"
        assert s.element_path == row["element"], s.code
        assert set(s.file_types) <= set(row["file_types"]), (s.code, s.file_types, row["file_types"])
        assert (s.valid_from, s.valid_to) == (row["valid_from"], row["valid_to"]), s.code


def test_at_least_25_cross_element_q015_rules(q015):
    cross = {s.code for s in catalogue() if s.code[:4] in ("003F", "006F") and s.code in q015}
    assert len(cross) >= 25
    required = {
        "003F.00.0080",
        "003F.00.0400",
        "003F.00.0410",
        "003F.00.2170",
        "006F.00.0010",
        "006F.00.0200",
        "006F.00.0310",
        "006F.00.0570",
        "002F.00.0080",
        "002F.00.0130",
        "002F.00.0010",
        "006F.00.0100",
        "006F.00.0330",
        "006F.00.0410",
        "006F.00.0400",
        "006F.00.0420",
        "006F.00.0530",
        "006F.00.0560",
        "003F.00.0430",
        "003F.00.0740",
        "003F.00.0660",
        "003F.00.0800",
        "003F.00.0810",
        "006F.00.0370",
        "003F.00.1720",
        "003F.00.1730",
        "003F.00.1740",
        "003F.00.1710",
        "003F.00.1530",
        "003F.00.1570",
        "003F.00.1670",
        "003F.00.1690",
        "006F.00.0110",
        "006F.00.1040",
    }
    assert required <= {s.code for s in catalogue()}


def test_regional_codes_are_documented_family_14():
    doc = registry.__doc__
    for s in catalogue():
        if not s.is_federal:
            assert re.fullmatch(r"002F\.14\.\d{4}", s.code), s.code
            assert s.code in doc, f"{s.code} missing from the registry docstring"


def test_catalogue_entries_are_complete():
    specs = catalogue()
    assert len({s.code for s in specs}) == len(specs)
    for s in specs:
        assert 0 < len(s.message) <= 250
        assert s.scope in registry.SCOPES
        assert set(s.file_types) <= set("CHTXL")
        assert s.element and s.element_path.startswith(("ZL_LIST/", "PERS_LIST/"))
        assert (s.fn is None) == (s.scope == "file")


def test_every_rule_has_a_test():
    from tests.controls import test_flk_header_rules as th
    from tests.controls import test_flk_nsi_rules as tn
    from tests.controls import test_flk_record_rules as tr

    tested = (
        {c.code for c in tr.CASES}
        | {c.code for c in th.HEADER_CASES}
        | {c.code for c in th.PERSON_CASES}
        | set(tn.SETUPS)
        | {
            "006F.00.0110",
            "006F.00.1040",
            "002F.14.0040",
            "002F.14.0050",
            "002F.14.0060",
            "002F.14.0070",
            "002F.14.0080",
            "002F.14.0090",
        }
    )  # test_flk_totals.py
    untested = {s.code for s in catalogue()} - tested
    assert not untested, sorted(untested)


def _boom(*args):
    raise ZeroDivisionError("bug")


@pytest.mark.parametrize(
    "code, broken",
    [
        ("006F.00.0570", {"fn": _boom}),  # a function run rule by rule
        # SL/PROFIL in V002, a look-up run element by element (app/controls/flk/dispatch.py): its check
        # called wherever PROFIL has a value
        ("001F.00.0270", {"check": _boom, "book": ""}),
    ],
)
def test_a_crashing_rule_is_reported_with_its_code(code, broken):
    import dataclasses

    spec = registry.get(code)
    assert spec.dispatched == ("check" in broken)
    registry.REGISTRY.replace(dataclasses.replace(spec, **broken))
    try:
        with pytest.raises(RuleError) as e:
            check_record(amb_zap(), adult(), ctx())
    finally:
        registry.REGISTRY.replace(spec)
    assert e.value.code == code


def test_rules_run_fast_enough():
    import time

    zaps = [amb_zap(i) for i in range(1, 501)]
    person, cx = adult(), ctx()
    start = time.perf_counter()
    for z in zaps:
        check_record(z, person, cx)
    per_record = (time.perf_counter() - start) / len(zaps)
    assert per_record < 0.005, f"{per_record * 1000:.2f} ms per record"
